#include "core/conv.hpp"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/conv_kernels.hpp"
#include "core/error.hpp"
#include "core/quantize.hpp"

namespace ai8x::core {

namespace {

using kernels::DataKind;

// Operand limits of every path. Within them the int64 path cannot overflow
// (2^32 · 2^15 · 2^15 = 2^62).
constexpr int64_t kMaxData = int64_t{1} << 32;
constexpr int64_t kMaxWeight = int64_t{1} << 15;
constexpr int64_t kMaxTerms = int64_t{1} << 15;
constexpr int64_t kMaxBias = int64_t{1} << 40;

// ---------------------------------------------------------------- kernel selection

std::atomic<KernelIsa> g_isa{KernelIsa::Auto};
thread_local ConvPath t_last_path = ConvPath::Int64;

bool avx2_available() {
#if defined(AI8X_HAVE_AVX2_KERNELS)
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return available;
#else
  return false;
#endif
}

// Auto: the best the CPU has, unless AI8X_KERNELS=portable asks for plain C++
// (to run whole networks both ways).
KernelIsa resolve(KernelIsa isa) {
  if (isa != KernelIsa::Auto) return isa;
  static const KernelIsa automatic = [] {
    const char* env = std::getenv("AI8X_KERNELS");
    if (env != nullptr && std::string_view(env) == "portable") return KernelIsa::Portable;
    return avx2_available() ? KernelIsa::Avx2 : KernelIsa::Portable;
  }();
  return automatic;
}

void run_job(const kernels::Job& job) {
#if defined(AI8X_HAVE_AVX2_KERNELS)
  if (resolve(g_isa.load(std::memory_order_relaxed)) == KernelIsa::Avx2) {
    kernels::run_avx2(job);
    return;
  }
#endif
  kernels::run_portable(job);
}

struct Range : ValueRange {
  explicit Range(ValueRange r) : ValueRange(r) {}
  [[nodiscard]] int64_t magnitude() const {
    return std::max(hi, lo == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -lo);
  }
};

Range range_of(std::span<const int64_t> v) {
  return Range(value_range(v));
}

// ---------------------------------------------------------------- geometry

struct Geometry {
  int in_per_group = 0;  // input channels per group
  int out_per_group = 0;
  int padded_h = 0, padded_w = 0;
  int out_h = 0, out_w = 0;
};

// The input of a convolution: an int64 tensor or an 8-bit HWC image.
struct Input {
  const Tensor* tensor = nullptr;
  const Image8* image = nullptr;
  int c = 0, h = 0, w = 0;

