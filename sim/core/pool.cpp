#include "core/pool.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "core/conv.hpp"
#include "core/error.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(AI8X_NO_SIMD)
#include <immintrin.h>
#define AI8X_POOL_AVX2 1
#endif

namespace ai8x::core {

namespace {

// One output row of the common 2×2, stride-2 max pool: out[i] is the largest
// of r0[2i], r0[2i+1], r1[2i], r1[2i+1].
void max2x2_row(const int64_t* r0, const int64_t* r1, int64_t* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = std::max(std::max(r0[2 * i], r0[2 * i + 1]), std::max(r1[2 * i], r1[2 * i + 1]));
}

#if defined(AI8X_POOL_AVX2)
__attribute__((target("avx2"))) inline __m256i max64(__m256i a, __m256i b) {
  return _mm256_blendv_epi8(a, b, _mm256_cmpgt_epi64(b, a));
}

__attribute__((target("avx2"))) void max2x2_row_avx2(const int64_t* r0, const int64_t* r1, int64_t* out, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const auto* a = reinterpret_cast<const __m256i*>(r0 + 2 * i);
    const auto* b = reinterpret_cast<const __m256i*>(r1 + 2 * i);
    const __m256i lo = max64(_mm256_loadu_si256(a), _mm256_loadu_si256(b));          // columns 0…3
    const __m256i hi = max64(_mm256_loadu_si256(a + 1), _mm256_loadu_si256(b + 1));  // columns 4…7
    // Even and odd columns, in the order 0 4 2 6 / 1 5 3 7.
    const __m256i m = max64(_mm256_unpacklo_epi64(lo, hi), _mm256_unpackhi_epi64(lo, hi));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_permute4x64_epi64(m, 0xd8));
  }
  max2x2_row(r0 + 2 * i, r1 + 2 * i, out + i, n - i);
}
#endif

void check_params(const PoolParams& p) {
  for (int d = 0; d < 2; ++d) {
    if (p.size[d] < 1 || p.stride[d] < 1 || p.dilation[d] < 1) {
      throw Error("pool size, stride and dilation must be at least 1");
    }
  }
}

int checked_extent(int in, int size, int stride, int dilation) {
  const int out = pooled_extent(in, size, stride, dilation);
  if (out <= 0) {
    throw Error("pooling " + std::to_string(size) + " with stride " + std::to_string(stride) +
                " leaves no output from " + std::to_string(in) + " input rows/columns");
  }
  return out;
}

// Output rows and columns of 2-D pooling; throws for empty outputs and for
// windows that would read past the input.
Dims pooled_dims(int h, int w, const PoolParams& p) {
  check_params(p);
  const int oh = checked_extent(h, p.size[0], p.stride[0], p.dilation[0]);
  const int ow = checked_extent(w, p.size[1], p.stride[1], p.dilation[1]);
  if ((oh - 1) * p.stride[0] + (p.size[0] - 1) * p.dilation[0] >= h ||
      (ow - 1) * p.stride[1] + (p.size[1] - 1) * p.dilation[1] >= w) {
    throw Error(
        "the last pooling window reads past the input (pool size ≥ 3 with dilation ≥ 2 "
        "and these dimensions is not supported)");
  }
  return {oh, ow};
}

// dst[ch] = max over the k window pixels src[i][ch], for n channels.
void max_channels(const int8_t* const* src, int k, int n, int8_t* dst) {
  for (int ch = 0; ch < n; ++ch) {
    int8_t m = src[0][ch];
    for (int i = 1; i < k; ++i) m = std::max(m, src[i][ch]);
    dst[ch] = m;
  }
}

