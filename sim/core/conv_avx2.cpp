// AVX2 version of the narrow convolution kernels (core/conv_kernels.hpp).
// Compiled for baseline x86-64; each function carries target("avx2") and is
// only called after the CPU was checked (conv.cpp), so the binary runs
// anywhere.
//
// Per K-group, the G data elements of a pixel are broadcast to all lanes and
// multiplied with 8 output channels' G weights per register:
//   U8:  vpmaddubsw (uint8 × int8, adjacent products summed in int16 — exact,
//        the caller proved |x0·w0 + x1·w1| ≤ 32767), then vpmaddwd by 1 to int32;
//   S16: vpmaddwd (int16 × int16, adjacent products summed in int32).
// Sums stay in int32 (the caller proved they cannot overflow).
#include "core/conv_kernels.hpp"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(AI8X_NO_SIMD)

#include <immintrin.h>

#include <cstring>
#include <limits>

#define AI8X_AVX2 __attribute__((target("avx2")))
// Helpers are forced inline so that tiles keep their accumulators in registers.
#define AI8X_AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

namespace ai8x::core::kernels {

namespace {

AI8X_AVX2_INLINE __m256i broadcast32(const void* p) {
  int32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return _mm256_set1_epi32(v);
}

AI8X_AVX2_INLINE __m256i load(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// Σ over one K-group for 8 channels, as 8 int32 lanes.
template <DataKind K>
AI8X_AVX2_INLINE __m256i dot(__m256i x, __m256i w, __m256i ones) {
  if constexpr (K == DataKind::U8) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones);
  } else {
    return _mm256_madd_epi16(x, w);
  }
}

// The output stage on 8 int32 lanes, equal to apply_stage() lane by lane, as
// one branch-free sequence whose constants select the stage:
//   v = (v + rounding) >> right; clamp to the pre-shift limits; v <<= left;
//   clamp to the output range; |v| where Abs; clamp to the activation range.
struct VectorStage {
  __m256i rounding, pre_lo, pre_hi, out_lo, out_hi, abs_mask, act_lo, act_hi;
  __m128i right, left;

  AI8X_AVX2 explicit VectorStage(const Stage& s) {
    constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
    constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
    int32_t round = 0, r = 0, l = 0, pre = kMax, lo = kMin, hi = kMax;
    if (s.kind == StageKind::Out8) {
      if (s.shift < 7) {
        r = 7 - s.shift;
        round = int32_t{1} << (r - 1);
      } else {
        l = s.shift - 7;
        pre = 65536;  // beyond it every left shift saturates
      }
      lo = -128;
      hi = 127;
    }
    rounding = _mm256_set1_epi32(round);
    right = _mm_cvtsi32_si128(r);
    left = _mm_cvtsi32_si128(l);
    pre_lo = _mm256_set1_epi32(pre == kMax ? kMin : -pre);
    pre_hi = _mm256_set1_epi32(pre);
    out_lo = _mm256_set1_epi32(lo);
    out_hi = _mm256_set1_epi32(hi);
    const Activation act = s.kind == StageKind::Raw ? Activation::None : s.act;
    abs_mask = _mm256_set1_epi32(act == Activation::Abs ? -1 : 0);
    act_lo = _mm256_set1_epi32(act == Activation::ReLU ? 0 : kMin);
    act_hi = _mm256_set1_epi32(act == Activation::None ? kMax : 127);
  }

