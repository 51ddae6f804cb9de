#include "core/eltwise.hpp"

#include "core/error.hpp"
#include "core/quantize.hpp"

namespace ai8x::core {

int64_t combine(int64_t a, int64_t b, EltwiseOp op) {
  switch (op) {
    case EltwiseOp::Add: return a + b;
    case EltwiseOp::Sub: return a - b;
    case EltwiseOp::Or: return a | b;
    case EltwiseOp::Xor: return a ^ b;
  }
  return a;
}

Tensor eltwise(std::span<const Tensor> operands, EltwiseOp op, bool saturate) {
  if (operands.empty()) throw Error("element-wise operation without operands");
  const Tensor& first = operands[0];
  for (const Tensor& t : operands) {
    if (t.c != first.c || t.h != first.h || t.w != first.w) {
      throw Error("element-wise operands differ in shape");
    }
  }
  Tensor out = first;
  for (size_t k = 1; k < operands.size(); ++k) {
    const auto& src = operands[k].v;
    for (size_t i = 0; i < out.v.size(); ++i) out.v[i] = combine(out.v[i], src[i], op);
  }
  if (saturate) {
    for (int64_t& v : out.v) v = saturate8(v);
  }
  return out;
}

}  // namespace ai8x::core
