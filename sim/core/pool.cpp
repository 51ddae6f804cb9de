#include "core/pool.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace ai8x::core {

namespace {

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
  check_params(p);
  const int oh = checked_extent(in.h, p.size[0], p.stride[0], p.dilation[0]);
  const int ow = checked_extent(in.w, p.size[1], p.stride[1], p.dilation[1]);
  if ((oh - 1) * p.stride[0] + (p.size[0] - 1) * p.dilation[0] >= in.h ||
      (ow - 1) * p.stride[1] + (p.size[1] - 1) * p.dilation[1] >= in.w) {
    throw Error(
        "the last pooling window reads past the input (pool size ≥ 3 with dilation ≥ 2 "
        "and these dimensions is not supported)");
  }
  const int64_t count = static_cast<int64_t>(p.size[0]) * p.size[1];
  Tensor out(in.c, oh, ow);
  for (int ch = 0; ch < in.c; ++ch) {
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        int64_t sum = 0;
        int64_t max = std::numeric_limits<int64_t>::min();
        for (int ky = 0; ky < p.size[0]; ++ky) {
          for (int kx = 0; kx < p.size[1]; ++kx) {
            const int64_t v = in.at(ch, oy * p.stride[0] + ky * p.dilation[0], ox * p.stride[1] + kx * p.dilation[1]);
            sum += v;
            max = std::max(max, v);
          }
        }
        out.at(ch, oy, ox) = p.kind == PoolKind::Max ? max : average(sum, count, p.rounding);
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

}  // namespace ai8x::core
