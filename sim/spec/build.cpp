#include "spec/build.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "io/npy.hpp"
#include "io/yaml_value.hpp"
#include "spec/network_yaml.hpp"
#include "spec/weights.hpp"

namespace ai8x::spec {

namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string hex(uint64_t v, int digits = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

std::string dims(const Pair& p) {
  return "[" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + "]";
}

// The first existing file among `candidates`, else the first candidate.
std::string first_existing(const std::vector<fs::path>& candidates) {
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c.string();
  }
  return candidates.front().string();
}

// Files the izer finds under tests/ relative to its working directory; a
// user keeps them beside the YAML or in a tests/ folder next to it.
std::string locate(const std::string& config, const std::string& name) {
  const fs::path dir = fs::path(config).parent_path();
  return first_existing(
      {dir / name, dir / "tests" / name, fs::path("tests") / name, dir.parent_path() / "tests" / name});
}

class Builder {
 public:
  explicit Builder(const BuildInputs& in) : in_(in), dev_(*in.device) {}

  Network run() {
    net_.device = &dev_;
    net_.options = in_.options;
    net_.config_file = in_.config_path;
    yaml_ =
        parse_network_yaml(io::load_yaml_file(in_.config_path), in_.config_path, dev_, in_.options.skip_yaml_layers);
    net_.arch = yaml_.arch;
    net_.dataset = yaml_.dataset;
    net_.output_map = yaml_.output_map;
    load_weights();
    load_sample();
    copy_yaml_layers();
    walk_channels();
    walk_dimensions();
    replicate_fast_fifo_quad_map();
    check_hardware_limits();
    check_sample_channels();
    return std::move(net_);
  }

 private:
  [[noreturn]] void fail(int layer, const std::string& key, const std::string& message) const {
    const std::string name = layer >= 0 && layer < static_cast<int>(yaml_.layers.size())
                                 ? yaml_.layers[static_cast<size_t>(layer)].name
                                 : std::string();
    throw Error({.file = in_.config_path, .layer = layer, .layer_name = name, .key = key}, message);
  }
  void warn(int layer, const std::string& message) {
    net_.warnings.push_back("layer " + std::to_string(layer) + ": " + message);
  }

  void load_weights() {
    if (yaml_.arch == "test") {
      const std::string wpath = in_.weights_path.value_or(locate(
          in_.config_path, yaml_.weights ? *yaml_.weights + ".npy" : "weights_" + lower(yaml_.dataset) + ".npy"));
      std::optional<std::string> bpath = in_.bias_path;
      if (!bpath && yaml_.bias) bpath = locate(in_.config_path, "bias_" + *yaml_.bias + ".npy");
      weights_ = load_sample_weights(wpath, bpath, yaml_, in_.options);
      net_.weights_file = wpath;
      return;
    }
    std::string ckpt;
    if (in_.checkpoint_path) {
      ckpt = *in_.checkpoint_path;
    } else {
      const fs::path p(in_.config_path);
      ckpt = (p.parent_path() / (p.stem().string() + ".pth.tar")).string();
      std::error_code ec;
      if (!fs::is_regular_file(ckpt, ec)) {
        throw Error(
            {.file = in_.config_path, .key = "arch"},
            "`arch: " + yaml_.arch + "` needs a checkpoint: pass --checkpoint (no " + ckpt + " beside the YAML)");
      }
    }
    weights_ = load_checkpoint_weights(ckpt, yaml_, dev_, in_.options);
    net_.weights_file = ckpt;
  }

  void load_sample() {
    const std::string path =
        in_.sample_path.value_or(locate(in_.config_path, "sample_" + lower(yaml_.dataset) + ".npy"));
    net_.sample_file = path;
    const io::NpyArray a = io::read_npy(path);
    if (a.shape.size() < 2 || a.shape.size() > 3) {
      throw Error({.file = path, .key = "shape"},
                  "the sample must be C×H×W or C×L, found " + std::to_string(a.shape.size()) + " dimensions");
    }
    for (int64_t d : a.shape) {
      if (d <= 0 || d > 1 << 16)
        throw Error({.file = path, .key = "shape"}, "sample dimension " + std::to_string(d) + " is out of range");
    }
    const auto [mn, mx] = std::minmax_element(a.data.begin(), a.data.end());
    if (!a.data.empty() && (*mn < -128 || *mx > 127)) {
      throw Error({.file = path}, "sample values must be signed 8-bit [-128, 127], found min " + std::to_string(*mn) +
                                      ", max " + std::to_string(*mx));
    }
    Tensor t(static_cast<int>(a.shape[0]), static_cast<int>(a.shape[1]),
             a.shape.size() == 3 ? static_cast<int>(a.shape[2]) : 1);
    t.v = a.data;
    apply_input_options(t, path);
    net_.input = std::move(t);
  }

