#include "engine/engine.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/conv.hpp"
#include "core/conv_image.hpp"
#include "core/eltwise.hpp"
#include "core/error.hpp"
#include "core/pool.hpp"
#include "core/quantize.hpp"
#include "core/reshape.hpp"

namespace ai8x {

namespace {

std::string dims_string(int c, int h, int w) {
  return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w);
}

[[noreturn]] void fail(const LayerSpec& l, const std::string& key, const std::string& message) {
  throw Error({.layer = l.index, .layer_name = l.name, .key = key}, message);
}

// `t` is a Tensor or a core::Image8.
template <typename T>
void expect_shape(const LayerSpec& l, const std::string& what, const T& t, int c, Pair dims) {
  if (t.c != c || t.h != dims[0] || t.w != dims[1]) {
    fail(l, {},
         what + " is " + dims_string(t.c, t.h, t.w) + " but the network expects " + dims_string(c, dims[0], dims[1]));
  }
}

core::Activation to_core(Activation a) {
  switch (a) {
    case Activation::None: return core::Activation::None;
    case Activation::ReLU: return core::Activation::ReLU;
    case Activation::Abs: return core::Activation::Abs;
  }
  return core::Activation::None;
}

core::EltwiseOp to_core(Eltwise e) {
  switch (e) {
    case Eltwise::Add: return core::EltwiseOp::Add;
    case Eltwise::Sub: return core::EltwiseOp::Sub;
    case Eltwise::Or: return core::EltwiseOp::Or;
    case Eltwise::Xor: return core::EltwiseOp::Xor;
    case Eltwise::None: break;
  }
  return core::EltwiseOp::Add;
}

// Weight value range of each `quantization` (conventions §2.5).
core::ValueRange quantization_range(const LayerSpec& l) {
  switch (l.quantization) {
    case 8: return {-128, 127};
    case 4: return {-8, 7};
    case 2: return {-2, 1};
    case 1: return {-1, 0};
    case -1: return {-1, 1};  // binary: ±1, never 0
    default: fail(l, "quantization", "unsupported quantization " + std::to_string(l.quantization));
  }
}

// Names the first weight outside the layer's quantization (the convolution
// checks the range in bulk; this runs only when something is wrong).
void check_weight_range(const LayerSpec& l) {
  const core::ValueRange range = quantization_range(l);
  const bool binary = l.quantization == -1;
  for (int64_t w : l.weights) {
    if (w < range.lo || w > range.hi || (binary && w == 0)) {
      fail(l, "quantization",
           "weight " + std::to_string(w) + " does not fit " +
               (binary ? std::string("binary") : std::to_string(l.quantization) + "-bit") + " quantization");
    }
  }
}

class Runner {
 public:
  Runner(const Network& net, const EngineOptions& opt) : net_(net), opt_(opt) {
    result_.layers.resize(net.layers.size());
    images_.resize(net.layers.size());
  }

  EngineResult run() {
    if (net_.input.size() == 0) throw Error("the network has no input data");
    const LayerSpec* previous = nullptr;
    for (size_t step = 0; step < net_.order.size(); ++step) {
      const int index = net_.order[step];
      if (index < 0 || static_cast<size_t>(index) >= net_.layers.size()) {
        throw Error("execution order names layer " + std::to_string(index) + ", which does not exist");
      }
      const LayerSpec& l = net_.layers[static_cast<size_t>(index)];
      try {
        run_layer(l, previous, step == 0);
      } catch (Error& e) {
        e.with_layer(l.index, l.name);
        throw;
      }
      previous = &l;
    }
    return std::move(result_);
  }

