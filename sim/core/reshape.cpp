#include "core/reshape.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace ai8x::core {

namespace {

std::string shape_string(const Tensor& t) {
  return std::to_string(t.c) + "x" + std::to_string(t.h) + "x" + std::to_string(t.w);
}

}  // namespace

Tensor concat_channels(std::span<const Tensor> parts) {
  if (parts.empty()) throw Error("nothing to concatenate");
  int channels = 0;
  for (const Tensor& p : parts) {
    if (p.h != parts[0].h || p.w != parts[0].w) {
      throw Error("cannot concatenate channels of " + shape_string(parts[0]) + " and " + shape_string(p) +
                  " data: the dimensions differ");
    }
    channels += p.c;
  }
  Tensor out(channels, parts[0].h, parts[0].w);
  auto dst = out.v.begin();
  for (const Tensor& p : parts) dst = std::copy(p.v.begin(), p.v.end(), dst);
  return out;
}

Tensor concat_pixels(std::span<const Tensor> parts) {
  if (parts.empty()) throw Error("nothing to concatenate");
  size_t pixels = 0;
  for (const Tensor& p : parts) {
    if (p.c != parts[0].c) {
      throw Error("cannot concatenate " + shape_string(parts[0]) + " and " + shape_string(p) +
                  " data: neither the dimensions nor the channel counts match");
    }
    pixels += static_cast<size_t>(p.h) * p.w;
  }
  Tensor out(parts[0].c, static_cast<int>(pixels), 1);
  auto dst = out.v.begin();
  for (int ch = 0; ch < out.c; ++ch) {
    for (const Tensor& p : parts) {
      const auto first = p.v.begin() + static_cast<std::ptrdiff_t>(p.index(ch, 0, 0));
      dst = std::copy(first, first + static_cast<std::ptrdiff_t>(p.h) * p.w, dst);
    }
  }
  return out;
}

std::vector<Tensor> split_channels(const Tensor& t, int count) {
  if (count < 1 || t.c % count != 0) {
    throw Error(std::to_string(t.c) + " input channels cannot be split into " + std::to_string(count) +
                " element-wise operands");
  }
  const int per = t.c / count;
  const auto block = static_cast<std::ptrdiff_t>(per) * t.h * t.w;
  std::vector<Tensor> out;
  for (int k = 0; k < count; ++k) {
    Tensor part(per, t.h, t.w);
    std::copy(t.v.begin() + k * block, t.v.begin() + (k + 1) * block, part.v.begin());
    out.push_back(std::move(part));
  }
  return out;
}

std::vector<Tensor> split_columns(const Tensor& t, int count) {
  if (count < 1 || t.w % count != 0) {
    throw Error("input width " + std::to_string(t.w) + " cannot be split into " + std::to_string(count) +
                " interleaved element-wise operands");
  }
  std::vector<Tensor> out;
  for (int k = 0; k < count; ++k) {
    Tensor part(t.c, t.h, t.w / count);
    for (int ch = 0; ch < t.c; ++ch) {
      for (int y = 0; y < t.h; ++y) {
        for (int x = 0; x < part.w; ++x) part.at(ch, y, x) = t.at(ch, y, x * count + k);
      }
    }
    out.push_back(std::move(part));
  }
  return out;
}

Tensor crop_rows(const Tensor& t, int top, int bottom) {
  if (top < 0 || bottom < 0) throw Error("negative `in_crop`");
  if (top == 0 && bottom == 0) return t;
  // Python's rows[top:-bottom]: a bottom of 0 means "up to row 0", i.e. nothing.
  const int end = bottom == 0 ? 0 : t.h - bottom;
  const int rows = std::max(0, end - std::min(top, t.h));
  Tensor out(t.c, rows, t.w);
  for (int ch = 0; ch < t.c; ++ch) {
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < t.w; ++x) out.at(ch, y, x) = t.at(ch, top + y, x);
    }
  }
  return out;
}

Tensor reshape(const Tensor& t, Dims dims) {
  const size_t pixels = static_cast<size_t>(dims[0]) * static_cast<size_t>(dims[1]);
  if (dims[0] <= 0 || dims[1] <= 0 || t.size() == 0 || t.size() % pixels != 0) {
    throw Error("cannot re-interpret " + shape_string(t) + " data as [" + std::to_string(dims[0]) + ", " +
                std::to_string(dims[1]) + "]");
  }
  Tensor out = t;
  out.c = static_cast<int>(t.size() / pixels);
  out.h = dims[0];
  out.w = dims[1];
  return out;
}

Tensor flatten(const Tensor& t) {
  Tensor out = t;
  out.c = static_cast<int>(t.size());
  out.h = 1;
  out.w = 1;
  return out;
}

}  // namespace ai8x::core