  void apply_input_options(Tensor& t, const std::string& path) const {
    const IzerOptions& o = in_.options;
    if (o.synthesize_input) {
      // Every block of `words` pixels repeats the previous block + N, over the
      // little-endian word of up to 4 channels (conventions §6).
      const int words = o.synthesize_words;
      if (t.c < 1 || t.c > 4) throw Error({.file = path}, "--synthesize-input needs 1 to 4 input channels");
      const int pixels = t.h * t.w;
      if (words <= 0 || pixels % words != 0)
        throw Error({.file = path}, "--synthesize-words must divide the pixel count " + std::to_string(pixels));
      const uint32_t mask = t.c == 4 ? 0xffffffffU : (1U << (8 * t.c)) - 1;
      for (int i = words; i < pixels; i += words) {
        for (int j = 0; j < words; ++j) {
          uint32_t val = 0;
          for (int c = t.c - 1; c >= 0; --c) {
            val = val << 8 | static_cast<uint8_t>(t.v[static_cast<size_t>(c) * pixels + i + j - words]);
          }
          val = (val + static_cast<uint32_t>(*o.synthesize_input)) & mask;
          for (int c = t.c - 1; c >= 0; --c) {
            const int64_t byte = (val >> (c * 8)) & 0xff;
            t.v[static_cast<size_t>(c) * pixels + i + j] = byte >= 128 ? byte - 256 : byte;  // two's complement int8
          }
        }
      }
    }
    if (o.input_csv_format) {
      if (t.c != 3) throw Error({.file = path}, "--input-csv-format needs 3 input channels");
      const bool is565 = *o.input_csv_format == "565";
      const int64_t masks[3] = {~int64_t{7}, is565 ? ~int64_t{3} : ~int64_t{7}, ~int64_t{7}};
      const size_t plane = static_cast<size_t>(t.h) * t.w;
      for (int c = 0; c < 3; ++c)
        for (size_t i = 0; i < plane; ++i) t.v[c * plane + i] &= masks[c];
    }
  }

  void copy_yaml_layers() {
    for (size_t i = 0; i < yaml_.layers.size(); ++i) {
      const YamlLayer& y = yaml_.layers[i];
      const LayerWeights& w = weights_[i];
      LayerSpec l;
      l.index = y.sequence;
      l.name = y.name;
      l.op = y.op;
      l.eltwise = y.eltwise;
      l.operands = y.operands;
      l.pool_first = y.pool_first;
      l.bypass = y.bypass;
      l.calcx4 = y.calcx4;
      l.groups = y.groups;
      l.pool = y.pool;
      l.pool_size = y.pool_size;
      l.pool_stride = y.pool_stride;
      l.pool_dilation = y.pool_dilation;
      l.kernel = y.kernel;
      l.pad = y.pad;
      l.stride = y.stride;
      l.dilation = y.dilation;
      l.output_pad = y.output_pad;
      l.flatten = y.flatten;
      l.in_crop = y.in_crop;
      l.has_in_dim = y.in_dim.has_value();
      l.activation = in_.options.ignore_activation ? Activation::None : y.activation;
      l.processors = y.processors;
      l.output_processors = y.output_processors.value_or(0);
      l.out_offset = y.out_offset;
      l.write_gap = y.write_gap;
      l.read_gap = y.read_gap;
      l.chw_input = y.chw;
      l.streaming = y.streaming;
      if (!y.bias_group.empty()) l.bias_group = y.bias_group.front();
      l.in_sequences = y.in_sequences.value_or(std::vector<int>{});
      l.output = y.output;
      l.output_width = y.output_width;
      l.in_channels = w.in_channels;
      l.out_channels = w.out_channels;
      l.weights = w.weights;
      l.weight_shape = w.shape;
      l.bias = w.bias;
      // Quantization: weights decide, else 8 (0 for passthrough and bypass).
      if (w.present)
        l.quantization = w.quantization;
      else if (y.quantization)
        l.quantization = *y.quantization;
      else
        l.quantization = (y.bypass || y.op == Op::Passthrough) ? 0 : 8;
      if (w.output_shift)
        l.output_shift = *w.output_shift;
      else
        l.output_shift = y.output_shift.value_or(y.bypass ? 7 : 0);
      net_.layers.push_back(std::move(l));
    }
  }