#if defined(AI8X_POOL_AVX2)
__attribute__((target("avx2"))) void max_channels_avx2(const int8_t* const* src, int k, int n, int8_t* dst) {
  if (n < 32) {
    max_channels(src, k, n, dst);
    return;
  }
  // 32 channels at a time; the last block overlaps the previous one instead
  // of leaving a scalar tail (recomputing a maximum is harmless).
  for (int ch = 0; ch < n; ch += 32) {
    const int at = std::min(ch, n - 32);
    __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[0] + at));
    for (int i = 1; i < k; ++i)
      m = _mm256_max_epi8(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src[i] + at)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + at), m);
  }
}
#endif

// sum / count as average() rounds it, by shifts when count is a power of two.
int32_t average_of(int32_t sum, int32_t count, int shift, AvgRounding rounding) {
  if (shift < 0) return static_cast<int32_t>(average(sum, count, rounding));
  const int32_t magnitude = sum < 0 ? -sum : sum;
  const int32_t q = rounding == AvgRounding::TowardZero ? magnitude >> shift : (magnitude + (count >> 1)) >> shift;
  return sum < 0 ? -q : q;
}

// dst[ch] = the average of the k window pixels src[i][ch], for n channels.
void average_channels(const int8_t* const* src, int k, int n, int count, AvgRounding rounding, int8_t* dst) {
  int shift = -1;
  if ((count & (count - 1)) == 0) {
    shift = 0;
    while ((1 << shift) < count) ++shift;
  }
  for (int ch = 0; ch < n; ++ch) {
    int32_t sum = 0;
    for (int i = 0; i < k; ++i) sum += src[i][ch];
    dst[ch] = static_cast<int8_t>(average_of(sum, count, shift, rounding));
  }
}

// Pooling of an HWC image: for each output pixel, the window's pixels are
// combined channel vector by channel vector.
Image8 pool_image(const Image8& in, int oh, int ow, const PoolParams& p, bool one_d) {
  Image8 out;
  out.c = in.c;
  out.h = oh;
  out.w = ow;
  out.nonnegative = in.nonnegative;
  out.v.resize(static_cast<size_t>(in.c) * oh * ow);
  auto max = max_channels;
#if defined(AI8X_POOL_AVX2)
  if (active_kernel_isa() == KernelIsa::Avx2) max = max_channels_avx2;
#endif
  const int step = one_d && p.kind == PoolKind::Max ? 1 : p.dilation[0];  // the izer's 1-D max ignores dilation
  const int columns = one_d ? 1 : p.size[1];
  std::vector<const int8_t*> window(static_cast<size_t>(p.size[0]) * columns);
  int8_t* dst = out.v.data();
  for (int oy = 0; oy < oh; ++oy) {
    for (int ox = 0; ox < ow; ++ox, dst += in.c) {
      int k = 0;
      for (int ky = 0; ky < p.size[0]; ++ky) {
        const int y = oy * p.stride[0] + ky * step;
        if (one_d && y >= in.h) break;  // a dilated 1-D window past the end is cut short
        for (int kx = 0; kx < columns; ++kx) {
          const int x = ox * p.stride[1] + kx * p.dilation[1];
          window[static_cast<size_t>(k++)] = in.v.data() + (static_cast<size_t>(y) * in.w + x) * in.c;
        }
      }
      if (p.kind == PoolKind::Max) {
        max(window.data(), k, in.c, dst);
      } else {
        average_channels(window.data(), k, in.c, k, one_d ? AvgRounding::TowardZero : p.rounding, dst);
      }
    }
  }
  return out;
}

}  // namespace

int pooled_extent(int in, int size, int stride, int dilation) {
  const int num = in + stride - size - dilation + 1;
  return num < 0 ? 0 : num / stride;
}

int64_t average(int64_t sum, int64_t count, AvgRounding rounding) {
  if (rounding == AvgRounding::TowardZero) return sum / count;  // C++ truncates toward zero
  const int64_t magnitude = ((sum < 0 ? -sum : sum) * 2 + count) / (2 * count);
  return sum < 0 ? -magnitude : magnitude;
}