  [[nodiscard]] AI8X_AVX2 __m256i apply(__m256i v) const {
    v = _mm256_sra_epi32(_mm256_add_epi32(v, rounding), right);
    v = _mm256_sll_epi32(_mm256_min_epi32(_mm256_max_epi32(v, pre_lo), pre_hi), left);
    v = _mm256_min_epi32(_mm256_max_epi32(v, out_lo), out_hi);
    const __m256i sign = _mm256_and_si256(_mm256_srai_epi32(v, 31), abs_mask);
    v = _mm256_sub_epi32(_mm256_xor_si256(v, sign), sign);
    return _mm256_min_epi32(_mm256_max_epi32(v, act_lo), act_hi);
  }
};

// The common stages get short specialised sequences; the rest use the
// general one.
enum class StageVariant {
  Raw,        // the accumulator as it is
  RightNone,  // 8-bit, shift < 7, no activation: round, shift, clamp to int8
  RightRelu,  // 8-bit, shift < 7, ReLU: round, shift, clamp to [0, 127]
  General,
};

StageVariant variant(const Stage& s) {
  if (s.kind == StageKind::Raw) return StageVariant::Raw;
  if (s.kind == StageKind::Out8 && s.shift < 7 && s.act == Activation::None) return StageVariant::RightNone;
  if (s.kind == StageKind::Out8 && s.shift < 7 && s.act == Activation::ReLU) return StageVariant::RightRelu;
  return StageVariant::General;
}

template <StageVariant S>
AI8X_AVX2_INLINE __m256i apply_stage(const VectorStage& st, __m256i v) {
  if constexpr (S == StageVariant::Raw) {
    return v;
  } else if constexpr (S == StageVariant::RightNone) {
    v = _mm256_sra_epi32(_mm256_add_epi32(v, st.rounding), st.right);
    return _mm256_min_epi32(_mm256_max_epi32(v, st.out_lo), st.out_hi);
  } else if constexpr (S == StageVariant::RightRelu) {
    v = _mm256_sra_epi32(_mm256_add_epi32(v, st.rounding), st.right);
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), st.out_hi);
  } else {
    return st.apply(v);
  }
}

// 4 pixels × 16 channels: acc[2p + h] holds pixel p, channels 8h … 8h+7.
template <DataKind K>
AI8X_AVX2_INLINE void tile4(const char* data, const int32_t* pixel, const int32_t* group_offset, int begin, int end,
                            const char* w, __m256i (&acc)[8]) {
  constexpr ptrdiff_t kElem = K == DataKind::U8 ? 1 : 2;
  const __m256i ones = _mm256_set1_epi16(1);
  const char* x0 = data + pixel[0] * kElem;
  const char* x1 = data + pixel[1] * kElem;
  const char* x2 = data + pixel[2] * kElem;
  const char* x3 = data + pixel[3] * kElem;
  __m256i a00 = _mm256_setzero_si256(), a01 = a00, a10 = a00, a11 = a00;
  __m256i a20 = a00, a21 = a00, a30 = a00, a31 = a00;
  for (int g = begin; g < end; ++g) {
    const __m256i w0 = load(w + static_cast<ptrdiff_t>(g) * 64);
    const __m256i w1 = load(w + static_cast<ptrdiff_t>(g) * 64 + 32);
    const ptrdiff_t o = group_offset[g] * kElem;
    __m256i x = broadcast32(x0 + o);
    a00 = _mm256_add_epi32(a00, dot<K>(x, w0, ones));
    a01 = _mm256_add_epi32(a01, dot<K>(x, w1, ones));
    x = broadcast32(x1 + o);
    a10 = _mm256_add_epi32(a10, dot<K>(x, w0, ones));
    a11 = _mm256_add_epi32(a11, dot<K>(x, w1, ones));
    x = broadcast32(x2 + o);
    a20 = _mm256_add_epi32(a20, dot<K>(x, w0, ones));
    a21 = _mm256_add_epi32(a21, dot<K>(x, w1, ones));
    x = broadcast32(x3 + o);
    a30 = _mm256_add_epi32(a30, dot<K>(x, w0, ones));
    a31 = _mm256_add_epi32(a31, dot<K>(x, w1, ones));
  }
  acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
  acc[4] = a20, acc[5] = a21, acc[6] = a30, acc[7] = a31;
}

template <DataKind K>
AI8X_AVX2_INLINE void tile1(const char* data, const int32_t* pixel, const int32_t* group_offset, int begin, int end,
                            const char* w, __m256i (&acc)[2]) {
  constexpr ptrdiff_t kElem = K == DataKind::U8 ? 1 : 2;
  const __m256i ones = _mm256_set1_epi16(1);
  const char* x0 = data + pixel[0] * kElem;
  __m256i a0 = _mm256_setzero_si256(), a1 = a0;
  for (int g = begin; g < end; ++g) {
    const __m256i x = broadcast32(x0 + group_offset[g] * kElem);
    a0 = _mm256_add_epi32(a0, dot<K>(x, load(w + static_cast<ptrdiff_t>(g) * 64), ones));
    a1 = _mm256_add_epi32(a1, dot<K>(x, load(w + static_cast<ptrdiff_t>(g) * 64 + 32), ones));
  }
  acc[0] = a0, acc[1] = a1;
}