  // Execution order and channel counts (conventions §1.6 step 3).
  void walk_channels() {
    const int n = static_cast<int>(net_.layers.size());
    const IzerOptions& o = in_.options;
    std::vector<int> next(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const auto& y = yaml_.layers[static_cast<size_t>(i)];
      next[static_cast<size_t>(i)] = y.next_sequence.value_or(i + 1 < n ? i + 1 : -1);
    }
    int start = o.start_layer.value_or(0);
    if (start != 0 && !dev_.link_layer)
      throw Error({.file = in_.config_path, .key = "--start-layer"}, dev_.name + " always starts at layer 0");
    if (start < 0 || start >= n)
      throw Error({.file = in_.config_path, .key = "--start-layer"},
                  "start layer " + std::to_string(start) + " does not exist");
    net_.start_layer = start;
    int prev = -1;
    int final_layer = -1;
    int max_layer = start;
    std::set<int> seen;
    int ll = start;
    while (ll < n) {
      if (!seen.insert(ll).second)
        fail(ll, "next_sequence", "the layer sequence loops back to layer " + std::to_string(ll));
      LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
      if (!l.in_sequences.empty()) {
        for (int s : l.in_sequences) {
          if (s == -2) fail(ll, "in_sequences", "data buffers are not supported by ai8xsim yet");
          if (s < -1 || s >= n) fail(ll, "in_sequences", "layer " + std::to_string(s) + " does not exist");
        }
        auto channels_of = [&](int s) {
          return s == -1 ? net_.input.c : net_.layers[static_cast<size_t>(s)].out_channels;
        };
        if (l.eltwise == Eltwise::None) {
          int sum = 0;
          for (int s : l.in_sequences) {
            sum += channels_of(s);
            if (channels_of(s) != channels_of(l.in_sequences.front())) {
              warn(ll,
                   "`in_sequences` concatenates inputs with different channel counts; the vendor generator rejects "
                   "this");
            }
          }
          l.in_channels = sum;
        } else {
          l.in_channels = channels_of(l.in_sequences.front());
          for (int s : l.in_sequences) {
            if (channels_of(s) != l.in_channels) {
              fail(ll, "in_sequences",
                   "the element-wise inputs have different channel counts (" + std::to_string(l.in_channels) + " vs " +
                       std::to_string(channels_of(s)) + ")");
            }
          }
        }
      }
      if (l.in_channels <= 0) {
        l.in_channels = ll == 0 ? net_.input.c / l.operands : net_.layers[static_cast<size_t>(prev)].out_channels;
        if (ll != 0 && prev < 0) fail(ll, "in_channels", "`in_channels` is required for the first executed layer");
      }
      const YamlLayer& y = yaml_.layers[static_cast<size_t>(ll)];
      if (y.in_channels) l.in_channels = *y.in_channels;
      if (l.out_channels <= 0) l.out_channels = l.in_channels;
      if (y.out_channels) l.out_channels = *y.out_channels;
      int& nx = next[static_cast<size_t>(ll)];
      if (l.output_processors == 0 && nx != -1 && nx < n)
        l.output_processors = net_.layers[static_cast<size_t>(nx)].processors;
      if (o.stop_after && ll == *o.stop_after) nx = -1;
      l.prev_sequence = prev;
      prev = ll;
      max_layer = std::max(max_layer, ll);
      if (nx != -1 && nx != ll + 1 && !dev_.link_layer)
        fail(ll, "next_sequence", "`next_sequence` other than the following layer is not supported on " + dev_.name);
      if (nx > n) {
        warn(ll, "`next_sequence` exceeds the available layers, stopping here");
        nx = -1;
      }
      if (nx < -1) fail(ll, "next_sequence", "layer " + std::to_string(nx) + " does not exist");
      net_.order.push_back(ll);
      if (nx == -1) {
        final_layer = ll;
        break;
      }
      ll = nx;
    }
    if (final_layer < 0) final_layer = max_layer;
    net_.final_layer = final_layer;
    net_.hardware_order = net_.order;
    apply_simulated_sequence(next);
    for (int i = 0; i < n; ++i) net_.layers[static_cast<size_t>(i)].next_sequence = next[static_cast<size_t>(i)];

    LayerSpec& fl = net_.layers[static_cast<size_t>(final_layer)];
    if (yaml_.output_map) {
      fl.output_processors = *yaml_.output_map;
    } else if (fl.output_processors == 0) {
      const Expansion e = expansion(fl.out_channels, o.max_proc.value_or(64));
      fl.output_processors = e.per_pass >= 64 ? ~uint64_t{0} : (uint64_t{1} << e.per_pass) - 1;
    }
    if (o.output_width) fl.output_width = *o.output_width;
    for (auto& l : net_.layers) {
      if (o.ignore_streaming) l.streaming = false;
    }
    for (int s : o.streaming_layers) {
      if (s >= 0 && s < n) net_.layers[static_cast<size_t>(s)].streaming = true;
    }
    if (std::none_of(net_.order.begin(), net_.order.end(),
                     [&](int i) { return net_.layers[static_cast<size_t>(i)].output; })) {
      fl.output = true;
    }
    // Layers after a --stop-after cut are not part of the network any more.
    for (auto& l : net_.layers) {
      if (std::find(net_.order.begin(), net_.order.end(), l.index) == net_.order.end()) l.output = false;
    }
  }

  // MAX78002 snoop tests let the izer's model take another path than the
  // hardware (`simulated_sequence`); the known answer is that path's result.
  void apply_simulated_sequence(const std::vector<int>& next) {
    const int n = static_cast<int>(net_.layers.size());
    bool any = false;
    for (const auto& y : yaml_.layers) any = any || y.simulated_sequence.has_value();
    if (!any) return;
    int terminating = net_.final_layer;
    for (const auto& y : yaml_.layers) {
      if (y.simulated_sequence == -1) {
        terminating = y.sequence;
        break;
      }
    }
    std::vector<int> order;
    std::set<int> seen;
    for (int ll = net_.start_layer; ll >= 0 && ll < n;) {
      if (!seen.insert(ll).second)
        fail(ll, "simulated_sequence", "the simulated sequence loops back to layer " + std::to_string(ll));
      order.push_back(ll);
      const auto& sim = yaml_.layers[static_cast<size_t>(ll)].simulated_sequence;
      const int nx = sim ? *sim : next[static_cast<size_t>(ll)];
      if (nx == -1 || ll == terminating) break;
      ll = nx;
    }
    net_.order = order;
    net_.final_layer = order.back();
    for (auto& l : net_.layers) l.output = false;
    net_.layers[static_cast<size_t>(net_.final_layer)].output = true;
  }

