#include "spec/weights.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>

#include "core/error.hpp"
#include "io/checkpoint.hpp"
#include "io/npy.hpp"

namespace ai8x::spec {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool has_weights_slot(const YamlLayer& l) {
  return l.op != Op::Passthrough && !l.bypass && !l.weight_source;
}

bool bias_disabled(const IzerOptions& opt, int layer) {
  return opt.no_bias_all ||
         std::find(opt.no_bias_layers.begin(), opt.no_bias_layers.end(), layer) != opt.no_bias_layers.end();
}

// Python's int.bit_length() - 1 (the izer's fls), -1 for 0.
int fls(int64_t x) {
  return x == 0 ? -1 : 63 - std::countl_zero(static_cast<uint64_t>(x));
}

// Fills in (out, in/groups, kH, kW) from an array of 2 to 4 dimensions.
void set_kernel(LayerWeights& lw, const std::vector<int64_t>& shape, std::vector<int64_t> values) {
  lw.shape = {static_cast<int>(shape[0]), static_cast<int>(shape[1]), shape.size() > 2 ? static_cast<int>(shape[2]) : 1,
              shape.size() > 3 ? static_cast<int>(shape[3]) : 1};
  lw.weights = std::move(values);
  lw.present = true;
}

// ConvTranspose2d checkpoints hold (in, out/groups, kH, kW); the izer flips both
// spatial axes and swaps the first two, giving a plain correlation kernel.
std::vector<int64_t> flip_transpose(const std::vector<int64_t>& w, std::vector<int64_t>& shape) {
  const int64_t a = shape[0], b = shape[1], kh = shape[2], kw = shape[3];
  std::vector<int64_t> out(w.size());
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          out[((j * a + i) * kh + y) * kw + x] = w[((i * b + j) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)];
  std::swap(shape[0], shape[1]);
  return out;
}

// The izer lists weight entries for the weight-bearing layers only, then
// inserts empty entries for passthrough/bypass layers and copies for
// `weight_source` layers. Reproduce that list surgery so the n-th entry lands
// where the izer puts it (bias entries are not inserted for bypass layers).
std::vector<LayerWeights> align_to_layers(std::vector<LayerWeights> entries, std::vector<std::vector<int64_t>> biases,
                                          const NetworkYaml& yaml, const std::string& file) {
  const size_t n_layers = yaml.layers.size();
  size_t count = entries.size();
  if (n_layers > count) {
    for (size_t ll = 0; ll < n_layers; ++ll) {
      const YamlLayer& l = yaml.layers[ll];
      if (l.op == Op::Passthrough || l.bypass) {
        entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(std::min(ll, entries.size())), LayerWeights{});
        if (!l.bypass)
          biases.insert(biases.begin() + static_cast<std::ptrdiff_t>(std::min(ll, biases.size())),
                        std::vector<int64_t>{});
        ++count;
      } else if (l.weight_source) {
        const auto src = static_cast<size_t>(*l.weight_source);
        if (src >= entries.size()) {
          throw Error({.file = yaml.file, .layer = l.sequence, .key = "weight_source"},
                      "source layer " + std::to_string(src) + " has no weights");
        }
        LayerWeights copy = entries[src];
        entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(std::min(ll, entries.size())), copy);
        const std::vector<int64_t> b = src < biases.size() ? biases[src] : std::vector<int64_t>{};
        biases.insert(biases.begin() + static_cast<std::ptrdiff_t>(std::min(ll, biases.size())), b);
        ++count;
      }
    }
  }
  if (count != n_layers) {
    throw Error({.file = yaml.file, .key = "layers"}, "the network description has " + std::to_string(n_layers) +
                                                          " layers, but " + file + " provides weights for " +
                                                          std::to_string(count) +
                                                          " (passthrough, element-wise and bypass layers need none)");
  }
  entries.resize(n_layers);
  for (size_t ll = 0; ll < n_layers; ++ll) entries[ll].bias = ll < biases.size() ? biases[ll] : std::vector<int64_t>{};
  return entries;
}

