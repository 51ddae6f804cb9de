#include "core/conv_image.hpp"

#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace ai8x::core {

namespace {

// An image byte's value (int8 is signed on purpose).
int64_t value(int8_t v) {
  return v;
}

}  // namespace

Tensor to_tensor(const Image8& image) {
  Tensor t(image.c, image.h, image.w);
  const size_t plane = static_cast<size_t>(image.h) * image.w;
  for (size_t pixel = 0; pixel < plane; ++pixel) {
    const int8_t* src = image.v.data() + pixel * image.c;
    for (int ch = 0; ch < image.c; ++ch) t.v[ch * plane + pixel] = value(src[ch]);
  }
  return t;
}

Image8 to_image(const Tensor& t) {
  Image8 image;
  image.c = t.c;
  image.h = t.h;
  image.w = t.w;
  image.v.resize(t.size());
  image.nonnegative = true;
  const size_t plane = static_cast<size_t>(t.h) * t.w;
  for (int ch = 0; ch < t.c; ++ch) {
    for (size_t pixel = 0; pixel < plane; ++pixel) {
      const int64_t value = t.v[ch * plane + pixel];
      if (value < -128 || value > 127) throw Error("value " + std::to_string(value) + " does not fit int8");
      image.v[pixel * t.c + ch] = static_cast<int8_t>(value);
      image.nonnegative = image.nonnegative && value >= 0;
    }
  }
  return image;
}

}  // namespace ai8x::core
