#pragma once
// A C×H×W tensor of integers, the unit every layer consumes and produces.
// 8-bit activations are stored as their signed values; 32-bit outputs hold the
// raw accumulator. 1-D data is C×L×1.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ai8x {

struct Tensor {
  int c = 0, h = 0, w = 0;
  std::vector<int64_t> v;  // row-major C, H, W

  Tensor() = default;
  Tensor(int channels, int height, int width)
      : c(channels), h(height), w(width), v(static_cast<size_t>(channels) * height * width, 0) {}

  [[nodiscard]] size_t index(int ch, int y, int x) const { return (static_cast<size_t>(ch) * h + y) * w + x; }
  int64_t& at(int ch, int y, int x) { return v[index(ch, y, x)]; }
  [[nodiscard]] int64_t at(int ch, int y, int x) const { return v[index(ch, y, x)]; }
  [[nodiscard]] size_t size() const { return v.size(); }
  bool operator==(const Tensor&) const = default;
};

}  // namespace ai8x