void check_range(const LayerWeights& lw, int q, const std::string& file, const YamlLayer& l) {
  if (lw.weights.empty()) return;
  const auto [mn, mx] = std::minmax_element(lw.weights.begin(), lw.weights.end());
  if (q == -1) {
    for (int64_t v : lw.weights) {
      if (v != 1 && v != -1) {
        throw Error({.file = file, .layer = l.sequence, .key = lw.source_key},
                    "binary quantization needs every weight to be -1 or +1, found " + std::to_string(v));
      }
    }
    return;
  }
  const int64_t lo = -(int64_t{1} << (q - 1));
  const int64_t hi = (int64_t{1} << (q - 1)) - 1;
  if (*mn < lo || *mx > hi) {
    throw Error({.file = file, .layer = l.sequence, .key = lw.source_key},
                "weights range from " + std::to_string(*mn) + " to " + std::to_string(*mx) + ", outside the " +
                    std::to_string(q) + "-bit range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "] (`quantization`)");
  }
}

}  // namespace

std::vector<LayerWeights> load_checkpoint_weights(const std::string& path, const NetworkYaml& yaml, const Device& dev,
                                                  const IzerOptions& opt) {
  const io::Checkpoint ckpt = io::read_checkpoint(path);
  if (ckpt.arch && lower(*ckpt.arch) != lower(yaml.arch)) {
    throw Error({.file = path, .key = "arch"}, "network architecture of the checkpoint (" + *ckpt.arch +
                                                   ") does not match `arch: " + yaml.arch + "` in " + yaml.file);
  }
  if (!ckpt.epoch)
    throw Error({.file = path, .key = "epoch"}, "no `epoch` in the checkpoint (is this a training checkpoint?)");

  const size_t n_layers = yaml.layers.size();
  std::vector<LayerWeights> entries;
  std::vector<std::vector<int64_t>> biases;
  std::vector<std::string> kernel_errors;
  int first_kernel_error_layer = -1;
  size_t seq = 0;
  int skip = opt.skip_checkpoint_layers;
  for (const auto& t : ckpt.state_dict) {
    while (seq < n_layers && !has_weights_slot(yaml.layers[seq])) ++seq;
    const size_t last = t.key.rfind('.');
    if (last == std::string::npos) continue;
    const std::string parameter = t.key.substr(last + 1);
    const size_t mid = last == 0 ? std::string::npos : t.key.rfind('.', last - 1);
    const std::string layer = mid == std::string::npos ? t.key.substr(0, last) : t.key.substr(0, mid);
    const std::string op = mid == std::string::npos ? std::string() : t.key.substr(mid + 1, last - mid - 1);
    if (parameter != "weight") continue;
    if (entries.size() >= n_layers || seq >= n_layers) continue;
    if (skip > 0) {
      --skip;
      continue;
    }
    const YamlLayer& l = yaml.layers[seq];
    std::vector<int64_t> shape = t.shape;
    if (shape.size() == 1) {
      if (op == "bn" && opt.ignore_bn) continue;
      throw Error(
          {.file = path, .layer = l.sequence, .key = t.key},
          op == "bn"
              ? "1-dimensional BatchNorm weights: fold the BatchNorm layers before synthesis (or pass --ignore-bn)"
              : "1-dimensional weights cannot be mapped to a layer");
    }
    if (shape.size() < 2 || shape.size() > 4)
      throw Error({.file = path, .layer = l.sequence, .key = t.key}, "weights must have 2 to 4 dimensions");
    std::vector<int64_t> w(t.values.size());
    for (size_t i = 0; i < w.size(); ++i) {
      if (!std::isfinite(t.values[i]) || std::fabs(t.values[i]) > 1e9)
        throw Error({.file = path, .layer = l.sequence, .key = t.key}, "weight value is not a finite integer");
      w[i] = static_cast<int64_t>(t.values[i]);  // truncation, as astype(int64)
    }
    LayerWeights lw;
    lw.source_key = t.key;
    int wb = 8;
    if (const io::CheckpointTensor* bits = ckpt.find(layer + ".weight_bits");
        bits != nullptr && !bits->values.empty()) {
      wb = static_cast<int>(bits->values[0]);
    }
    // Quantization: YAML, else binary when every |w| == 1 (MAX78002), else weight_bits.
    int q = 0;
    if (l.quantization) {
      q = *l.quantization;
    } else {
      const bool all_unit = std::all_of(w.begin(), w.end(), [](int64_t v) { return v == 1 || v == -1; });
      const bool all_zero = std::all_of(w.begin(), w.end(), [](int64_t v) { return v == 0; });
      if (dev.binary_weights && all_unit)
        q = -1;
      else if (all_zero)
        q = 1;
      else
        q = wb;
      if (q > 8 || q < -1)
        throw Error({.file = path, .layer = l.sequence, .key = layer + ".weight_bits"},
                    "weight_bits " + std::to_string(q) + " is not supported (at most 8)");
      if (q == 0) q = 8;
    }
    lw.weights = w;
    check_range(lw, q, path, l);
    lw.quantization = q;

    if (l.op == Op::ConvTranspose2d && shape.size() == 4) w = flip_transpose(w, shape);
    lw.in_channels = static_cast<int>(shape[1]) * (l.op != Op::ConvTranspose2d ? l.groups : 1);
    lw.out_channels = static_cast<int>(shape[0]) * (l.op == Op::ConvTranspose2d ? l.groups : 1);
    auto kernel_error = [&](const char* kind, int kh, int kw) {
      if (kernel_errors.empty()) first_kernel_error_layer = l.sequence;
      kernel_errors.push_back("layer " + std::to_string(l.sequence) + ": the " + kind + " layer `" + t.key +
                              "` needs `kernel_size` " + std::to_string(kh) + "x" + std::to_string(kw) +
                              " instead of " + std::to_string(l.kernel[0]) + "x" + std::to_string(l.kernel[1]));
    };
    if (shape.size() == 2 && (l.kernel[0] != 1 || l.kernel[1] != 1)) kernel_error("MLP", 1, 1);
    if (shape.size() == 3 && (l.kernel[0] != shape[2] || l.kernel[1] != 1))
      kernel_error("1D", static_cast<int>(shape[2]), 1);
    if (shape.size() == 4 && (l.kernel[0] != shape[2] || l.kernel[1] != shape[3]))
      kernel_error("2D", static_cast<int>(shape[2]), static_cast<int>(shape[3]));
    set_kernel(lw, shape, std::move(w));

    std::vector<int64_t> bias;
    const std::string bias_key = op.empty() ? layer + ".bias" : layer + "." + op + ".bias";
    if (const io::CheckpointTensor* b = ckpt.find(bias_key); b != nullptr && !bias_disabled(opt, l.sequence)) {
      const int bw = wb == 0 ? 8 : wb;
      const double div = std::ldexp(1.0, bw - 1);
      for (double v : b->values) {
        const double f = std::floor(v / div);
        if (!std::isfinite(f) || f < -128 || f > 127) {
          throw Error({.file = path, .layer = l.sequence, .key = bias_key},
                      "bias value " + std::to_string(v) + " does not fit 8 bits after division by " +
                          std::to_string(static_cast<int>(div)));
        }
        bias.push_back(static_cast<int64_t>(f));
      }
    }
    int shift = 0;
    if (l.output_shift) {
      shift = *l.output_shift;
    } else if (const io::CheckpointTensor* s = ckpt.find(layer + ".output_shift")) {
      if (s->values.size() != 1)
        throw Error({.file = path, .layer = l.sequence, .key = layer + ".output_shift"}, "expected exactly one value");
      shift = static_cast<int>(s->values[0]);
    }
    lw.output_shift = shift + 8 - std::abs(q);
    entries.push_back(std::move(lw));
    biases.push_back(std::move(bias));
    ++seq;
  }
  if (!kernel_errors.empty()) {
    std::string all;
    for (const auto& e : kernel_errors) all += (all.empty() ? "" : "; ") + e;
    throw Error({.file = yaml.file, .layer = first_kernel_error_layer, .key = "kernel_size"},
                "does not match the checkpoint " + path + ": " + all);
  }
  return align_to_layers(std::move(entries), std::move(biases), yaml, path);
}