AI8X_AVX2_INLINE void store4(int64_t* dst, __m128i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_cvtepi32_epi64(v));
}

// Writes a 4-pixel tile: transposes pixel-major channel vectors into
// channel-major runs of 4 pixels, widened to int64.
AI8X_AVX2_INLINE void store_tile4(const Job& job, int block, int first_pixel, const __m256i (&r)[8]) {
  int64_t* base = job.out + static_cast<size_t>(block) * kBlockOc * job.out_plane + first_pixel;
  const size_t plane = job.out_plane;
  const int channels = job.out_channels - block * kBlockOc;
  for (int h = 0; h < 2; ++h) {
    const __m256i t0 = _mm256_unpacklo_epi32(r[h], r[2 + h]);  // p0 p1 of channels 0,1 | 4,5
    const __m256i t1 = _mm256_unpackhi_epi32(r[h], r[2 + h]);  // channels 2,3 | 6,7
    const __m256i t2 = _mm256_unpacklo_epi32(r[4 + h], r[6 + h]);
    const __m256i t3 = _mm256_unpackhi_epi32(r[4 + h], r[6 + h]);
    const __m256i c[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2), _mm256_unpacklo_epi64(t1, t3),
                          _mm256_unpackhi_epi64(t1, t3)};  // channel j | j + 4, pixels 0…3
    int64_t* row = base + 8 * h * plane;
    for (int j = 0; j < 4; ++j) {
      if (8 * h + j < channels) store4(row + j * plane, _mm256_castsi256_si128(c[j]));
      if (8 * h + j + 4 < channels) store4(row + (j + 4) * plane, _mm256_extracti128_si256(c[j], 1));
    }
  }
}

// The 8-bit image copy of one pixel's 16 channels (values already int8).
AI8X_AVX2_INLINE void store_image(const Job& job, int block, int pixel, __m256i lo, __m256i hi) {
  // int32 → int16 → int8 packs work per 128-bit lane; the permute restores
  // channel order 0…15.
  const __m256i words = _mm256_permute4x64_epi64(_mm256_packs_epi32(lo, hi), 0xd8);
  const __m128i bytes = _mm_packs_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
  int8_t* dst = job.out8 + static_cast<size_t>(pixel) * job.out8_stride + block * kBlockOc;
  const int channels = job.out_channels - block * kBlockOc;
  if (channels >= kBlockOc) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), bytes);
  } else {
    alignas(16) int8_t tmp[kBlockOc];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
    std::memcpy(dst, tmp, static_cast<size_t>(channels));
  }
}

template <DataKind K, StageVariant S>
AI8X_AVX2 void run(const Job& job) {
  constexpr int G = group_size(K);
  const auto* data = static_cast<const char*>(job.data);
  const VectorStage stage(job.stage);
  const int full = job.pixels / kTilePx;
  const ptrdiff_t block_bytes = static_cast<ptrdiff_t>(job.groups) * kBlockOc * G * (K == DataKind::U8 ? 1 : 2);
  for (int b = 0; b < job.blocks; ++b) {
    const char* w = static_cast<const char*>(job.weights) + b * block_bytes;
    // The bias is loaded after each tile (not kept in registers across the
    // accumulation, which needs all of them).
    const int32_t* bias = job.bias + b * kBlockOc;
    for (int t = 0; t < full; ++t) {
      __m256i acc[8];
      tile4<K>(data, job.pixel_offset + t * kTilePx, job.group_offset, job.tile_begin[t], job.tile_end[t], w, acc);
      const __m256i bias0 = load(bias);
      const __m256i bias1 = load(bias + 8);
      for (int p = 0; p < kTilePx; ++p) {
        acc[2 * p] = apply_stage<S>(stage, _mm256_add_epi32(acc[2 * p], bias0));
        acc[2 * p + 1] = apply_stage<S>(stage, _mm256_add_epi32(acc[2 * p + 1], bias1));
      }
      if (job.out8 != nullptr) {
        for (int p = 0; p < kTilePx; ++p) store_image(job, b, t * kTilePx + p, acc[2 * p], acc[2 * p + 1]);
      }
      store_tile4(job, b, t * kTilePx, acc);
    }
    for (int i = full * kTilePx; i < job.pixels; ++i) {
      const int t = full + (i - full * kTilePx);
      __m256i acc[2];
      tile1<K>(data, job.pixel_offset + i, job.group_offset, job.tile_begin[t], job.tile_end[t], w, acc);
      const __m256i bias0 = load(bias);
      const __m256i bias1 = load(bias + 8);
      alignas(32) int32_t out[kBlockOc];
      acc[0] = apply_stage<S>(stage, _mm256_add_epi32(acc[0], bias0));
      acc[1] = apply_stage<S>(stage, _mm256_add_epi32(acc[1], bias1));
      if (job.out8 != nullptr) store_image(job, b, i, acc[0], acc[1]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out), acc[0]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out + 8), acc[1]);
      for (int j = 0; j < kBlockOc && b * kBlockOc + j < job.out_channels; ++j) {
        job.out[static_cast<size_t>(b * kBlockOc + j) * job.out_plane + i] = out[j];
      }
    }
  }
}

