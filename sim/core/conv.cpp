#include "core/conv.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/quantize.hpp"

namespace ai8x::core {

namespace {

// Products of int8 data and ≤ 8-bit weights summed over a whole window fit in
// int32, so the common case runs on int16 operands with int32 sums (which the
// compiler vectorises). Anything larger (e.g. a 32-bit layer output used as
// input) takes the int64 path. Bounds keep even that path free of overflow.
constexpr int64_t kMaxData = int64_t{1} << 32;
constexpr int64_t kMaxWeight = int64_t{1} << 15;
constexpr int64_t kMaxTerms = int64_t{1} << 15;

int64_t max_abs(std::span<const int64_t> values) {
  int64_t m = 0;
  for (int64_t v : values) m = std::max(m, v < 0 ? -v : v);
  return m;
}

// Sums of products for N (1 or 4) output channels at once: each data run is
// loaded once and multiplied by the N weight runs (kernel_size apart). Each
// output keeps 8 independent lanes, reduced once at the end, so the compiler
// turns the inner loop into SIMD code (the 4 outputs are spelled out because
// GCC at -O2 keeps a nested [4][8] lane array in memory).
template <typename T, typename Acc, int N>
class DotAccumulator {
  static_assert(N == 1 || N == 4);

 public:
  void add(const T* a, const T* w, size_t kernel_size, int n) {
    const T* w0 = w;
    const T* w1 = w;
    const T* w2 = w;
    const T* w3 = w;
    if constexpr (N == 4) {
      w1 = w + kernel_size;
      w2 = w + 2 * kernel_size;
      w3 = w + 3 * kernel_size;
    }
    int i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const Acc x = a[i + j];
        lane0_[j] += x * w0[i + j];
        if constexpr (N == 4) {
          lane1_[j] += x * w1[i + j];
          lane2_[j] += x * w2[i + j];
          lane3_[j] += x * w3[i + j];
        }
      }
    }
    for (; i < n; ++i) {
      const Acc x = a[i];
      tail_[0] += x * w0[i];
      if constexpr (N == 4) {
        tail_[1] += x * w1[i];
        tail_[2] += x * w2[i];
        tail_[3] += x * w3[i];
      }
    }
  }
  [[nodiscard]] Acc total(int k) const {
    const Acc* lanes = k == 0 ? lane0_ : k == 1 ? lane1_ : k == 2 ? lane2_ : lane3_;
    Acc sum = tail_[k];
    for (int j = 0; j < kLanes; ++j) sum += lanes[j];
    return sum;
  }

 private:
  static constexpr int kLanes = 8;
  Acc lane0_[kLanes] = {};
  Acc lane1_[kLanes] = {};
  Acc lane2_[kLanes] = {};
  Acc lane3_[kLanes] = {};
  Acc tail_[4] = {};
};

struct Geometry {
  int in_per_group = 0;  // input channels per group
  int out_per_group = 0;
  int padded_h = 0, padded_w = 0;
  int out_h = 0, out_w = 0;
};

// How one output's window is walked: runs_per_row runs of `run` values per
// kernel row; kernel_size weights per output channel.
struct Window {
  int run = 0;
  int runs_per_row = 0;
  size_t kernel_size = 0;
};

// Output channels o..o+N−1 (same input group) at output pixel (oy, ox).
template <typename T, typename Acc, int N>
void outputs_at(const T* data, const T* kern, const ConvParams& p, const Geometry& g, const Window& win, int oy, int ox,
                int o, Tensor& out) {
  const int ch = p.in_channels;
  const size_t first_channel = static_cast<size_t>(o / g.out_per_group) * g.in_per_group;
  const T* w = kern + static_cast<size_t>(o) * win.kernel_size;
  DotAccumulator<T, Acc, N> acc;
  for (int ky = 0; ky < p.kernel[0]; ++ky) {
    const size_t row = static_cast<size_t>(oy * p.stride[0] + ky * p.dilation[0]);
    for (int r = 0; r < win.runs_per_row; ++r) {
      const size_t col = static_cast<size_t>(ox * p.stride[1] + r * p.dilation[1]);
      acc.add(data + (row * g.padded_w + col) * ch + first_channel, w, win.kernel_size, win.run);
      w += win.run;
    }
  }
  for (int k = 0; k < N; ++k) out.at(o + k, oy, ox) = static_cast<int64_t>(acc.total(k));
}