std::vector<LayerWeights> load_sample_weights(const std::string& weights_path,
                                              const std::optional<std::string>& bias_path, const NetworkYaml& yaml,
                                              const IzerOptions& opt) {
  std::vector<io::NpyArray> arrays = io::read_npy_sequence(weights_path);
  // One array in the file: its first axis is the layer index.
  if (arrays.size() == 1) {
    const io::NpyArray whole = arrays[0];
    arrays.clear();
    if (whole.shape.size() < 3)
      throw Error({.file = weights_path},
                  "a single weight array must be indexed by layer first (at least 3 dimensions)");
    const std::vector<int64_t> sub_shape(whole.shape.begin() + 1, whole.shape.end());
    const size_t sub = whole.numel() / static_cast<size_t>(std::max<int64_t>(1, whole.shape[0]));
    for (int64_t i = 0; i < whole.shape[0]; ++i) {
      io::NpyArray a;
      a.shape = sub_shape;
      a.data.assign(whole.data.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(i) * sub),
                    whole.data.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(i + 1) * sub));
      arrays.push_back(std::move(a));
    }
  }
  const size_t n_layers = yaml.layers.size();
  std::vector<LayerWeights> entries;
  size_t ll = 0;
  size_t seq = 0;
  auto bypass_at = [&](size_t i) { return i < n_layers && yaml.layers[i].bypass; };
  while (seq < n_layers) {
    // The izer tests `bypass` at the weight index, not the layer index.
    while (seq < n_layers && (yaml.layers[seq].op == Op::Passthrough || bypass_at(ll))) ++seq;
    if (seq >= n_layers) break;
    const YamlLayer& l = yaml.layers[seq];
    const std::string key = "weights[" + std::to_string(ll) + "]";
    if (ll >= arrays.size()) {
      throw Error({.file = weights_path, .layer = l.sequence, .key = key},
                  "the file holds " + std::to_string(arrays.size()) + " weight arrays, but layer " +
                      std::to_string(l.sequence) + " needs one more");
    }
    io::NpyArray& a = arrays[ll];
    if (a.shape.size() < 2 || a.shape.size() > 4 || a.data.empty())
      throw Error({.file = weights_path, .layer = l.sequence, .key = key}, "a layer's weights need 2 to 4 dimensions");
    const int q = l.quantization.value_or(8);
    int64_t mx = *std::max_element(a.data.begin(), a.data.end());
    int64_t mn = *std::min_element(a.data.begin(), a.data.end());
    if (mx < 0) ++mx;
    if (mn < 0) ++mn;
    const int current = std::max(fls(std::llabs(mn)), fls(std::llabs(mx))) + 2;
    if (current > 8)
      throw Error({.file = weights_path, .layer = l.sequence, .key = key}, "sample weights exceed 8 bits");
    if (q == -1) {
      for (auto& v : a.data) v = v >= 0 ? 1 : -1;
    } else if (current > std::abs(q)) {
      for (auto& v : a.data) v >>= (current - std::abs(q));  // floor, like numpy's >>=
    }
    LayerWeights lw;
    lw.source_key = key;
    lw.quantization = q;
    lw.output_shift = l.output_shift.value_or(0) + 8 - std::abs(q);
    lw.out_channels = static_cast<int>(a.shape[0]) * (l.op == Op::ConvTranspose2d ? l.groups : 1);
    lw.in_channels = static_cast<int>(a.shape[1]) * (l.op != Op::ConvTranspose2d ? l.groups : 1);
    set_kernel(lw, a.shape, a.data);
    check_range(lw, q, weights_path, l);
    entries.push_back(std::move(lw));
    ++ll;
    ++seq;
  }
  // Bias: one array per non-passthrough, non-bypass layer, in layer order.
  std::vector<std::vector<int64_t>> biases(n_layers);
  if (bias_path) {
    const std::vector<io::NpyArray> b = io::read_npy_sequence(*bias_path);
    size_t next = 0;
    size_t slot = 0;
    for (size_t i = 0; i < n_layers && next < b.size(); ++i) {
      const YamlLayer& l = yaml.layers[i];
      if (l.op == Op::Passthrough || l.bypass) continue;
      if (!bias_disabled(opt, static_cast<int>(i))) biases[slot] = b[next].data;
      ++next;
      ++slot;
    }
  }
  return align_to_layers(std::move(entries), std::move(biases), yaml, weights_path);
}

}  // namespace ai8x::spec
