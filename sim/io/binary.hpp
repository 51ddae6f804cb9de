#pragma once
// Raw element decoding shared by the .npy and checkpoint readers.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace ai8x::io {

// The `size`-byte unsigned integer at `p` (size <= 8) in the given byte order.
inline uint64_t load_bits(const uint8_t* p, size_t size, bool big_endian) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) v = (v << 8) | p[big_endian ? i : size - 1 - i];
  return v;
}

// IEEE 754 binary16 to double (exact).
inline double half_to_double(uint16_t h) {
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double value = 0;
  if (exponent == 0) {
    value = std::ldexp(mantissa, -24);
  } else if (exponent == 31) {
    value = mantissa == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    value = std::ldexp(mantissa + 1024, exponent - 25);
  }
  return (h & 0x8000) != 0 ? -value : value;
}

}  // namespace ai8x::io
