#pragma once
// The "fast" model: runs a resolved Network layer by layer on whole tensors with
// the arithmetic core (sim/core). No memories, no timing; it computes what the
// izer's known answer is generated from.
//
// Per layer, in this order (conventions §1.3, §1.6, §2.7):
//   1. input  = previous executed layer's output (net.input for the first), or
//               the `in_sequences` outputs concatenated along channels
//               (−1 = net.input; parts of equal C but different H×W are joined
//               pixel-wise and re-read through `in_dim`);
//   2. operands: K channel blocks (or, with --legacy-test on non-first layers,
//               K interleaved column sets);
//   3. each operand: in_crop rows, then re-interpretation as in_dim;
//   4. pool_first: pool each operand, then the element-wise op; otherwise the
//               element-wise op first, then pool (Conv1d: 1-D pooling);
//   5. operator (flatten first if set), then the output stage: 8-bit =
//               activation(saturate(round(shift(acc)))), 32-bit = raw acc.
// Every computed shape is checked against the spec; a mismatch throws
// ai8x::Error with the layer set.
#include <optional>
#include <vector>

#include "core/tensor.hpp"
#include "spec/network.hpp"

namespace ai8x {

struct LayerTrace {
  int layer = 0;
  Tensor input;   // assembled input (concat / operands / crop / reshape), operands stacked on C
  Tensor pooled;  // after pooling and the element-wise op: what the operator consumes
  Tensor output;  // int8 values, or the 32-bit accumulator (two's-complement wrapped)
};

struct EngineResult {
  std::vector<std::optional<LayerTrace>> layers;  // indexed by LayerSpec::index; only executed layers set
};

struct EngineOptions {
  bool keep_traces = true;  // false: only `output` is kept (input/pooled left empty)
};

// Reads from net.options only what changes the arithmetic of a layer as
// described (avg_pool_rounding, legacy_test); every other switch (--no-bias,
// --ignore-activation, --output-width, ...) must already be resolved into the
// LayerSpecs by spec::build_network.
EngineResult run_network(const Network& net, const EngineOptions& opt = {});

}  // namespace ai8x
