#pragma once
// A layer's kernels in the form the kernel memory holds them: one kernel per
// (output channel, input channel of its group), each kH×kW weights, after the
// vendor generator's hardware substitutions:
//  - a Conv1d with dilation d and (k−1)·d < 9 is stretched to length (k−1)·d+1
//    with zeros between the taps; a larger dilation (k ≤ 3) runs as a 3×3
//    Conv2d whose middle column holds the taps (bottom-aligned for k = 2);
//  - a 1×1 Conv2d/ConvTranspose2d among the first streaming layers runs as a
//    3×3 kernel with the weight in the centre (and its table says 3×3).
#include <cstdint>
#include <vector>

#include "compile/options.hpp"
#include "spec/network.hpp"

namespace ai8x::compile {

struct LayerKernels {
  bool present = false;
  Pair reported{1, 1};          // kernel dimensions the generator reports for the layer
  Pair size{1, 1};              // kernel size in hardware: [rows, columns]; 1-D [k, 1]
  int64_t count = 0;            // kernels (rows of `values`)
  std::vector<int64_t> values;  // count × size[0]·size[1], row-major, signed weights
  // The array shape the generator keeps; layers share kernels only when their
  // shapes, quantization and processor maps agree.
  std::vector<int64_t> shape;

  [[nodiscard]] int area() const { return size[0] * size[1]; }
};

// Every layer of the network (indexed like Network::layers). Throws
// ai8x::Error for weights whose shape does not match the layer.
std::vector<LayerKernels> layer_kernels(const Network& net);

// For each layer: the layer whose kernels it uses (itself unless identical
// kernels of an earlier layer are shared), -1 without kernels. Only layers
// below `end` take part.
std::vector<int> kernel_owners(const Network& net, const std::vector<LayerKernels>& kernels, int end,
                               const CompileOptions& opt);

}  // namespace ai8x::compile