  // Offsets and dimensions along the execution order (conventions §1.6 steps 7-8).
  void walk_dimensions() {
    const int start = net_.start_layer;
    const IzerOptions& o = in_.options;
    std::vector<Pair> auto_dim(net_.layers.size(), Pair{0, 0});
    auto_dim[static_cast<size_t>(start)] = {net_.input.h, net_.input.w};
    LayerSpec& fl = net_.layers[static_cast<size_t>(net_.final_layer)];
    if (fl.output_width != 8 && fl.activation != Activation::None) {
      fail(net_.final_layer, "output_width", "`output_width: 32` cannot be combined with an activation");
    }
    for (int ll : net_.hardware_order) {
      LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
      const YamlLayer& y = yaml_.layers[static_cast<size_t>(ll)];
      if (l.in_channels <= 0) fail(ll, "in_channels", "`in_channels` is required");
      if (ll == start) {
        l.in_offset = o.input_offset.value_or(y.in_offset.value_or(0));
        l.in_dim = y.in_dim.value_or(auto_dim[static_cast<size_t>(start)]);
      } else {
        const LayerSpec& prev = net_.layers[static_cast<size_t>(l.prev_sequence)];
        if (y.in_offset) {
          l.in_offset = *y.in_offset;
          if (l.in_sequences.empty() && l.in_offset != prev.out_offset && l.in_crop[0] == 0) {
            warn(ll, "`in_offset: " + hex(l.in_offset) + "` differs from the previous layer's `out_offset` " +
                         hex(prev.out_offset) + " and no `in_sequences` is given");
          }
        } else {
          l.in_offset = prev.out_offset;
        }
        if (l.streaming && !prev.streaming)
          fail(ll, "streaming",
               "a streaming layer cannot follow the non-streaming layer " + std::to_string(prev.index));
        if (l.chw_input) fail(ll, "data_format", "`data_format: CHW` can only be configured for the first layer");
        derive_input_dim(l, y, auto_dim);
        warn_unmoved_crop(l, prev);
      }
      derive_pooled_and_output(l);
    }
  }

  // The generator's known answer drops the `in_crop` rows, but the hardware
  // starts reading at `in_offset`: unless in_offset skips the cropped rows,
  // the board computes something else than the known answer says.
  void warn_unmoved_crop(const LayerSpec& l, const LayerSpec& prev) {
    if (l.in_crop[0] == 0 || !l.in_sequences.empty()) return;
    const int64_t row_bytes = int64_t{4} * prev.out_dim[1] * prev.out_passes * (prev.write_gap + 1);
    const auto skip = static_cast<uint32_t>(row_bytes * l.in_crop[0]);
    if (l.in_offset == prev.out_offset + skip) return;
    warn(l.index, "`in_crop` drops " + std::to_string(l.in_crop[0]) +
                      " leading row(s) in the known answer, but the hardware reads from `in_offset` " +
                      hex(l.in_offset) + "; set `in_offset: " + hex(prev.out_offset + skip) +
                      "` so the board computes the same");
  }

  void derive_input_dim(LayerSpec& l, const YamlLayer& y, std::vector<Pair>& auto_dim) {
    const int ll = l.index;
    int64_t pixels = 0;
    if (!l.in_sequences.empty()) {
      auto dim_of = [&](int s) { return s == -1 ? auto_dim[0] : net_.layers[static_cast<size_t>(s)].out_dim; };
      const Pair first = dim_of(l.in_sequences.front());
      for (int s : l.in_sequences) {
        if (s != -1 &&
            std::find(net_.hardware_order.begin(), net_.hardware_order.end(), s) == net_.hardware_order.end()) {
          fail(ll, "in_sequences", "layer " + std::to_string(s) + " is not executed before this layer");
        }
        const Pair d = dim_of(s);
        if (d != first && !y.in_dim)
          fail(
              ll, "in_sequences",
              "cannot concatenate outputs of different dimensions without `in_dim`: " + dims(first) + " vs " + dims(d));
        pixels += static_cast<int64_t>(d[0]) * d[1];
      }
      auto_dim[static_cast<size_t>(ll)] = first;
    } else {
      auto_dim[static_cast<size_t>(ll)] = net_.layers[static_cast<size_t>(l.prev_sequence)].out_dim;
    }
    if (!y.in_dim) {
      l.in_dim = auto_dim[static_cast<size_t>(ll)];
      const Op prev_op = net_.layers[static_cast<size_t>(l.in_sequences.empty() ? l.prev_sequence
                                                                                : std::max(0, l.in_sequences.front()))]
                             .op;
      if (l.in_dim[1] == 1 && (l.op == Op::Conv2d || l.op == Op::ConvTranspose2d) && prev_op == Op::Conv1d) {
        warn(ll, "1-dimensional data " + std::to_string(l.in_dim[0]) + "x1 feeds a " + to_string(l.op) +
                     " layer; use `in_dim` to reshape it");
      }
    } else {
      const Pair d = *y.in_dim;
      const int64_t count = static_cast<int64_t>(d[0] + l.in_crop[0] + l.in_crop[1]) * d[1];
      if (pixels > 0 && count != pixels) {
        fail(ll, "in_dim",
             "the configured `in_dim` (" + std::to_string(count) + " pixels) does not match the " +
                 std::to_string(pixels) + " pixels of the `in_sequences`");
      }
      l.in_dim = d;
    }
  }

