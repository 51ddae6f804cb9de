#pragma once
// Internal to sim/core: the narrow-integer convolution kernels behind conv2d.
//
// A convolution is run as a matrix product. Data sit in a zero-padded HWC
// buffer; each output pixel's window is read as "K-groups" of G consecutive
// elements (G = 4 for uint8 data, 2 for int16 data) at fixed offsets from the
// pixel's first element, and weights are packed per block of 16 output
// channels as [group][16 channels][G]. A kernel computes 4 pixels × 16 output
// channels at a time with int32 sums, adds the bias and applies the output
// stage in int32, then writes the results to an int64 C×(pixels) plane.
//
// Every kernel computes exactly Σ x·w: the caller (conv.cpp) only selects a
// narrow kernel after proving that no intermediate can overflow (see
// NarrowBounds there), so the portable and SIMD kernels agree bit for bit.
#include <cstddef>
#include <cstdint>

#include "core/quantize.hpp"

namespace ai8x::core::kernels {

inline constexpr int kBlockOc = 16;  // output channels per weight block
inline constexpr int kTilePx = 4;    // output pixels per tile

enum class DataKind {
  U8,   // uint8 data, int8 weights, G = 4 (pairs of products fit int16: |x| ≤ 127 or |w| small)
  S16,  // int16 data, int16 weights, G = 2
};

constexpr int group_size(DataKind k) {
  return k == DataKind::U8 ? 4 : 2;
}

// What the kernel writes per output: the accumulator with the bias, then
//   Raw: unchanged (the caller has proved it is the exact int64 value);
//   Out8: activate(saturate8(shift_round(v, shift)));
//   Out32: activate(v) (a 32-bit layer's word; |v| < 2^31 is proved).
enum class StageKind { Raw, Out8, Out32 };

struct Stage {
  StageKind kind = StageKind::Raw;
  int shift = 0;
  Activation act = Activation::None;
};

// Output stage on an int32 accumulator (|acc| ≤ 2^30 guaranteed by the caller).
inline int32_t apply_stage(int32_t v, const Stage& s) {
  if (s.kind == StageKind::Raw) return v;
  if (s.kind == StageKind::Out8) {
    if (s.shift < 7) {
      const int right = 7 - s.shift;
      v = (v + (int32_t{1} << (right - 1))) >> right;
    } else {
      v = (v < -65536 ? -65536 : v > 65536 ? 65536 : v) * (int32_t{1} << (s.shift - 7));
    }
    v = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  switch (s.act) {
    case Activation::None: return v;
    case Activation::ReLU: return v < 0 ? 0 : v > 127 ? 127 : v;
    case Activation::Abs: {
      const int32_t a = v < 0 ? -v : v;
      return a > 127 ? 127 : a;
    }
  }
  return v;
}

struct Job {
  DataKind kind = DataKind::U8;
  const void* data = nullptr;             // HWC buffer (uint8_t or int16_t), readable past every group
  const int32_t* pixel_offset = nullptr;  // per pixel (padded to whole tiles): element offset of its window
  int pixels = 0;                         // real output pixels
  const int32_t* group_offset = nullptr;  // per K-group: element offset inside the window
  // Pixels run in tiles: pixels / kTilePx whole tiles, then one tile per
  // remaining pixel. Per tile, the K-groups [tile_begin, tile_end) are run;
  // groups that only read padding rows for every pixel of the tile are skipped.
  const int32_t* tile_begin = nullptr;
  const int32_t* tile_end = nullptr;
  const void* weights = nullptr;  // per block: [groups][kBlockOc][G] int8 (U8) or int16 (S16)
  int groups = 0;                 // K-groups per block
  int blocks = 0;
  const int32_t* bias = nullptr;  // blocks·kBlockOc values, already ×128
  int out_channels = 0;           // channels written (≤ blocks·kBlockOc)
  int64_t* out = nullptr;         // out[o·out_plane + pixel]
  size_t out_plane = 0;
  int8_t* out8 = nullptr;  // if set (8-bit stages only): also out8[pixel·out8_stride + o]
  size_t out8_stride = 0;
  Stage stage;
};

void run_portable(const Job& job);

// x86 builds also get AVX2 kernels, chosen at run time (AI8X_NO_SIMD leaves
// them out, to check the portable-only build).
#if (defined(__x86_64__) || defined(__i386__)) && !defined(AI8X_NO_SIMD)
#define AI8X_HAVE_AVX2_KERNELS 1
void run_avx2(const Job& job);
// min and max of a span of int64 (n > 0).
void minmax_avx2(const int64_t* v, size_t n, int64_t& lo, int64_t& hi);
// a[i] == b[i] for all i < n.
bool equal_avx2(const int64_t* a, const int16_t* b, size_t n);
#endif

}  // namespace ai8x::core::kernels
