#pragma once
// 8-bit data in the convolution kernels' own layout (HWC, one byte per value).
// A layer's 8-bit output can leave the kernels in this form as well as in the
// int64 C×H×W tensor; the engine hands it to the next layer (and its pooling)
// so the data need not be range-checked and transposed again.
#include <cstdint>
#include <vector>

#include "core/tensor.hpp"

namespace ai8x::core {

struct Image8 {
  int c = 0, h = 0, w = 0;
  std::vector<int8_t> v;     // value (ch, y, x) at (y·w + x)·c + ch
  bool nonnegative = false;  // every value ≥ 0 (after ReLU or Abs): the uint8 kernels apply

  [[nodiscard]] int8_t at(int ch, int y, int x) const { return v[(static_cast<size_t>(y) * w + x) * c + ch]; }
  bool operator==(const Image8&) const = default;
};

// The same values as an int64 C×H×W tensor.
Tensor to_tensor(const Image8& image);

// The image of a tensor whose values all fit int8; throws ai8x::Error otherwise.
Image8 to_image(const Tensor& t);

}  // namespace ai8x::core