Tensor pool2d(const Tensor& in, const PoolParams& p) {
  const auto [oh, ow] = pooled_dims(in.h, in.w, p);
  const int64_t count = static_cast<int64_t>(p.size[0]) * p.size[1];
  Tensor out(in.c, oh, ow);
  const size_t in_plane = static_cast<size_t>(in.h) * in.w;
  const ptrdiff_t row_step = static_cast<ptrdiff_t>(p.dilation[0]) * in.w;
  const bool max2x2 =
      p.kind == PoolKind::Max && p.size == Dims{2, 2} && p.stride == Dims{2, 2} && p.dilation == Dims{1, 1};
  auto row2x2 = max2x2_row;
#if defined(AI8X_POOL_AVX2)
  if (active_kernel_isa() == KernelIsa::Avx2) row2x2 = max2x2_row_avx2;
#endif
  int64_t* dst = out.v.data();
  for (int ch = 0; ch < in.c; ++ch) {
    const int64_t* plane = in.v.data() + ch * in_plane;
    for (int oy = 0; oy < oh; ++oy) {
      const int64_t* top = plane + static_cast<size_t>(oy) * p.stride[0] * in.w;
      if (max2x2) {
        row2x2(top, top + in.w, dst, ow);
        dst += ow;
        continue;
      }
      for (int ox = 0; ox < ow; ++ox, ++dst) {
        const int64_t* window = top + static_cast<ptrdiff_t>(ox) * p.stride[1];
        if (p.kind == PoolKind::Max) {
          int64_t max = window[0];
          for (int ky = 0; ky < p.size[0]; ++ky) {
            const int64_t* row = window + ky * row_step;
            for (int kx = 0; kx < p.size[1]; ++kx) max = std::max(max, row[kx * p.dilation[1]]);
          }
          *dst = max;
        } else {
          int64_t sum = 0;
          for (int ky = 0; ky < p.size[0]; ++ky) {
            const int64_t* row = window + ky * row_step;
            for (int kx = 0; kx < p.size[1]; ++kx) sum += row[kx * p.dilation[1]];
          }
          *dst = average(sum, count, p.rounding);
        }
      }
    }
  }
  return out;
}

Tensor pool1d(const Tensor& in, const PoolParams& p) {
  check_params(p);
  if (in.w != 1) throw Error("1-D pooling needs C×L×1 data");
  const int size = p.size[0];
  const int stride = p.stride[0];
  const int dilation = p.dilation[0];
  const int ol = checked_extent(in.h, size, stride, dilation);
  // The izer's 1-D max ignores the dilation, so its window is `size` samples.
  const int step = p.kind == PoolKind::Max ? 1 : dilation;
  Tensor out(in.c, ol, 1);
  for (int ch = 0; ch < in.c; ++ch) {
    for (int o = 0; o < ol; ++o) {
      int64_t sum = 0;
      int64_t count = 0;
      int64_t max = std::numeric_limits<int64_t>::min();
      for (int k = 0; k < size; ++k) {
        const int x = o * stride + k * step;
        if (x >= in.h) break;  // a dilated window past the end is cut short
        const int64_t v = in.at(ch, x, 0);
        sum += v;
        ++count;
        max = std::max(max, v);
      }
      out.at(ch, o, 0) = p.kind == PoolKind::Max ? max : average(sum, count, AvgRounding::TowardZero);
    }
  }
  return out;
}

Image8 pool2d(const Image8& in, const PoolParams& p) {
  const auto [oh, ow] = pooled_dims(in.h, in.w, p);
  return pool_image(in, oh, ow, p, false);
}

Image8 pool1d(const Image8& in, const PoolParams& p) {
  check_params(p);
  if (in.w != 1) throw Error("1-D pooling needs C×L×1 data");
  const int ol = checked_extent(in.h, p.size[0], p.stride[0], p.dilation[0]);
  return pool_image(in, ol, 1, p, true);
}

}  // namespace ai8x::core
