// Plain C++ version of the narrow convolution kernels (core/conv_kernels.hpp):
// the reference the SIMD versions are tested against, and the path on CPUs
// without them.
#include <cstddef>
#include <cstdint>

#include "core/conv_kernels.hpp"

namespace ai8x::core::kernels {

namespace {

// The value of an int8 or int16 weight (int8 is signed on purpose).
template <typename T>
int32_t widen(T v) {
  return v;
}

// Accumulates P pixels × kBlockOc channels over K-groups [begin, end). Each
// group's weights are first widened into G rows of kBlockOc channels, so the
// innermost loop is a plain multiply-add over channels the compiler can
// vectorise.
template <typename TD, typename TW, int G, int P>
void accumulate(const TD* data, const int32_t* pixel, const int32_t* group_offset, int begin, int end, const TW* w,
                int32_t (&acc)[P][kBlockOc]) {
  for (int g = begin; g < end; ++g) {
    const TW* wg = w + static_cast<ptrdiff_t>(g) * kBlockOc * G;
    int32_t rows[G][kBlockOc];
    for (int j = 0; j < kBlockOc; ++j) {
      for (int t = 0; t < G; ++t) rows[t][j] = widen(wg[j * G + t]);
    }
    for (int p = 0; p < P; ++p) {
      const TD* x = data + pixel[p] + group_offset[g];
      for (int t = 0; t < G; ++t) {
        const int32_t xt = x[t];
        for (int j = 0; j < kBlockOc; ++j) acc[p][j] += xt * rows[t][j];
      }
    }
  }
}

template <int P>
void store(const Job& job, int block, int first_pixel, const int32_t (&acc)[P][kBlockOc]) {
  for (int j = 0; j < kBlockOc; ++j) {
    const int o = block * kBlockOc + j;
    if (o >= job.out_channels) break;
    int64_t* dst = job.out + static_cast<size_t>(o) * job.out_plane + first_pixel;
    for (int p = 0; p < P; ++p) {
      const int32_t v = apply_stage(acc[p][j] + job.bias[o], job.stage);
      dst[p] = v;
      if (job.out8 != nullptr)
        job.out8[static_cast<size_t>(first_pixel + p) * job.out8_stride + o] = static_cast<int8_t>(v);
    }
  }
}

template <typename TD, typename TW>
void run(const Job& job) {
  constexpr int G = sizeof(TD) == 1 ? 4 : 2;
  const auto* data = static_cast<const TD*>(job.data);
  const int full = job.pixels / kTilePx;
  for (int b = 0; b < job.blocks; ++b) {
    const TW* w = static_cast<const TW*>(job.weights) + static_cast<ptrdiff_t>(b) * job.groups * kBlockOc * G;
    for (int t = 0; t < full; ++t) {
      int32_t acc[kTilePx][kBlockOc] = {};
      accumulate<TD, TW, G, kTilePx>(data, job.pixel_offset + t * kTilePx, job.group_offset, job.tile_begin[t],
                                     job.tile_end[t], w, acc);
      store<kTilePx>(job, b, t * kTilePx, acc);
    }
    for (int i = full * kTilePx; i < job.pixels; ++i) {
      const int t = full + (i - full * kTilePx);
      int32_t acc[1][kBlockOc] = {};
      accumulate<TD, TW, G, 1>(data, job.pixel_offset + i, job.group_offset, job.tile_begin[t], job.tile_end[t], w,
                               acc);
      store<1>(job, b, i, acc);
    }
  }
}

}  // namespace

void run_portable(const Job& job) {
  if (job.kind == DataKind::U8) {
    run<uint8_t, int8_t>(job);
  } else {
    run<int16_t, int16_t>(job);
  }
}

}  // namespace ai8x::core::kernels