// Correlation without bias into `out` (out_channels × out_h × out_w).
// Data are copied into a zero-padded HWC buffer and the weights into
// [o][ky][kx][ci] order, so each kernel tap (or, without groups and column
// dilation, each kernel row) is one contiguous inner product.
template <typename T, typename Acc>
void correlate(const Tensor& in, const ConvParams& p, const Geometry& g, std::span<const int64_t> weights,
               Tensor& out) {
  const int ch = in.c;
  const int kh = p.kernel[0];
  const int kw = p.kernel[1];
  std::vector<T> data(static_cast<size_t>(g.padded_h) * g.padded_w * ch, 0);
  for (int c = 0; c < ch; ++c) {
    for (int y = 0; y < in.h; ++y) {
      for (int x = 0; x < in.w; ++x) {
        const size_t pixel = static_cast<size_t>(y + p.pad[0]) * g.padded_w + (x + p.pad[1]);
        data[pixel * ch + c] = static_cast<T>(in.at(c, y, x));
      }
    }
  }
  const int cpg = g.in_per_group;
  std::vector<T> kern(weights.size());
  for (int o = 0; o < p.out_channels; ++o) {
    for (int ci = 0; ci < cpg; ++ci) {
      for (int ky = 0; ky < kh; ++ky) {
        for (int kx = 0; kx < kw; ++kx) {
          const size_t src = ((static_cast<size_t>(o) * cpg + ci) * kh + ky) * kw + kx;
          const size_t dst = ((static_cast<size_t>(o) * kh + ky) * kw + kx) * cpg + ci;
          kern[dst] = static_cast<T>(weights[src]);
        }
      }
    }
  }
  // Without groups and column dilation, the kw taps of one kernel row read kw·C
  // consecutive values, matching kw·cpg consecutive weights: one run per row.
  const bool row_runs = p.groups == 1 && p.dilation[1] == 1;
  Window win;
  win.run = row_runs ? kw * cpg : cpg;
  win.runs_per_row = row_runs ? 1 : kw;
  win.kernel_size = static_cast<size_t>(kh) * kw * cpg;
  constexpr int kBlock = 4;
  for (int oy = 0; oy < g.out_h; ++oy) {
    for (int ox = 0; ox < g.out_w; ++ox) {
      int o = 0;
      // Blocks of output channels that read the same input channels.
      for (; p.groups == 1 && o + kBlock <= p.out_channels; o += kBlock) {
        outputs_at<T, Acc, kBlock>(data.data(), kern.data(), p, g, win, oy, ox, o, out);
      }
      for (; o < p.out_channels; ++o) {
        outputs_at<T, Acc, 1>(data.data(), kern.data(), p, g, win, oy, ox, o, out);
      }
    }
  }
}

Geometry check_conv(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights,
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

}  // namespace

Dims conv_out_dims(Dims in, const ConvParams& p) {
  Dims out{};
  for (int d = 0; d < 2; ++d) {
    const int span = in[d] + 2 * p.pad[d] + p.pad_after[d] - p.dilation[d] * (p.kernel[d] - 1);
    out[d] = span <= 0 ? 0 : (span - 1) / p.stride[d] + 1;
  }
  return out;
}

Tensor conv2d(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias) {
  const Geometry g = check_conv(in, p, weights, bias);
  const int64_t data_max = max_abs(in.v);
  const int64_t weight_max = max_abs(weights);
  const int64_t terms = static_cast<int64_t>(g.in_per_group) * p.kernel[0] * p.kernel[1];
  if (data_max > kMaxData || weight_max > kMaxWeight || terms > kMaxTerms) {
    throw Error(
        "convolution operands out of range (|data| ≤ 2^32, |weight| ≤ 2^15, "
        "≤ 32768 products per output)");
  }
  Tensor out(p.out_channels, g.out_h, g.out_w);
  constexpr int64_t kNarrow = std::numeric_limits<int16_t>::max();
  if (data_max <= kNarrow && weight_max <= kNarrow &&
      data_max * weight_max * terms <= std::numeric_limits<int32_t>::max()) {
    correlate<int16_t, int32_t>(in, p, g, weights, out);
  } else {
    correlate<int64_t, int64_t>(in, p, g, weights, out);
  }
  if (!bias.empty()) {
    const size_t plane = static_cast<size_t>(g.out_h) * g.out_w;
    for (int o = 0; o < p.out_channels; ++o) {
      const int64_t b = bias[static_cast<size_t>(o)] * kBiasScale;
      for (size_t i = 0; i < plane; ++i) out.v[static_cast<size_t>(o) * plane + i] += b;
    }
  }
  return out;
}

Tensor conv1d(const Tensor& in, const Conv1dParams& p, std::span<const int64_t> weights,
              std::span<const int64_t> bias) {
  if (in.w != 1) throw Error("Conv1d needs C×L×1 data");
  ConvParams p2;
  p2.in_channels = p.in_channels;
  p2.out_channels = p.out_channels;
  p2.groups = p.groups;
  p2.kernel = {p.kernel, 1};
  p2.stride = {p.stride, 1};
  p2.dilation = {p.dilation, 1};
  p2.pad = {p.pad, 0};
  return conv2d(in, p2, weights, bias);
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
  return conv2d(insert_zeros(in, p.stride), p2, weights, bias);
}

Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias) {
  ConvParams p;
  p.in_channels = static_cast<int>(in.size());
  p.out_channels = out_features;
  return conv2d(flatten(in), p, weights, bias);
}

std::vector<int64_t> bypass_weights(int out_channels, int in_per_group, Dims kernel) {
  if (out_channels < 0 || in_per_group < 0 || kernel[0] < 0 || kernel[1] < 0) {
    throw Error("invalid bypass kernel shape");
  }
  return std::vector<int64_t>(static_cast<size_t>(out_channels) * in_per_group * kernel[0] * kernel[1], 1);
}

}  // namespace ai8x::core
