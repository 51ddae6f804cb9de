// Winograd F(2×2, 3×3) transforms in integers (core/conv_kernels.hpp).
//
// A 2×2 block of outputs of a 3×3, stride-1 correlation is
//   4·Y = Aᵀ [ Σ_c (G₂ g G₂ᵀ) ⊙ (Bᵀ d B) ] A,
// with d the 4×4 input block of channel c, g its 3×3 kernel and the integer
// matrices
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G₂ = [2 0 0; 1 1 1; 1 −1 1; 0 0 2],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
// (G₂ is twice the usual G, which keeps everything integral: the sum is exactly
// 4·Y). 16 products per channel replace 36, and every step is exact as long as
// nothing overflows, which conv.cpp proves before choosing this path.
#include <cstddef>
#include <cstdint>

#include "core/conv_kernels.hpp"

namespace ai8x::core::kernels {

void winograd_weights(const int16_t* g, int32_t* u) {
  int32_t t[4][3];  // G₂ · g
  for (int x = 0; x < 3; ++x) {
    t[0][x] = 2 * g[x];
    t[1][x] = g[x] + g[3 + x] + g[6 + x];
    t[2][x] = g[x] - g[3 + x] + g[6 + x];
    t[3][x] = 2 * g[6 + x];
  }
  for (int i = 0; i < 4; ++i) {  // · G₂ᵀ
    u[4 * i + 0] = 2 * t[i][0];
    u[4 * i + 1] = t[i][0] + t[i][1] + t[i][2];
    u[4 * i + 2] = t[i][0] - t[i][1] + t[i][2];
    u[4 * i + 3] = 2 * t[i][2];
  }
}

void winograd_input_portable(const WinogradInput& in) {
  const size_t plane = static_cast<size_t>(in.tiles_h) * in.tiles_w * in.stride;
  for (int ty = 0; ty < in.tiles_h; ++ty) {
    for (int tx = 0; tx < in.tiles_w; ++tx) {
      const size_t tile = (static_cast<size_t>(ty) * in.tiles_w + tx) * in.stride;
      const int16_t* d = in.data + (static_cast<size_t>(2 * ty) * in.padded_w + 2 * tx) * in.channels;
      const size_t row = static_cast<size_t>(in.padded_w) * in.channels;
      for (int c = 0; c < in.channels; ++c) {
        int32_t r[4][4];  // Bᵀ · d
        for (int x = 0; x < 4; ++x) {
          const int32_t d0 = d[0 * row + x * in.channels + c];
          const int32_t d1 = d[1 * row + x * in.channels + c];
          const int32_t d2 = d[2 * row + x * in.channels + c];
          const int32_t d3 = d[3 * row + x * in.channels + c];
          r[0][x] = d0 - d2;
          r[1][x] = d1 + d2;
          r[2][x] = d2 - d1;
          r[3][x] = d1 - d3;
        }
        for (int i = 0; i < 4; ++i) {  // · B
          int16_t* v = in.out + tile + c;
          v[(4 * i + 0) * plane] = static_cast<int16_t>(r[i][0] - r[i][2]);
          v[(4 * i + 1) * plane] = static_cast<int16_t>(r[i][1] + r[i][2]);
          v[(4 * i + 2) * plane] = static_cast<int16_t>(r[i][2] - r[i][1]);
          v[(4 * i + 3) * plane] = static_cast<int16_t>(r[i][1] - r[i][3]);
        }
      }
      for (int c = in.channels; c < in.stride; ++c) {
        for (int k = 0; k < 16; ++k) in.out[tile + c + k * plane] = 0;
      }
    }
  }
}

void winograd_output_portable(const WinogradOutput& out) {
  const int tiles = out.tiles_h * out.tiles_w;
  const size_t plane = static_cast<size_t>(out.channels) * tiles;  // one transform position
  for (int o = 0; o < out.channels; ++o) {
    for (int ty = 0; ty < out.tiles_h; ++ty) {
      for (int tx = 0; tx < out.tiles_w; ++tx) {
        const int32_t* m = out.m + static_cast<size_t>(o) * tiles + ty * out.tiles_w + tx;
        int32_t s[2][4];  // Aᵀ · M
        for (int x = 0; x < 4; ++x) {
          const int32_t m0 = m[(0 + x) * plane];
          const int32_t m1 = m[(4 + x) * plane];
          const int32_t m2 = m[(8 + x) * plane];
          const int32_t m3 = m[(12 + x) * plane];
          s[0][x] = m0 + m1 + m2;
          s[1][x] = m1 - m2 - m3;
        }
        for (int i = 0; i < 2; ++i) {  // · A, then ÷ 4 (exact)
          const int y = 2 * ty + i;
          if (y >= out.out_h) break;
          int32_t* dst = out.out + (static_cast<size_t>(o) * out.out_h + y) * out.out_w;
          const int32_t y0 = (s[i][0] + s[i][1] + s[i][2]) >> 2;
          const int32_t y1 = (s[i][1] - s[i][2] - s[i][3]) >> 2;
          dst[2 * tx] = apply_stage(y0 + out.bias[o], out.stage);
          if (2 * tx + 1 < out.out_w) dst[2 * tx + 1] = apply_stage(y1 + out.bias[o], out.stage);
        }
      }
    }
  }
}

}  // namespace ai8x::core::kernels