  void derive_pooled_and_output(LayerSpec& l) {
    const int ll = l.index;
    const bool two_d = l.op != Op::Conv1d && (l.op != Op::Passthrough || l.in_dim[1] != 1);
    auto pooled = [&](int i) {
      return (l.in_dim[i] + l.pool_stride[i] - l.pool_size[i] - l.pool_dilation[i] + 1) / l.pool_stride[i];
    };
    if (two_d) {
      if (l.pool_stride[0] != l.pool_stride[1])
        fail(ll, "pool_stride", std::string(to_string(l.op)) + " does not support a non-square pooling stride");
      l.pooled_dim = {pooled(0), pooled(1)};
    } else {
      l.pool_size[1] = 1;
      l.pooled_dim = {pooled(0), 1};
    }
    if (l.pooled_dim[0] <= 0 || l.pooled_dim[1] <= 0) {
      fail(ll, l.pool != PoolKind::None ? (l.pool == PoolKind::Max ? "max_pool" : "avg_pool") : "in_dim",
           "pooling results in a zero data dimension (input " + dims(l.in_dim) + ")");
    }
    const Pair p = l.pooled_dim;
    auto conv_out = [&](int i) {
      return (p[i] - l.dilation[i] * (l.kernel[i] - 1) - 1 + 2 * l.pad[i]) / l.stride[i] + 1;
    };
    if (two_d) {
      if (l.stride[0] != l.stride[1]) fail(ll, "stride", "non-square stride is not supported");
      if (l.op != Op::ConvTranspose2d && l.stride[0] != 1)
        fail(ll, "stride", std::string(to_string(l.op)) + " does not support a stride other than 1");
      if (l.op == Op::ConvTranspose2d) {
        for (int i = 0; i < 2; ++i)
          l.out_dim[static_cast<size_t>(i)] =
              (p[i] - 1) * l.stride[i] - 2 * l.pad[i] + l.dilation[i] * (l.kernel[i] - 1) + l.output_pad + 1;
      } else {
        l.out_dim = {conv_out(0), conv_out(1)};
      }
      if (l.flatten) {
        const int64_t area = static_cast<int64_t>(p[0]) * p[1];
        if (area > dev_.max_flatten_pixels)
          fail(ll, "flatten", "`flatten` supports at most 256 input pixels, found " + dims(p));
        l.out_dim = {1, 1};
        l.in_channels = static_cast<int>(l.in_channels / area);
        if (l.in_channels <= 0) fail(ll, "in_channels", "fewer flattened input channels than pixels");
      }
    } else {
      if (l.stride[0] != 1)
        fail(ll, "stride", std::string(to_string(l.op)) + " does not support a stride other than 1");
      l.out_dim = {conv_out(0), 1};
    }
    if (l.pad[0] >= 3) fail(ll, "pad", std::string(to_string(l.op)) + " does not support `pad` >= 3");
    if (l.op == Op::Passthrough && (l.pad[0] > 0 || l.pad[1] > 0))
      fail(ll, "pad", "padding " + dims(l.pad) + " can only be used with a convolution");
    if (l.pad[0] >= l.kernel[0] || l.pad[1] >= l.kernel[1]) {
      fail(ll, "pad",
           "pad " + dims(l.pad) + " must be smaller than the kernel " + dims(l.kernel) +
               (l.kernel[0] == 1 ? " (1×1 and length-1 kernels need `pad: 0`)" : ""));
    }
    for (const Pair* d : {&l.in_dim, &l.out_dim}) {
      if ((*d)[0] > dev_.max_dim || (*d)[1] > dev_.max_dim) {
        fail(ll, "in_dim",
             std::string(d == &l.in_dim ? "input" : "output") + " dimension " + dims(*d) + " exceeds the " + dev_.name +
                 " maximum of " + std::to_string(dev_.max_dim));
      }
    }
    if (l.out_dim[0] <= 0 || l.out_dim[1] <= 0)
      fail(ll, "kernel_size", "output dimension " + dims(l.out_dim) + " is zero");
    if (l.activation != Activation::None && l.op == Op::Passthrough)
      fail(ll, "activate", "a passthrough layer cannot use an activation");
  }