 private:
  void run_layer(const LayerSpec& l, const LayerSpec* previous, bool first) {
    LayerTrace trace;
    trace.layer = l.index;
    // 8-bit convolution outputs are also kept as the kernels' HWC images, which
    // the next layer reads (and pools) directly when it takes them unchanged.
    core::Image8* out8 = &images_[static_cast<size_t>(l.index)];
    const int source_layer = direct_source(l, previous, first);
    if (source_layer != kNoSource && !opt_.keep_traces) {
      // Steps 1–3 leave the data unchanged: read it in place instead of copying.
      const Tensor& input = source_layer == kNetworkInput ? net_.input : source(l, source_layer);
      expect_shape(l, "input", input, l.in_channels, l.in_dim);
      const core::Image8* image = source_layer >= 0 ? &images_[static_cast<size_t>(source_layer)] : nullptr;
      if (image != nullptr && image->c > 0 && reads_images(l)) {
        if (pools(l)) {
          const core::Image8 pooled = pool(l, *image);
          expect_shape(l, "pooled input", pooled, l.in_channels, l.pooled_dim);
          trace.output = apply_operator(l, pooled, out8);
        } else {
          trace.output = apply_operator(l, *image, out8);
        }
      } else if (pools(l)) {
        const Tensor pooled = pool(l, input);
        expect_shape(l, "pooled input", pooled, l.in_channels, l.pooled_dim);
        trace.output = apply_operator(l, pooled, out8);
      } else {
        trace.output = apply_operator(l, input, out8);
      }
    } else {
      std::vector<Tensor> operands = assemble_operands(l, previous, first);
      if (opt_.keep_traces) trace.input = core::concat_channels(operands);
      Tensor pooled = pool_and_combine(l, std::move(operands));
      trace.output = apply_operator(l, pooled, opt_.keep_traces ? nullptr : out8);
      if (opt_.keep_traces) trace.pooled = std::move(pooled);
    }
    expect_shape(l, "output", trace.output, l.out_channels, l.out_dim);
    result_.layers[static_cast<size_t>(l.index)] = std::move(trace);
  }

  static constexpr int kNoSource = -3;
  static constexpr int kNetworkInput = -1;

  // The layer whose output is this layer's input unchanged (one operand, no
  // crop, no re-interpretation), kNetworkInput for the network input, or
  // kNoSource.
  int direct_source(const LayerSpec& l, const LayerSpec* previous, bool first) const {
    if (l.operands > 1 || l.in_crop[0] != 0 || l.in_crop[1] != 0 || l.in_sequences.size() > 1) return kNoSource;
    int index = kNetworkInput;
    if (l.in_sequences.size() == 1) {
      index = l.in_sequences[0];
    } else if (!first) {
      index = previous->index;
    }
    const Tensor& t = index == kNetworkInput ? net_.input : source(l, index);
    return t.h == l.in_dim[0] && t.w == l.in_dim[1] ? index : kNoSource;
  }

  // Operators that take an 8-bit image as input.
  static bool reads_images(const LayerSpec& l) { return (l.op == Op::Conv2d || l.op == Op::Conv1d) && !l.flatten; }

  const Tensor& source(const LayerSpec& l, int seq) const {
    if (seq == -1) return net_.input;
    if (seq == -2) fail(l, "in_sequences", "data buffer inputs are not supported by the engine");
    if (seq < 0 || static_cast<size_t>(seq) >= result_.layers.size() || !result_.layers[static_cast<size_t>(seq)]) {
      fail(l, "in_sequences", "input layer " + std::to_string(seq) + " has not produced an output yet");
    }
    return result_.layers[static_cast<size_t>(seq)]->output;
  }

  // Steps 1–3: the layer's input, split into operands, each cropped and
  // re-interpreted as in_dim. Crop and reshape only move elements, so doing
  // them per operand before a pool_first=false element-wise op is equivalent
  // to doing them after it.
  std::vector<Tensor> assemble_operands(const LayerSpec& l, const LayerSpec* previous, bool first) const {
    Tensor input;
    if (!l.in_sequences.empty()) {
      std::vector<Tensor> parts;
      bool same_dims = true;
      for (int seq : l.in_sequences) {
        parts.push_back(source(l, seq));
        same_dims = same_dims && parts.back().h == parts[0].h && parts.back().w == parts[0].w;
      }
      input = parts.size() == 1 ? std::move(parts[0])
              : same_dims       ? core::concat_channels(parts)
                                : core::concat_pixels(parts);
    } else {
      input = first ? net_.input : source(l, previous->index);
    }

    const int count = l.operands < 1 ? 1 : l.operands;
    std::vector<Tensor> operands;
    if (count == 1) {
      operands.push_back(std::move(input));
    } else if (net_.options.legacy_test && !first) {
      operands = core::split_columns(input, count);
    } else {
      operands = core::split_channels(input, count);
    }
    for (Tensor& t : operands) {
      if (l.in_crop[0] != 0 || l.in_crop[1] != 0) t = core::crop_rows(t, l.in_crop[0], l.in_crop[1]);
      if (t.h != l.in_dim[0] || t.w != l.in_dim[1]) {
        try {
          t = core::reshape(t, l.in_dim);
        } catch (Error& e) {
          e.with_key("in_dim");
          throw;
        }
      }
      expect_shape(l, "input", t, l.in_channels, l.in_dim);
    }
    return operands;
  }

