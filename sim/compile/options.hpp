#pragma once
// Switches of the configuration compiler (placement only; no numeric effect).
#include <algorithm>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::compile {

struct CompileOptions {
  int weight_start = 0;             // --weight-start N: first kernel memory column to search from
  bool deduplicate_weights = true;  // --no-deduplicate-weights turns sharing of identical kernels/biases off
  bool calcx4_all = false;          // --calcx4
  std::vector<int> calcx4_layers;   // layers with YAML `calcx4: true` (MAX78002)

  [[nodiscard]] bool calcx4(int layer) const {
    return calcx4_all || std::find(calcx4_layers.begin(), calcx4_layers.end(), layer) != calcx4_layers.end();
  }
};

// The options a resolved network carries (--weight-start, --no-deduplicate-weights,
// --calcx4, YAML `calcx4`).
inline CompileOptions compile_options(const Network& net) {
  CompileOptions c;
  c.weight_start = net.options.weight_start;
  c.deduplicate_weights = net.options.deduplicate_weights;
  c.calcx4_all = net.options.calcx4;
  for (const auto& l : net.layers) {
    if (l.calcx4) c.calcx4_layers.push_back(l.index);
  }
  return c;
}

}  // namespace ai8x::compile