template <DataKind K>
AI8X_AVX2 void run_kind(const Job& job) {
  switch (variant(job.stage)) {
    case StageVariant::Raw: run<K, StageVariant::Raw>(job); break;
    case StageVariant::RightNone: run<K, StageVariant::RightNone>(job); break;
    case StageVariant::RightRelu: run<K, StageVariant::RightRelu>(job); break;
    case StageVariant::General: run<K, StageVariant::General>(job); break;
  }
}

}  // namespace

AI8X_AVX2 void run_avx2(const Job& job) {
  if (job.kind == DataKind::U8) {
    run_kind<DataKind::U8>(job);
  } else {
    run_kind<DataKind::S16>(job);
  }
}

AI8X_AVX2 void minmax_avx2(const int64_t* v, size_t n, int64_t& lo, int64_t& hi) {
  // Two independent min/max chains hide the compare-and-blend latency.
  __m256i mn0 = _mm256_set1_epi64x(std::numeric_limits<int64_t>::max());
  __m256i mx0 = _mm256_set1_epi64x(std::numeric_limits<int64_t>::min());
  __m256i mn1 = mn0;
  __m256i mx1 = mx0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i x0 = load(v + i);
    const __m256i x1 = load(v + i + 4);
    mn0 = _mm256_blendv_epi8(mn0, x0, _mm256_cmpgt_epi64(mn0, x0));
    mx0 = _mm256_blendv_epi8(mx0, x0, _mm256_cmpgt_epi64(x0, mx0));
    mn1 = _mm256_blendv_epi8(mn1, x1, _mm256_cmpgt_epi64(mn1, x1));
    mx1 = _mm256_blendv_epi8(mx1, x1, _mm256_cmpgt_epi64(x1, mx1));
  }
  mn0 = _mm256_blendv_epi8(mn0, mn1, _mm256_cmpgt_epi64(mn0, mn1));
  mx0 = _mm256_blendv_epi8(mx0, mx1, _mm256_cmpgt_epi64(mx1, mx0));
  alignas(32) int64_t a[4];
  alignas(32) int64_t b[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a), mn0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), mx0);
  lo = a[0];
  hi = b[0];
  for (int k = 1; k < 4; ++k) {
    lo = a[k] < lo ? a[k] : lo;
    hi = b[k] > hi ? b[k] : hi;
  }
  for (; i < n; ++i) {
    lo = v[i] < lo ? v[i] : lo;
    hi = v[i] > hi ? v[i] : hi;
  }
}

AI8X_AVX2 bool equal_avx2(const int64_t* a, const int16_t* b, size_t n) {
  __m256i diff = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i narrow = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i));
    diff = _mm256_or_si256(diff, _mm256_xor_si256(load(a + i), _mm256_cvtepi16_epi64(narrow)));
    diff = _mm256_or_si256(diff, _mm256_xor_si256(load(a + i + 4), _mm256_cvtepi16_epi64(_mm_srli_si128(narrow, 8))));
  }
  bool same = _mm256_testz_si256(diff, diff) != 0;
  for (; i < n; ++i) same = same && a[i] == b[i];
  return same;
}

}  // namespace ai8x::core::kernels

#endif