  // The izer back end's checks of the hardware mapping (max7800x create_net).
  void check_hardware_limits() {
    const int max_proc = in_.options.max_proc.value_or(64);
    for (int ll : net_.hardware_order) {
      LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
      if (l.output_shift < -dev_.max_total_shift || l.output_shift > dev_.max_total_shift) {
        const int implicit = l.bypass ? 0 : 8 - std::abs(l.quantization);
        fail(ll, "output_shift",
             std::to_string(std::abs(l.quantization)) + "-bit weights support an output_shift range of [" +
                 std::to_string(-15 - implicit) + ", +" + std::to_string(15 - implicit) + "], found " +
                 std::to_string(l.output_shift - implicit));
      }
      if (l.quantization == -1 && !dev_.binary_weights)
        fail(ll, "quantization", "binary weights are not supported on " + dev_.name);
      if (l.bypass && !dev_.kernel_bypass) fail(ll, "bypass", "kernel bypass is not supported on " + dev_.name);
      if (l.chw_input) {
        uint64_t p = l.processors >> (std::countr_zero(l.processors) & ~3);
        while (p != 0) {
          if (std::popcount(p & 0xF) > 1)
            fail(ll, "processors",
                 "CHW input needs each channel in its own memory instance (one processor per group of 4)");
          p >>= 4;
        }
      }
      const Expansion out = expansion(l.out_channels, max_proc);
      const Expansion in = expansion(l.in_channels, max_proc);
      l.out_passes = out.passes;
      l.out_per_pass = out.per_pass;
      l.in_passes = in.passes;
      l.in_per_pass = in.per_pass;
      if (static_cast<int64_t>(l.in_dim[0]) * l.in_dim[1] * l.in_passes >= dev_.frame_size_max)
        fail(ll, "in_dim", "input frame (rows × columns × passes) is too large");
      const int64_t in_size =
          static_cast<int64_t>(l.in_dim[0]) * l.in_dim[1] * l.in_passes * l.operands * (l.chw_input ? 1 : 4);
      if (!l.streaming && in_size + l.in_offset > dev_.data_memory_bytes) {
        fail(ll, "in_offset",
             std::string(l.chw_input ? "1 channel" : "4 channels") + "/word " + std::to_string(l.in_dim[0]) + "x" +
                 std::to_string(l.in_dim[1]) + " input (size " + std::to_string(in_size) + ") with input offset " +
                 hex(l.in_offset) + " and expansion " + std::to_string(l.in_passes) +
                 "x exceeds the data memory instance size of " + std::to_string(dev_.data_memory_bytes));
      }
      if (l.op == Op::Conv1d && l.operands > 1)
        fail(ll, "operands", "element-wise operations cannot be combined with Conv1d");
      if (l.op == Op::Conv1d && l.pad[0] > 0 && l.in_passes > 1 && !dev_.multipass_eltwise_conv_bias) {
        fail(ll, "pad", dev_.name + " does not support padded Conv1d with more than 64 input channels");
      }
      if (!l.pool_first && l.operands > dev_.max_pool_last_operands && (l.pool_size[0] > 1 || l.pool_size[1] > 1)) {
        fail(ll, "pool_first",
             "pooling after the element-wise operation supports at most " +
                 std::to_string(dev_.max_pool_last_operands) + " operands");
      }
      if (l.dilation[0] > 1) {
        if (l.op != Op::Conv1d) fail(ll, "dilation", "`dilation` > 1 is supported for Conv1d only");
        if (l.kernel[0] == 1) fail(ll, "dilation", "the kernel length must be greater than 1 to use `dilation` > 1");
        if ((l.kernel[0] - 1) * l.dilation[0] >= 9) {
          if (l.kernel[0] > 3)
            fail(ll, "dilation",
                 "kernel length must be 3 or smaller to use `dilation` of " + std::to_string(l.dilation[0]));
          if (l.pool_size[0] != 1) fail(ll, "dilation", "pooling must be 1 to use a large `dilation`");
          if (l.pad[0] > 0) fail(ll, "dilation", "padding must be 0 to use a large `dilation`");
          if (l.dilation[0] > dev_.max_dim - 1) fail(ll, "dilation", "`dilation` is too large for " + dev_.name);
        }
      }
      const int64_t out_size =
          static_cast<int64_t>(l.out_dim[0]) * l.out_dim[1] * l.out_passes * 4 * l.output_width / 8;
      if ((!l.streaming || ll == net_.final_layer) && out_size + l.out_offset > dev_.data_memory_bytes) {
        fail(ll, "out_offset",
             "HWC (4 channels/word) " + std::to_string(l.output_width) + "-bit " + std::to_string(l.out_dim[0]) + "x" +
                 std::to_string(l.out_dim[1]) + " output (size " + std::to_string(out_size) + ") with output offset " +
                 hex(l.out_offset) + " and expansion " + std::to_string(l.out_passes) +
                 "x exceeds the data memory instance size of " + std::to_string(dev_.data_memory_bytes));
      }
      if (l.op == Op::Passthrough) {
        if (l.output_shift != 0) fail(ll, "output_shift", "`output_shift` must be zero for passthrough layers");
        if ((l.pool_size[0] > 1 || l.pool_size[1] > 1) && l.in_passes > dev_.max_pool_passes &&
            (l.pooled_dim[0] > 1 || l.pooled_dim[1] > 1)) {
          fail(ll, "max_pool",
               "pooling in a passthrough layer with " + std::to_string(l.in_passes) + " passes is not supported on " +
                   dev_.name);
        }
        if (l.flatten) fail(ll, "flatten", "`flatten` is not compatible with passthrough layers");
        if (l.output_width != 8) fail(ll, "output_width", "the passthrough operator requires an output width of 8");
      }
      if (l.op == Op::ConvTranspose2d) {
        const int hw_pad = l.dilation[0] * (l.kernel[0] - 1) - l.pad[0];
        if (hw_pad < 0 || hw_pad > 2)
          fail(ll, "pad", "the padding " + dims(l.pad) + " is not supported for ConvTranspose2d");
        if (l.output_pad != 1) fail(ll, "output_pad", "ConvTranspose2d supports only `output_pad: 1`");
      } else if (l.output_pad != 0) {
        fail(ll, "output_pad", "output padding must be 0 for " + std::string(to_string(l.op)));
      }
      if (l.in_channels % l.groups != 0 || l.out_channels % l.groups != 0)
        fail(ll, "groups", "`groups` does not divide the channel counts");
      if (l.flatten && (l.pool_size[0] > 1 || l.pool_size[1] > 1))
        fail(ll, "flatten", "`flatten` is not compatible with pooling");
      if (l.flatten && l.streaming) fail(ll, "flatten", "`flatten` is not compatible with streaming");
      if (l.groups > 1) {
        if (!dev_.depthwise) fail(ll, "groups", "convolution groups > 1 are not supported on " + dev_.name);
        if (l.groups != l.in_channels || l.groups != l.out_channels)
          fail(ll, "groups", "depthwise `groups` must equal the input and output channel counts");
        if (l.flatten) fail(ll, "groups", "convolution groups are not supported when flattening");
        if (l.bias_group) fail(ll, "bias_group", "`bias_group` is not supported for depthwise layers");
      }
      if (l.read_gap != 0 && !dev_.read_gap) fail(ll, "read_gap", "`read_gap` must be 0 on " + dev_.name);
      if (l.pool_dilation[0] > dev_.max_pool_dilation || l.pool_dilation[1] > dev_.max_pool_dilation) {
        fail(ll, "pool_dilation",
             "`pool_dilation` must be at most " + std::to_string(dev_.max_pool_dilation) + " on " + dev_.name);
      }
      if (l.in_channels > dev_.max_channels)
        fail(ll, "in_channels",
             std::to_string(l.in_channels) + " input channels exceed the maximum of " +
                 std::to_string(dev_.max_channels));
      if (l.out_channels > dev_.max_channels)
        fail(ll, "out_channels",
             std::to_string(l.out_channels) + " output channels exceed the maximum of " +
                 std::to_string(dev_.max_channels));
      check_processor_maps(l);
      check_map_shapes(l);
      if (!l.bias.empty() && static_cast<int>(l.bias.size()) != l.out_channels) {
        fail(ll, "bias",
             "the layer has " + std::to_string(l.out_channels) + " output channels but " +
                 std::to_string(l.bias.size()) + " bias values");
      }
      if (l.has_weights()) check_weight_shape(l);
    }
  }

