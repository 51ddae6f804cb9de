#pragma once
// Switches of the configuration compiler that the resolved Network does not
// carry yet (proposed as IzerOptions/LayerSpec fields; until then the caller
// fills them from the command line and the YAML).
#include <algorithm>
#include <vector>

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

}  // namespace ai8x::compile
