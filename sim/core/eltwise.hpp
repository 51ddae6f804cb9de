#pragma once
// Element-wise operations of 2–16 operands, fused in flight with pooling and an
// optional convolution (hw-facts §4.6, conventions §2.7).
#include <cstdint>
#include <span>

#include "core/tensor.hpp"

namespace ai8x::core {

enum class EltwiseOp { Add, Sub, Or, Xor };

// One step a ∘ b in exact arithmetic. Or/Xor act on the two's-complement bit
// patterns; for int8 operands that is the byte operation, sign-extended.
int64_t combine(int64_t a, int64_t b, EltwiseOp op);

// op0 ∘ op1 ∘ … left to right (sub: op0 − op1 − op2 …) in exact arithmetic,
// then, when `saturate` is set (every 8-bit result), clamped to [−128, 127].
// All operands must have the same shape; at least one operand.
Tensor eltwise(std::span<const Tensor> operands, EltwiseOp op, bool saturate = true);

}  // namespace ai8x::core