  static bool pools(const LayerSpec& l) {
    const bool pooling = l.pool != PoolKind::None && (l.pool_size[0] > 1 || l.pool_size[1] > 1);
    const bool strided = l.pool_stride[0] > 1 || l.pool_stride[1] > 1;
    return pooling || strided;
  }

  // `T` is a Tensor or a core::Image8.
  template <typename T>
  T pool(const LayerSpec& l, const T& t) const {
    if (!pools(l)) return t;
    const bool pooling = l.pool != PoolKind::None && (l.pool_size[0] > 1 || l.pool_size[1] > 1);
    core::PoolParams p;
    // Without a window the stride only subsamples, which is a 1×1 max pool.
    p.kind = pooling && l.pool == PoolKind::Avg ? core::PoolKind::Avg : core::PoolKind::Max;
    p.size = pooling ? l.pool_size : Pair{1, 1};
    p.stride = l.pool_stride;
    p.dilation = pooling ? l.pool_dilation : Pair{1, 1};
    // --avg-pool-rounding affects 2-D pooling only (verified with the izer).
    p.rounding = net_.options.avg_pool_rounding ? core::AvgRounding::HalfAwayFromZero : core::AvgRounding::TowardZero;
    try {
      return l.is_1d() ? core::pool1d(t, p) : core::pool2d(t, p);
    } catch (Error& e) {
      e.with_key("pool");
      throw;
    }
  }

  // Step 4.
  Tensor pool_and_combine(const LayerSpec& l, std::vector<Tensor> operands) const {
    // Element-wise results saturate to int8 except in a 32-bit passthrough.
    const bool saturate = !(l.op == Op::Passthrough && l.output_width == 32);
    const bool combine = operands.size() > 1;
    if (combine && !l.pool_first) {
      Tensor mixed = core::eltwise(operands, to_core(l.eltwise), saturate);
      operands.clear();
      operands.push_back(std::move(mixed));
    }
    for (Tensor& t : operands) {
      t = pool(l, t);
      expect_shape(l, "pooled input", t, l.in_channels, l.pooled_dim);
    }
    if (combine && l.pool_first) return core::eltwise(operands, to_core(l.eltwise), saturate);
    return std::move(operands[0]);
  }

  // Step 5. `T` is a Tensor or, for operators that read_images(), a
  // core::Image8. *out8 receives an 8-bit output's image (empty otherwise).
  template <typename T>
  Tensor apply_operator(const LayerSpec& l, const T& pooled, core::Image8* out8) const {
    if (out8 != nullptr) *out8 = {};
    if constexpr (std::is_same_v<T, Tensor>) {
      if (l.op == Op::Passthrough) {
        // No shift and no activation (the izer rejects activations here).
        return l.output_width == 32 ? core::output32(pooled) : pooled;
      }
    }
    T flat;
    if constexpr (std::is_same_v<T, Tensor>) {
      if (l.flatten) flat = core::flatten(pooled);
    }
    const T& data = l.flatten ? flat : pooled;
    const int groups = l.groups < 1 ? 1 : l.groups;
    core::ConvOptions options;
    std::vector<int64_t> bypass;
    if (l.bypass) {
      bypass = core::bypass_weights(l.out_channels, data.c / groups, l.kernel);
    } else if (l.has_weights()) {
      // The convolution checks the quantization's range in bulk.
      const core::ValueRange range = quantization_range(l);
      options.weight_min = range.lo;
      options.weight_max = range.hi;
      options.nonzero_weights = l.quantization == -1;
    } else {
      fail(l, "weights", "the layer has no weights");
    }
    // The output stage runs inside the convolution when it is valid; an invalid
    // one is reported after the convolution's own checks, by output_stage().
    const bool fused =
        (l.output_width == 8 && l.output_shift >= -core::kMaxShift && l.output_shift <= core::kMaxShift) ||
        l.output_width == 32;
    if (fused) {
      options.width = l.output_width;
      options.shift = l.output_shift;
      options.act = to_core(l.activation);
    }
    Tensor acc;
    try {
      acc = convolve(l, data, groups, l.bypass ? bypass : l.weights, options, out8);
    } catch (Error&) {
      // A weight outside the quantization takes precedence and is named.
      if (!l.bypass) check_weight_range(l);
      throw;
    }
    if (fused) return acc;
    return output_stage(l, std::move(acc));
  }