  explicit Input(const Tensor& t) : tensor(&t), c(t.c), h(t.h), w(t.w) {}
  explicit Input(const Image8& i) : image(&i), c(i.c), h(i.h), w(i.w) {}
};

Geometry check_conv(const Input& in, const ConvParams& p, std::span<const int64_t> weights,
                    std::span<const int64_t> bias) {
  if (p.in_channels <= 0 || p.out_channels <= 0 || p.groups <= 0 || p.in_channels % p.groups != 0 ||
      p.out_channels % p.groups != 0) {
    throw Error("invalid channel counts (in " + std::to_string(p.in_channels) + ", out " +
                std::to_string(p.out_channels) + ", groups " + std::to_string(p.groups) + ")");
  }
  if (in.c != p.in_channels) {
    throw Error("convolution expects " + std::to_string(p.in_channels) + " input channels, the data has " +
                std::to_string(in.c));
  }
  for (int d = 0; d < 2; ++d) {
    if (p.kernel[d] < 1 || p.stride[d] < 1 || p.dilation[d] < 1 || p.pad[d] < 0 || p.pad_after[d] < 0) {
      throw Error("invalid kernel, stride, dilation or padding");
    }
  }
  Geometry g;
  g.in_per_group = p.in_channels / p.groups;
  g.out_per_group = p.out_channels / p.groups;
  const size_t expected = static_cast<size_t>(p.out_channels) * g.in_per_group * p.kernel[0] * p.kernel[1];
  if (weights.size() != expected) {
    throw Error("expected " + std::to_string(expected) + " weights, got " + std::to_string(weights.size()));
  }
  if (!bias.empty() && bias.size() != static_cast<size_t>(p.out_channels)) {
    throw Error("expected " + std::to_string(p.out_channels) + " bias values, got " + std::to_string(bias.size()));
  }
  g.padded_h = in.h + 2 * p.pad[0] + p.pad_after[0];
  g.padded_w = in.w + 2 * p.pad[1] + p.pad_after[1];
  const Dims out = conv_out_dims({in.h, in.w}, p);
  if (out[0] <= 0 || out[1] <= 0) throw Error("the kernel is larger than the padded input");
  g.out_h = out[0];
  g.out_w = out[1];
  return g;
}

void check_output(const ConvOptions& o) {
  if (o.width != 0 && o.width != 8 && o.width != 32) {
    throw Error("output width must be 8 or 32, not " + std::to_string(o.width));
  }
  if (o.width == 8 && (o.shift < -kMaxShift || o.shift > kMaxShift)) {
    throw Error("output shift " + std::to_string(o.shift) + " is outside [-15, 15]");
  }
}

// ---------------------------------------------------------------- exact int64 path

// Correlation without bias into `out`, for operands the narrow kernels cannot
// take (e.g. a 32-bit layer output as input). Data are copied into a
// zero-padded HWC buffer and the weights into [o][ky][kx][ci] order, so each
// kernel tap is one contiguous inner product.
void correlate_wide(const Tensor& in, const ConvParams& p, const Geometry& g, std::span<const int64_t> weights,
                    Tensor& out) {
  const int ch = in.c;
  const int kh = p.kernel[0];
  const int kw = p.kernel[1];
  std::vector<int64_t> data(static_cast<size_t>(g.padded_h) * g.padded_w * ch, 0);
  for (int c = 0; c < ch; ++c) {
    for (int y = 0; y < in.h; ++y) {
      for (int x = 0; x < in.w; ++x) {
        const size_t pixel = static_cast<size_t>(y + p.pad[0]) * g.padded_w + (x + p.pad[1]);
        data[pixel * ch + c] = in.at(c, y, x);
      }
    }
  }
  const int cpg = g.in_per_group;
  std::vector<int64_t> kern(weights.size());
  for (int o = 0; o < p.out_channels; ++o) {
    for (int ci = 0; ci < cpg; ++ci) {
      for (int ky = 0; ky < kh; ++ky) {
        for (int kx = 0; kx < kw; ++kx) {
          const size_t src = ((static_cast<size_t>(o) * cpg + ci) * kh + ky) * kw + kx;
          const size_t dst = ((static_cast<size_t>(o) * kh + ky) * kw + kx) * cpg + ci;
          kern[dst] = weights[src];
        }
      }
    }
  }
  for (int o = 0; o < p.out_channels; ++o) {
    const size_t first_channel = static_cast<size_t>(o / g.out_per_group) * cpg;
    for (int oy = 0; oy < g.out_h; ++oy) {
      for (int ox = 0; ox < g.out_w; ++ox) {
        int64_t sum = 0;
        const int64_t* w = kern.data() + static_cast<size_t>(o) * kh * kw * cpg;
        for (int ky = 0; ky < kh; ++ky) {
          const size_t row = static_cast<size_t>(oy) * p.stride[0] + static_cast<size_t>(ky) * p.dilation[0];
          for (int kx = 0; kx < kw; ++kx) {
            const size_t col = static_cast<size_t>(ox) * p.stride[1] + static_cast<size_t>(kx) * p.dilation[1];
            const int64_t* x = data.data() + (row * g.padded_w + col) * ch + first_channel;
            for (int ci = 0; ci < cpg; ++ci) sum += x[ci] * w[ci];
            w += cpg;
          }
        }
        out.at(o, oy, ox) = sum;
      }
    }
  }
}

void wide_conv(const Tensor& in, const ConvParams& p, const Geometry& g, std::span<const int64_t> weights,
               std::span<const int64_t> bias, const ConvOptions& options, Tensor& out) {
  correlate_wide(in, p, g, weights, out);
  const size_t plane = static_cast<size_t>(g.out_h) * g.out_w;
  for (int o = 0; o < p.out_channels; ++o) {
    const int64_t b = bias.empty() ? 0 : bias[static_cast<size_t>(o)] * kBiasScale;
    int64_t* v = out.v.data() + static_cast<size_t>(o) * plane;
    for (size_t i = 0; i < plane; ++i) {
      const int64_t acc = v[i] + b;
      switch (options.width) {
        case 8: v[i] = output8(acc, options.shift, options.act); break;
        case 32: v[i] = output32(activate(acc, options.act)); break;
        default: v[i] = acc; break;
      }
    }
  }
}

// ---------------------------------------------------------------- narrow path

// The kernel runs on uint8 or int16 operands with int32 sums; this picks the
// type and proves the sums exact, or returns nothing (int64 path).
std::optional<DataKind> narrow_kind(Range x, Range w, int64_t bias_magnitude, int64_t terms) {
  const int64_t xm = x.magnitude();
  const int64_t wm = w.magnitude();
  // |Σ x·w + 128·bias| ≤ 2^30 leaves room for the output stage's rounding
  // constant (≤ 2^21) in int32. All factors were checked against kMaxData,
  // kMaxWeight, kMaxTerms and kMaxBias, so the product cannot overflow int64.
  if (terms * xm * wm + kBiasScale * bias_magnitude > (int64_t{1} << 30)) return std::nullopt;
  // vpmaddubsw adds two uint8 × int8 products in saturating int16.
  if (x.lo >= 0 && x.hi <= 255 && w.lo >= -128 && w.hi <= 127 && 2 * x.hi * wm <= 32767) return DataKind::U8;
  if (xm <= 32767 && wm <= 32767) return DataKind::S16;
  return std::nullopt;
}

// Buffers reused from call to call (per thread), so running a network does
// not allocate per layer once the largest layer has been seen.
struct Scratch {
  std::vector<uint8_t> data8;
  std::vector<int16_t> data16;
  std::vector<int32_t> bias, pixel_offset, group_offset, tile_begin, tile_end, weight_slot;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Buffers of very large layers are not kept for the next call.
template <typename T>
void release_if_large(std::vector<T>& v) {
  constexpr size_t kKeepBytes = size_t{16} << 20;
  if (v.capacity() * sizeof(T) > kKeepBytes) std::vector<T>().swap(v);
}

void trim(Scratch& s) {
  release_if_large(s.data8);
  release_if_large(s.data16);
  release_if_large(s.pixel_offset);
}

// How each output pixel's window is cut into K-groups of G elements. Without
// groups and column dilation, a kernel row reads kw·C consecutive values, so
// each row is one run; otherwise every tap is a run of in_per_group values.
// Runs are padded to whole groups with zero weights.
struct WindowLayout {
  int g = 4;             // elements per K-group
  bool row_runs = true;  // one run per kernel row (else one per tap)
  int tap_groups = 0;    // K-groups per tap (tap runs)
  int row_groups = 0;    // K-groups per kernel row
  int groups = 0;        // K-groups per window
};

WindowLayout window_layout(const ConvParams& p, const Geometry& geo, int g) {
  WindowLayout l;
  l.g = g;
  l.row_runs = p.groups == 1 && p.dilation[1] == 1;
  const int kw = p.kernel[1];
  if (l.row_runs) {
    l.row_groups = (kw * geo.in_per_group + g - 1) / g;
  } else {
    l.tap_groups = (geo.in_per_group + g - 1) / g;
    l.row_groups = kw * l.tap_groups;
  }
  l.groups = p.kernel[0] * l.row_groups;
  return l;
}

// ---------------------------------------------------------------- packed weights

// What decides the packed layout of a set of weights.
struct PackKey {
  DataKind kind = DataKind::U8;
  int groups = 0, in_per_group = 0, out_per_group = 0, kh = 0, kw = 0;
  bool row_runs = true;
  bool operator==(const PackKey&) const = default;
};

PackKey pack_key(const ConvParams& p, const Geometry& geo, const WindowLayout& l, DataKind kind) {
  return {kind, p.groups, geo.in_per_group, geo.out_per_group, p.kernel[0], p.kernel[1], l.row_runs};
}

// Weights as [conv group][block][K-group][kBlockOc][G]: every weight goes to
// the slot of its source position (the same for all output channels) in its
// channel's lane.
template <typename T>
void pack_weights(const int16_t* src, const PackKey& k, const WindowLayout& l, std::vector<int32_t>& slot,
                  std::vector<T>& out) {
  constexpr int kOc = kernels::kBlockOc;
  const int g = l.g;
  const int taps = k.kh * k.kw;
  const size_t per_output = static_cast<size_t>(k.in_per_group) * taps;
  slot.resize(per_output);
  for (int ci = 0; ci < k.in_per_group; ++ci) {
    for (int ky = 0; ky < k.kh; ++ky) {
      for (int kx = 0; kx < k.kw; ++kx) {
        const int pos = l.row_runs ? kx * k.in_per_group + ci : kx * l.tap_groups * g + ci;
        slot[(static_cast<size_t>(ci) * k.kh + ky) * k.kw + kx] = (ky * l.row_groups + pos / g) * kOc * g + pos % g;
      }
    }
  }
  const int blocks = (k.out_per_group + kOc - 1) / kOc;
  const size_t block_size = static_cast<size_t>(l.groups) * kOc * g;
  out.assign(static_cast<size_t>(k.groups) * blocks * block_size, T{0});
  for (int o = 0; o < k.groups * k.out_per_group; ++o) {
    const int group = o / k.out_per_group;
    const int local = o % k.out_per_group;
    T* lane = out.data() + (static_cast<size_t>(group) * blocks + local / kOc) * block_size + (local % kOc) * g;
    const int16_t* w = src + static_cast<size_t>(o) * per_output;
    for (size_t i = 0; i < per_output; ++i) lane[slot[i]] = static_cast<T>(w[i]);
  }
}

bool same_weights(std::span<const int64_t> a, const std::vector<int16_t>& b) {
#if defined(AI8X_HAVE_AVX2_KERNELS)
  if (resolve(g_isa.load(std::memory_order_relaxed)) == KernelIsa::Avx2) {
    return kernels::equal_avx2(a.data(), b.data(), a.size());
  }
#endif
  int64_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

// Packed weights of recent convolutions, so a network that runs again (many
// samples, benchmarks) does not re-pack them. An entry is found by the
// weights' address and used only if the contents still equal its copy, so a
// reused address with other weights is re-packed, never mistaken.
class WeightCache {
 public:
  struct Packed {
    PackKey key;
    std::vector<int8_t> w8;
    std::vector<int16_t> w16;
  };
  struct Entry {
    const int64_t* source = nullptr;
    size_t count = 0;
    std::vector<int16_t> copy;  // the weights in source order
    ValueRange range;
    bool has_zero = false;
    std::vector<Packed> packed;
    size_t bytes = 0;  // memory held by copy and packed
  };

  // The entry for `w` (contents verified), or nullptr.
  Entry* find(std::span<const int64_t> w) {
    for (Entry& e : entries_) {
      if (e.source == w.data() && e.count == w.size()) return same_weights(w, e.copy) ? &e : nullptr;
    }
    return nullptr;
  }

  // Adds `w`, whose values fit int16, replacing an older entry at its address.
  // The cache is emptied first when it holds too much.
  Entry& add(std::span<const int64_t> w, ValueRange range) {
    std::erase_if(entries_, [&](const Entry& e) {
      if (e.source != w.data()) return false;
      bytes_ -= e.bytes;
      return true;
    });
    if (bytes_ > kMaxBytes || entries_.size() >= kMaxEntries) {
      entries_.clear();
      bytes_ = 0;
    }
    Entry& e = entries_.emplace_back();
    e.source = w.data();
    e.count = w.size();
    e.copy.assign(w.begin(), w.end());
    e.range = range;
    e.has_zero = std::find(e.copy.begin(), e.copy.end(), int16_t{0}) != e.copy.end();
    account(e, e.copy.size() * sizeof(int16_t));
    return e;
  }

  const Packed& packed(Entry& e, const PackKey& key, const WindowLayout& l, std::vector<int32_t>& slot) {
    for (const Packed& pk : e.packed) {
      if (pk.key == key) return pk;
    }
    Packed& pk = e.packed.emplace_back();
    pk.key = key;
    if (key.kind == DataKind::U8) {
      pack_weights(e.copy.data(), key, l, slot, pk.w8);
      account(e, pk.w8.size());
    } else {
      pack_weights(e.copy.data(), key, l, slot, pk.w16);
      account(e, pk.w16.size() * sizeof(int16_t));
    }
    return pk;
  }

 private:
  static constexpr size_t kMaxBytes = size_t{64} << 20;
  static constexpr size_t kMaxEntries = 1024;

  void account(Entry& e, size_t bytes) {
    e.bytes += bytes;
    bytes_ += bytes;
  }

  std::vector<Entry> entries_;
  size_t bytes_ = 0;
};

WeightCache& weight_cache() {
  thread_local WeightCache cache;
  return cache;
}

// The data as zero-padded HWC, `rows` × `cols` pixels (at least the padded
// input), plus g elements of slack: the last K-group of a run may read past
// its end.
template <typename T>
void pack_data(const Input& in, const ConvParams& p, int rows, int cols, int g, std::vector<T>& buf) {
  const int ch = in.c;
  buf.assign(static_cast<size_t>(rows) * cols * ch + static_cast<size_t>(g), T{0});
  if (in.image != nullptr) {
    // Already HWC bytes: copy rows into place (uint8 only for nonnegative images).
    const size_t row = static_cast<size_t>(in.w) * ch;
    for (int y = 0; y < in.h; ++y) {
      T* dst = buf.data() + (static_cast<size_t>(y + p.pad[0]) * cols + p.pad[1]) * ch;
      const int8_t* src = in.image->v.data() + static_cast<size_t>(y) * row;
      if constexpr (sizeof(T) == 1) {
        std::memcpy(dst, src, row);
      } else {
        for (size_t i = 0; i < row; ++i) dst[i] = static_cast<T>(static_cast<int>(src[i]));  // sign-extends
      }
    }
    return;
  }
  const int64_t* src = in.tensor->v.data();
  for (int c = 0; c < ch; ++c) {
    for (int y = 0; y < in.h; ++y) {
      T* dst = buf.data() + (static_cast<size_t>(y + p.pad[0]) * cols + p.pad[1]) * ch + c;
      for (int x = 0; x < in.w; ++x) dst[static_cast<size_t>(x) * ch] = static_cast<T>(*src++);
    }
  }
}

// Offsets (in elements, relative to a window's first element) of each K-group.
void group_offsets(const ConvParams& p, const Geometry& geo, const WindowLayout& l, std::vector<int32_t>& out) {
  out.resize(static_cast<size_t>(l.groups));
  const int ch = p.in_channels;
  for (int ky = 0; ky < p.kernel[0]; ++ky) {
    const int row = ky * p.dilation[0] * geo.padded_w * ch;
    for (int j = 0; j < l.row_groups; ++j) {
      int offset = row + j * l.g;
      if (!l.row_runs) offset = row + (j / l.tap_groups) * p.dilation[1] * ch + (j % l.tap_groups) * l.g;
      out[static_cast<size_t>(ky) * l.row_groups + j] = offset;
    }
  }
}

// Per output pixel, the offset of its window; per tile, the K-groups that are
// not entirely in padding rows for all of its pixels.
void pixel_plan(const Input& in, const ConvParams& p, const Geometry& geo, const WindowLayout& l, Scratch& s) {
  const int pixels = geo.out_h * geo.out_w;
  s.pixel_offset.resize(static_cast<size_t>(pixels));
  int32_t* offset = s.pixel_offset.data();
  for (int oy = 0; oy < geo.out_h; ++oy) {
    const int row = oy * p.stride[0] * geo.padded_w * p.in_channels;
    for (int ox = 0; ox < geo.out_w; ++ox) *offset++ = row + ox * p.stride[1] * p.in_channels;
  }
  const int full = pixels / kernels::kTilePx;
  const int tiles = full + pixels % kernels::kTilePx;
  s.tile_begin.resize(static_cast<size_t>(tiles));
  s.tile_end.resize(static_cast<size_t>(tiles));
  for (int t = 0; t < tiles; ++t) {
    const int first = t < full ? t * kernels::kTilePx : full * kernels::kTilePx + (t - full);
    const int last = t < full ? first + kernels::kTilePx - 1 : first;
    int lo = p.kernel[0];
    int hi = -1;
    for (int oy = first / geo.out_w; oy <= last / geo.out_w; ++oy) {
      for (int ky = 0; ky < p.kernel[0]; ++ky) {
        const int iy = oy * p.stride[0] + ky * p.dilation[0] - p.pad[0];
        if (iy >= 0 && iy < in.h) {
          lo = std::min(lo, ky);
          hi = std::max(hi, ky);
        }
      }
    }
    const bool any = hi >= lo;
    s.tile_begin[static_cast<size_t>(t)] = any ? lo * l.row_groups : 0;
    s.tile_end[static_cast<size_t>(t)] = any ? (hi + 1) * l.row_groups : 0;
  }
}

kernels::Stage kernel_stage(const ConvOptions& o) {
  kernels::Stage s;
  s.kind = o.width == 8    ? kernels::StageKind::Out8
           : o.width == 32 ? kernels::StageKind::Out32
                           : kernels::StageKind::Raw;
  s.shift = o.shift;
  s.act = o.act;
  return s;
}

void narrow_conv(const Input& in, const ConvParams& p, const Geometry& geo, WeightCache::Entry& weights,
                 std::span<const int64_t> bias, const ConvOptions& options, DataKind kind, Tensor& out, Image8* out8) {
  Scratch& s = scratch();
  const int g = kernels::group_size(kind);
  const WindowLayout l = window_layout(p, geo, g);
  const int blocks = (geo.out_per_group + kernels::kBlockOc - 1) / kernels::kBlockOc;
  const WeightCache::Packed& pk = weight_cache().packed(weights, pack_key(p, geo, l, kind), l, s.weight_slot);
  const void* data = nullptr;
  const void* packed = nullptr;
  if (kind == DataKind::U8) {
    pack_data(in, p, geo.padded_h, geo.padded_w, g, s.data8);
    data = s.data8.data();
    packed = pk.w8.data();
  } else {
    pack_data(in, p, geo.padded_h, geo.padded_w, g, s.data16);
    data = s.data16.data();
    packed = pk.w16.data();
  }
  group_offsets(p, geo, l, s.group_offset);
  pixel_plan(in, p, geo, l, s);
  const size_t padded_oc = static_cast<size_t>(blocks) * kernels::kBlockOc;
  s.bias.assign(static_cast<size_t>(p.groups) * padded_oc, 0);
  for (size_t o = 0; o < bias.size(); ++o) {
    const size_t group = o / static_cast<size_t>(geo.out_per_group);
    const size_t local = o % static_cast<size_t>(geo.out_per_group);
    s.bias[group * padded_oc + local] = static_cast<int32_t>(bias[o] * kBiasScale);
  }

  out.v.resize(static_cast<size_t>(p.out_channels) * geo.out_h * geo.out_w);
  kernels::Job job;
  job.kind = kind;
  job.pixel_offset = s.pixel_offset.data();
  job.pixels = geo.out_h * geo.out_w;
  job.group_offset = s.group_offset.data();
  job.tile_begin = s.tile_begin.data();
  job.tile_end = s.tile_end.data();
  job.groups = l.groups;
  job.blocks = blocks;
  job.out_channels = geo.out_per_group;
  job.out_plane = static_cast<size_t>(job.pixels);
  job.stage = kernel_stage(options);
  if (out8 != nullptr) job.out8_stride = static_cast<size_t>(p.out_channels);
  const size_t elem = kind == DataKind::U8 ? 1 : 2;
  const size_t block_size = static_cast<size_t>(l.groups) * kernels::kBlockOc * static_cast<size_t>(g);
  for (int group = 0; group < p.groups; ++group) {
    // A group reads its own channels: shift the data by its first channel.
    job.data = static_cast<const char*>(data) + static_cast<size_t>(group) * geo.in_per_group * elem;
    job.weights = static_cast<const char*>(packed) + static_cast<size_t>(group) * blocks * block_size * elem;
    job.bias = s.bias.data() + static_cast<size_t>(group) * padded_oc;
    job.out = out.v.data() + static_cast<size_t>(group) * geo.out_per_group * job.out_plane;
    if (out8 != nullptr) job.out8 = out8->v.data() + static_cast<size_t>(group) * geo.out_per_group;
    run_job(job);
  }
  trim(s);
}

void check_weight_limits(std::span<const int64_t> weights, Range range, const WeightCache::Entry* entry,
                         const ConvOptions& o) {
  const bool zero =
      o.nonzero_weights &&
      (entry != nullptr ? entry->has_zero : std::find(weights.begin(), weights.end(), 0) != weights.end());
  if (range.lo >= o.weight_min && range.hi <= o.weight_max && !zero) return;
  for (size_t i = 0; i < weights.size(); ++i) {
    const int64_t v = weights[i];
    if (v < o.weight_min || v > o.weight_max || (o.nonzero_weights && v == 0)) {
      throw Error("weight " + std::to_string(v) + " (index " + std::to_string(i) + ") is outside the allowed values [" +
                  std::to_string(o.weight_min) + ", " + std::to_string(o.weight_max) + "]" +
                  (o.nonzero_weights ? " without 0" : ""));
    }
  }
}

Range data_range(const Input& in) {
  if (in.tensor != nullptr) return range_of(in.tensor->v);
  // An image's values are int8 (nonnegative ones 0 … 127).
  return Range(ValueRange{in.image->nonnegative ? 0 : -128, 127});
}

Tensor conv_impl(const Input& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
                 const ConvOptions& options, Image8* out8) {
  check_output(options);
  const Geometry g = check_conv(in, p, weights, bias);
  const Range x = data_range(in);
  const Range b = range_of(bias);
  WeightCache& cache = weight_cache();
  WeightCache::Entry* entry = cache.find(weights);
  const Range w = entry != nullptr ? Range(entry->range) : range_of(weights);
  if (entry == nullptr && w.magnitude() <= std::numeric_limits<int16_t>::max()) entry = &cache.add(weights, w);
  check_weight_limits(weights, w, entry, options);
  const int64_t terms = static_cast<int64_t>(g.in_per_group) * p.kernel[0] * p.kernel[1];
  if (x.magnitude() > kMaxData || w.magnitude() > kMaxWeight || terms > kMaxTerms || b.magnitude() > kMaxBias) {
    throw Error(
        "convolution operands out of range (|data| ≤ 2^32, |weight| ≤ 2^15, |bias| ≤ 2^40, "
        "≤ 32768 products per output)");
  }
  Tensor out;
  out.c = p.out_channels;
  out.h = g.out_h;
  out.w = g.out_w;
  // The kernels address the padded data with int32 element offsets.
  const bool addressable = static_cast<int64_t>(g.padded_h) * g.padded_w * p.in_channels < (int64_t{1} << 30);
  const std::optional<DataKind> kind =
      addressable && entry != nullptr ? narrow_kind(x, w, b.magnitude(), terms) : std::optional<DataKind>{};
  t_last_path = !kind ? ConvPath::Int64 : *kind == DataKind::U8 ? ConvPath::Uint8 : ConvPath::Int16;
  if (out8 != nullptr) {
    *out8 = Image8{};
    if (options.width != 8) out8 = nullptr;  // only 8-bit outputs have an image
  }
  if (out8 != nullptr) {
    out8->c = out.c;
    out8->h = out.h;
    out8->w = out.w;
    out8->v.resize(static_cast<size_t>(out.c) * out.h * out.w);
    out8->nonnegative = options.act != Activation::None;  // ReLU: 0 … 127; Abs: 0 … 127
  }
  if (kind) {
    narrow_conv(in, p, g, *entry, bias, options, *kind, out, out8);
  } else {
    out.v.assign(static_cast<size_t>(out.c) * out.h * out.w, 0);
    wide_conv(in.tensor != nullptr ? *in.tensor : to_tensor(*in.image), p, g, weights, bias, options, out);
    if (out8 != nullptr) *out8 = to_image(out);
  }
  return out;
}

ConvParams as_2d(const Conv1dParams& p) {
  ConvParams p2;
  p2.in_channels = p.in_channels;
  p2.out_channels = p.out_channels;
  p2.groups = p.groups;
  p2.kernel = {p.kernel, 1};
  p2.stride = {p.stride, 1};
  p2.dilation = {p.dilation, 1};
  p2.pad = {p.pad, 0};
  return p2;
}

ConvParams as_correlation(const ConvTransposeParams& p) {
  ConvParams p2;
  p2.in_channels = p.in_channels;
  p2.out_channels = p.out_channels;
  p2.groups = p.groups;
  p2.kernel = p.kernel;
  p2.dilation = p.dilation;
  for (int d = 0; d < 2; ++d) {
    p2.pad[d] = p.dilation[d] * (p.kernel[d] - 1) - p.pad[d];
    p2.pad_after[d] = p.output_pad[d];
    if (p2.pad[d] < 0 || p.output_pad[d] < 0) {
      throw Error("ConvTranspose2d padding " + std::to_string(p.pad[d]) + " is larger than dilation·(kernel−1)");
    }
  }
  return p2;
}

}  // namespace

bool kernel_isa_supported(KernelIsa isa) {
  return isa != KernelIsa::Avx2 || avx2_available();
}

KernelIsa set_kernel_isa(KernelIsa isa) {
  if (!kernel_isa_supported(isa)) throw Error("this CPU does not support the requested kernels");
  return g_isa.exchange(isa);
}

ConvPath last_conv_path() {
  return t_last_path;
}

KernelIsa active_kernel_isa() {
  return resolve(g_isa.load());
}

ValueRange value_range(std::span<const int64_t> values) {
  ValueRange r;
  if (values.empty()) return r;
#if defined(AI8X_HAVE_AVX2_KERNELS)
  if (resolve(g_isa.load(std::memory_order_relaxed)) == KernelIsa::Avx2) {
    kernels::minmax_avx2(values.data(), values.size(), r.lo, r.hi);
    return r;
  }
#endif
  r.lo = r.hi = values[0];
  for (int64_t x : values) {
    r.lo = std::min(r.lo, x);
    r.hi = std::max(r.hi, x);
  }
  return r;
}

Dims conv_out_dims(Dims in, const ConvParams& p) {
  Dims out{};
  for (int d = 0; d < 2; ++d) {
    const int span = in[d] + 2 * p.pad[d] + p.pad_after[d] - p.dilation[d] * (p.kernel[d] - 1);
    out[d] = span <= 0 ? 0 : (span - 1) / p.stride[d] + 1;
  }
  return out;
}

Tensor conv2d(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias) {
  return conv_impl(Input(in), p, weights, bias, {}, nullptr);
}

Tensor conv2d(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8) {
  return conv_impl(Input(in), p, weights, bias, options, out8);
}

Tensor conv2d(const Image8& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8) {
  return conv_impl(Input(in), p, weights, bias, options, out8);
}

Tensor conv1d(const Tensor& in, const Conv1dParams& p, std::span<const int64_t> weights,
              std::span<const int64_t> bias) {
  return conv1d(in, p, weights, bias, {});
}

Tensor conv1d(const Tensor& in, const Conv1dParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8) {
  if (in.w != 1) throw Error("Conv1d needs C×L×1 data");
  return conv_impl(Input(in), as_2d(p), weights, bias, options, out8);
}

Tensor conv1d(const Image8& in, const Conv1dParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8) {
  if (in.w != 1) throw Error("Conv1d needs C×L×1 data");
  return conv_impl(Input(in), as_2d(p), weights, bias, options, out8);
}

Tensor insert_zeros(const Tensor& in, Dims stride) {
  if (stride[0] < 1 || stride[1] < 1) throw Error("invalid zero-insertion stride");
  if (in.h == 0 || in.w == 0) return in;
  Tensor out(in.c, (in.h - 1) * stride[0] + 1, (in.w - 1) * stride[1] + 1);
  for (int c = 0; c < in.c; ++c) {
    for (int y = 0; y < in.h; ++y) {
      for (int x = 0; x < in.w; ++x) out.at(c, y * stride[0], x * stride[1]) = in.at(c, y, x);
    }
  }
  return out;
}

Tensor conv_transpose2d(const Tensor& in, const ConvTransposeParams& p, std::span<const int64_t> weights,
                        std::span<const int64_t> bias) {
  return conv_transpose2d(in, p, weights, bias, {});
}

Tensor conv_transpose2d(const Tensor& in, const ConvTransposeParams& p, std::span<const int64_t> weights,
                        std::span<const int64_t> bias, const ConvOptions& out) {
  const ConvParams p2 = as_correlation(p);
  return conv_impl(Input(insert_zeros(in, p.stride)), p2, weights, bias, out, nullptr);
}

Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias) {
  return linear(in, out_features, weights, bias, {});
}

Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& out) {
  ConvParams p;
  p.in_channels = static_cast<int>(in.size());
  p.out_channels = out_features;
  return conv_impl(Input(flatten(in)), p, weights, bias, out, nullptr);
}

std::vector<int64_t> bypass_weights(int out_channels, int in_per_group, Dims kernel) {
  if (out_channels < 0 || in_per_group < 0 || kernel[0] < 0 || kernel[1] < 0) {
    throw Error("invalid bypass kernel shape");
  }
  return std::vector<int64_t>(static_cast<size_t>(out_channels) * in_per_group * kernel[0] * kernel[1], 1);
}

}  // namespace ai8x::core