  // The sample must feed the first layer: its channels × operands.
  void check_sample_channels() const {
    const LayerSpec& l = net_.layers[static_cast<size_t>(net_.start_layer)];
    if (!l.in_sequences.empty() || l.flatten) return;
    if (net_.input.c != l.in_channels * l.operands) {
      throw Error({.file = net_.sample_file, .layer = l.index, .layer_name = l.name, .key = "shape"},
                  "the sample has " + std::to_string(net_.input.c) + " channels, but layer " + std::to_string(l.index) +
                      " takes " + std::to_string(l.in_channels) + " channel(s)" +
                      (l.operands > 1 ? " × " + std::to_string(l.operands) + " operands" : std::string()));
    }
  }

  // The fast FIFO quad mode feeds all four quadrants: the first layer's map is
  // replicated into each of them.
  void replicate_fast_fifo_quad_map() {
    if (!in_.options.fast_fifo_quad) return;
    LayerSpec& l = net_.layers[static_cast<size_t>(net_.start_layer)];
    fast_fifo_quad_original_map_ = l.processors;
    const uint64_t p = l.processors;
    l.processors = p << 48 | p << 32 | p << 16 | p;
  }

  void check_processor_maps(const LayerSpec& l) {
    const int ll = l.index;
    uint64_t pmap = l.processors;
    if (ll == net_.start_layer && in_.options.fast_fifo_quad) pmap = fast_fifo_quad_original_map_;
    const int bits = std::popcount(pmap);
    if (bits != l.in_per_pass) {
      fail(ll, "processors",
           std::to_string(l.in_channels) + " input channel(s)" + (l.flatten ? " (before flattening)" : std::string()) +
               " using " + std::to_string(l.in_passes) + " pass(es) need " + std::to_string(l.in_per_pass) +
               " processors per pass, but the processor map " + hex(l.processors, 16) + " has " + std::to_string(bits) +
               " bits");
    }
    const int obits = std::popcount(l.output_processors);
    if (obits != l.out_per_pass) {
      // Say where the map came from: users rarely write output_processors.
      std::string origin;
      const YamlLayer& y = yaml_.layers[static_cast<size_t>(ll)];
      if (ll == net_.final_layer && yaml_.output_map)
        origin = " (from `output_map`)";
      else if (!y.output_processors && l.next_sequence >= 0)
        origin = " (the `processors` of layer " + std::to_string(l.next_sequence) + ", which reads this output)";
      fail(ll, "output_processors",
           std::to_string(l.out_channels) + " output channel(s) using " + std::to_string(l.out_passes) +
               " pass(es) need " + std::to_string(l.out_per_pass) +
               " processors per pass, but the output processor map " + hex(l.output_processors, 16) + origin + " has " +
               std::to_string(obits) + " bits");
    }
  }

