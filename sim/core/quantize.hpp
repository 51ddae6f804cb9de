#pragma once
// Output stage of a processor: the accumulator is scaled by the layer's total
// output shift, rounded, saturated to int8 and activated (hw-facts §4.2–4.4,
// conventions §2.7). 32-bit layers write the raw accumulator instead.
#include <cstdint>

#include "core/tensor.hpp"

namespace ai8x::core {

enum class Activation { None, ReLU, Abs };

inline constexpr int64_t kInt8Min = -128;
inline constexpr int64_t kInt8Max = 127;
inline constexpr int kMaxShift = 15;        // |total output shift| the POST register can hold
inline constexpr int64_t kBiasScale = 128;  // bias bytes are added as B << 7

// floor(acc · 2^shift / 128 + 1/2): the Q7 normalisation with the layer shift,
// rounding ties toward +inf. shift in [-15, 15]. Exact for |acc| < 2^40; larger
// magnitudes are first limited to ±2^40, which keeps the result far outside the
// int8 range with the same sign (so a following saturate() is still exact).
int64_t shift_round(int64_t acc, int shift);

// Clamp to [-128, 127] (the implicit Hardtanh of every 8-bit output).
int64_t saturate8(int64_t v);

// Activation applied after saturation: ReLU -> [0, 127], Abs -> |y| capped at
// 127 (so |-128| = 127).
int64_t activate(int64_t y, Activation act);

// The full 8-bit output path: activate(saturate8(shift_round(acc, shift))).
int64_t output8(int64_t acc, int shift, Activation act);

// A 32-bit output word: the accumulator in 32-bit two's complement (wraps).
int64_t output32(int64_t acc);

// Whole-tensor versions. Throw ai8x::Error when |shift| > 15.
Tensor output8(const Tensor& acc, int shift, Activation act);
Tensor output32(const Tensor& acc);

}  // namespace ai8x::core