  template <typename T>
  static Tensor convolve(const LayerSpec& l, const T& data, int groups, std::span<const int64_t> weights,
                         const core::ConvOptions& options, core::Image8* out8) {
    if constexpr (!std::is_same_v<T, Tensor>) {
      if (l.op == Op::Conv1d) {
        return core::conv1d(data, conv1d_params(l, data.c, groups), weights, l.bias, options, out8);
      }
      return core::conv2d(data, conv2d_params(l, data.c, groups), weights, l.bias, options, out8);
    } else {
      return convolve_tensor(l, data, groups, weights, options, out8);
    }
  }

  static core::ConvParams conv2d_params(const LayerSpec& l, int in_channels, int groups) {
    core::ConvParams p;
    p.in_channels = in_channels;
    p.out_channels = l.out_channels;
    p.groups = groups;
    p.kernel = l.kernel;
    p.stride = l.stride;
    p.dilation = l.dilation;
    p.pad = l.pad;
    return p;
  }

  static core::Conv1dParams conv1d_params(const LayerSpec& l, int in_channels, int groups) {
    core::Conv1dParams p;
    p.in_channels = in_channels;
    p.out_channels = l.out_channels;
    p.groups = groups;
    p.kernel = l.kernel[0];
    p.stride = l.stride[0];
    p.dilation = l.dilation[0];
    p.pad = l.pad[0];
    return p;
  }

  static Tensor convolve_tensor(const LayerSpec& l, const Tensor& data, int groups, std::span<const int64_t> weights,
                                const core::ConvOptions& options, core::Image8* out8) {
    switch (l.op) {
      case Op::Conv2d:
      case Op::Linear: return core::conv2d(data, conv2d_params(l, data.c, groups), weights, l.bias, options, out8);
      case Op::Conv1d: return core::conv1d(data, conv1d_params(l, data.c, groups), weights, l.bias, options, out8);
      case Op::ConvTranspose2d: {
        core::ConvTransposeParams p;
        p.in_channels = data.c;
        p.out_channels = l.out_channels;
        p.groups = groups;
        p.kernel = l.kernel;
        p.stride = l.stride;
        p.dilation = l.dilation;
        p.pad = l.pad;
        p.output_pad = {l.output_pad, l.output_pad};
        return core::conv_transpose2d(data, p, weights, l.bias, options);
      }
      case Op::Passthrough: break;
    }
    return data;
  }

  static Tensor output_stage(const LayerSpec& l, Tensor acc) {
    const core::Activation act = to_core(l.activation);
    if (l.output_width == 32) {
      // The izer applies an activation (only possible on a non-final 32-bit
      // layer) to the raw accumulator, with the 8-bit bound 127.
      for (int64_t& v : acc.v) v = core::activate(v, act);
      return core::output32(acc);
    }
    if (l.output_width != 8) {
      fail(l, "output_width", "output_width must be 8 or 32, not " + std::to_string(l.output_width));
    }
    try {
      return core::output8(acc, l.output_shift, act);
    } catch (Error& e) {
      e.with_key("output_shift");
      throw;
    }
  }

  const Network& net_;
  const EngineOptions& opt_;
  EngineResult result_;
  std::vector<core::Image8> images_;  // per layer: its 8-bit output as an HWC image (c == 0: none)
};

}  // namespace

EngineResult run_network(const Network& net, const EngineOptions& opt) {
  return Runner(net, opt).run();
}

}  // namespace ai8x
