#include "core/quantize.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace ai8x::core {

namespace {

// Beyond this magnitude every shift in [-15, 15] saturates, and left shifts of
// up to 8 bits cannot overflow int64.
constexpr int64_t kAccLimit = int64_t{1} << 40;

void check_shift(int shift) {
  if (shift < -kMaxShift || shift > kMaxShift) {
    throw Error("output shift " + std::to_string(shift) + " is outside [-15, 15]");
  }
}

}  // namespace

int64_t shift_round(int64_t acc, int shift) {
  acc = std::clamp(acc, -kAccLimit, kAccLimit);
  // acc · 2^shift / 128 = acc · 2^(shift - 7).
  const int right = 7 - shift;
  if (right <= 0) return acc * (int64_t{1} << -right);
  // floor(acc / 2^right + 1/2) = (acc + 2^(right-1)) >> right; >> on a signed
  // value is an arithmetic (floor) shift in C++20.
  return (acc + (int64_t{1} << (right - 1))) >> right;
}

int64_t saturate8(int64_t v) {
  return std::clamp(v, kInt8Min, kInt8Max);
}

int64_t activate(int64_t y, Activation act) {
  switch (act) {
    case Activation::None: return y;
    case Activation::ReLU: return std::clamp(y, int64_t{0}, kInt8Max);
    case Activation::Abs: return std::min(y < 0 ? -y : y, kInt8Max);
  }
  return y;
}

int64_t output8(int64_t acc, int shift, Activation act) {
  return activate(saturate8(shift_round(acc, shift)), act);
}

int64_t output32(int64_t acc) {
  return static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(acc)));
}

Tensor output8(const Tensor& acc, int shift, Activation act) {
  check_shift(shift);
  Tensor out = acc;
  for (int64_t& v : out.v) v = output8(v, shift, act);
  return out;
}

Tensor output32(const Tensor& acc) {
  Tensor out = acc;
  for (int64_t& v : out.v) v = output32(v);
  return out;
}

}  // namespace ai8x::core
