#include "compile/layer_kernels.hpp"

#include <algorithm>
#include <string>

#include "compile/configured_layers.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

bool runs_streaming(const Network& net, const LayerSpec& l) {
  return l.streaming || (l.prev_sequence >= 0 && net.layers[static_cast<size_t>(l.prev_sequence)].streaming);
}

// Conv1d taps `d` apart as one longer kernel with zeros in between.
void stretch_dilated(LayerKernels& k, int d) {
  const int taps = k.size[0];
  const int length = (taps - 1) * d + 1;
  std::vector<int64_t> v(static_cast<size_t>(k.count) * length, 0);
  for (int64_t r = 0; r < k.count; ++r)
    for (int t = 0; t < taps; ++t)
      v[static_cast<size_t>(r * length + t * d)] = k.values[static_cast<size_t>(r * taps + t)];
  k.values = std::move(v);
  k.size = {length, 1};
  k.shape = {k.count, length};
}

// Conv1d with a large dilation runs as a 3×3 Conv2d over the folded input:
// the taps go down the middle column, bottom-aligned.
void remap_to_3x3(LayerKernels& k) {
  const int taps = k.size[0];
  std::vector<int64_t> v(static_cast<size_t>(k.count) * 9, 0);
  for (int64_t r = 0; r < k.count; ++r)
    for (int t = 0; t < taps; ++t)
      v[static_cast<size_t>(r * 9 + (3 - taps + t) * 3 + 1)] = k.values[static_cast<size_t>(r * taps + t)];
  k.values = std::move(v);
  k.size = {3, 3};
  k.shape = {k.count, 3, 3};
}

// A 1×1 kernel as the centre of a 3×3 kernel.
void centre_in_3x3(LayerKernels& k) {
  std::vector<int64_t> v(static_cast<size_t>(k.count) * 9, 0);
  for (int64_t r = 0; r < k.count; ++r) v[static_cast<size_t>(r * 9 + 4)] = k.values[static_cast<size_t>(r)];
  k.values = std::move(v);
  k.size = {3, 3};
  k.reported = {3, 3};
  k.shape = {k.count, 3, 3};
}

LayerKernels kernels_of(const Network& net, const LayerSpec& l, int stream_window) {
  LayerKernels k;
  if (!l.has_weights() || l.op == Op::Passthrough || l.bypass) return k;
  const auto& s = l.weight_shape;
  k.present = true;
  k.count = static_cast<int64_t>(s[0]) * s[1];
  k.size = {s[2], s[3]};
  k.reported = l.kernel;
  if (s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0 ||
      static_cast<int64_t>(l.weights.size()) != k.count * k.area()) {
    throw Error({.file = net.weights_file, .layer = l.index, .layer_name = l.name, .key = "weights"},
                "the weights (" + std::to_string(l.weights.size()) + " values) do not match their shape");
  }
  k.values = l.weights;
  if (l.op == Op::Linear) {
    // Checkpoints hold Linear weights as (1, out, in); sample weights as (out, in).
    k.shape = net.arch == "test" ? std::vector<int64_t>{s[0], s[1]} : std::vector<int64_t>{1, s[0], s[1]};
  } else if (l.op == Op::Conv1d) {
    k.shape = {k.count, s[2]};
  } else {
    k.shape = {k.count, s[2], s[3]};
  }
  if (l.op == Op::Conv1d && l.dilation[0] > 1) {
    if ((k.size[0] - 1) * l.dilation[0] < 9)
      stretch_dilated(k, l.dilation[0]);
    else
      remap_to_3x3(k);
  } else if (l.index < stream_window && l.kernel == Pair{1, 1} && (l.op == Op::Conv2d || l.op == Op::ConvTranspose2d) &&
             runs_streaming(net, l)) {
    centre_in_3x3(k);
  }
  return k;
}

}  // namespace

std::vector<LayerKernels> layer_kernels(const Network& net) {
  std::vector<LayerKernels> out;
  out.reserve(net.layers.size());
  const int window = std::min(net.device->max_stream_layers + 1, configured_range(net).end);
  for (const LayerSpec& l : net.layers) out.push_back(kernels_of(net, l, window));
  return out;
}

std::vector<int> kernel_owners(const Network& net, const std::vector<LayerKernels>& kernels, int end,
                               const CompileOptions& opt) {
  std::vector<bool> present(kernels.size());
  for (size_t i = 0; i < kernels.size(); ++i) present[i] = kernels[i].present && static_cast<int>(i) < end;
  if (!opt.deduplicate_weights) {
    std::vector<int> own(kernels.size(), -1);
    for (size_t i = 0; i < kernels.size(); ++i) own[i] = present[i] ? static_cast<int>(i) : -1;
    return own;
  }
  return share_equal(kernels, present, [&](const LayerKernels& a, const LayerKernels& b, size_t ia, size_t ib) {
    const LayerSpec& la = net.layers[ia];
    const LayerSpec& lb = net.layers[ib];
    return a.shape == b.shape && la.quantization == lb.quantization && la.processors == lb.processors &&
           a.values == b.values;
  });
}

}  // namespace ai8x::compile