  // Map shapes the hardware needs beyond the processor counts (hw-facts §1).
  void check_map_shapes(const LayerSpec& l) {
    const int ll = l.index;
    if (l.op == Op::Passthrough) {
      // Each quadrant's outputs are its inputs packed from its first output processor.
      for (int g = 0; g < 4; ++g) {
        const auto in = static_cast<uint32_t>((l.processors >> (16 * g)) & 0xFFFF);
        auto out = static_cast<uint32_t>((l.output_processors >> (16 * g)) & 0xFFFF);
        if (out != 0) out >>= std::countr_zero(out);
        const uint32_t packed = (1U << std::popcount(in)) - 1;
        if (out != packed) {
          fail(ll, "output_processors",
               "a pass-through layer's output processors must be its input processors packed, quadrant by "
               "quadrant; input " +
                   hex(l.processors, 16) + ", output " + hex(l.output_processors, 16));
        }
      }
    }
    if (l.groups > 1) {
      if (std::countr_zero(l.output_processors) % 4 != 0) {
        fail(
            ll, "output_processors",
            "a depthwise layer's output processors must start at a multiple of 4, not " + hex(l.output_processors, 16));
      }
      const int first = std::countr_zero(l.processors);
      if (first % 4 != 0 && (l.processors >> first) >> 16 != 0) {
        fail(ll, "processors",
             "a depthwise layer whose processors span quadrants must start at a multiple of 4, not " +
                 hex(l.processors, 16));
      }
    }
    if (dev_.eltwise_multipass_emulated && l.operands > 1 && l.in_passes > 1 &&
        l.operands * l.in_passes != l.operands + l.in_passes) {
      const bool pools = l.pool_size[0] > 1 || l.pool_size[1] > 1 || l.pool_stride[0] > 1 || l.pool_stride[1] > 1;
      if (l.op != Op::Passthrough || pools) {
        fail(ll, l.op != Op::Passthrough ? "operation" : "max_pool",
             "on " + dev_.name + " an element-wise operation of " + std::to_string(l.operands) + " operands over " +
                 std::to_string(l.in_passes) +
                 " passes runs as a pass-through by rows and cannot pool or convolve (only 2 operands over 2 "
                 "passes can)");
      }
    }
  }

  void check_weight_shape(const LayerSpec& l) {
    const auto& s = l.weight_shape;
    // The generator's weight layout: (out, in/groups, kh, kw); for ConvTranspose2d
    // (after its flip and axis swap) (out/groups, in, kh, kw).
    const int64_t per_group = l.in_channels / (l.op == Op::ConvTranspose2d ? 1 : std::max(1, l.groups)) *
                              (l.flatten ? static_cast<int64_t>(l.pooled_dim[0]) * l.pooled_dim[1] : 1);
    if (s[0] != l.out_channels / (l.op == Op::ConvTranspose2d ? l.groups : 1)) {
      fail(
          l.index, "out_channels",
          "the weights have " + std::to_string(s[0]) + " output channels, the layer " + std::to_string(l.out_channels));
    }
    if (s[1] != per_group) {
      fail(l.index, "in_channels",
           "the weights expect " + std::to_string(s[1]) + " input channels per group, the layer receives " +
               std::to_string(per_group) + (l.flatten ? " (after flattening)" : ""));
    }
    if (s[2] != l.kernel[0] || s[3] != l.kernel[1]) {
      fail(l.index, "kernel_size",
           "the weights are " + std::to_string(s[2]) + "x" + std::to_string(s[3]) +
               " kernels, the layer's `kernel_size` is " + std::to_string(l.kernel[0]) + "x" +
               std::to_string(l.kernel[1]));
    }
  }

  const BuildInputs& in_;
  const Device& dev_;
  NetworkYaml yaml_;
  std::vector<LayerWeights> weights_;
  uint64_t fast_fifo_quad_original_map_ = 0;
  Network net_;
};

}  // namespace

Network build_network(const BuildInputs& in) {
  if (in.device == nullptr) throw Error("no device selected");
  return Builder(in).run();
}

}  // namespace ai8x::spec
