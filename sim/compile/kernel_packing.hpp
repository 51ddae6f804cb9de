#pragma once
// How one layer's kernels are laid out in the kernel memory words of its
// input processors (hw-facts §4.8): per input processor one slot per output
// processor position (gaps and the `first output processor % 4` leading
// slots stay empty), `passes` kernels per slot, sub-byte weights of 8/bits
// output channels sharing one byte.
#include <cstdint>

#include "compile/kernel_memory.hpp"
#include "compile/layer_kernels.hpp"

namespace ai8x::compile {

// The order the slots take the layer's output channels in.
enum class OutputOrder {
  Natural,
  Calcx4,          // 0, 4, 8, …, 1, 5, 9, …
  QuadInterleave,  // fast-FIFO quad layer 0 with sub-byte weights: each quadrant its own group of 4
};

struct PackingGeometry {
  uint64_t processors = 0;  // input processors whose memories hold the kernels
  uint64_t output_map = 0;  // output processors
  int bits = 8;             // weight bits (binary counts 1)
  bool binary = false;      // ±1 weights: −1 → 1, +1 → 0
  int per_byte = 1;         // output channels sharing one kernel byte (8 / bits)
  int area = 1;             // hardware kernel elements
  int in_passes = 1;        // input passes the slots hold (1 when flattening)
  int in_per_pass = 0;      // input channels per pass
  int in_stride = 0;        // kernels per output channel in the kernel list
  int in_passes_layer = 1;  // the layer's own input passes
  int out_passes = 1;
  int out_per_pass = 0;
  int out_channels = 0;
  int groups = 1;
  bool flatten = false;
  int64_t flat_length = 0;  // flattening: weights per (output channel, input processor)
  int leading_slots = 0;    // first output processor % 4
  bool quad = false;        // fast-FIFO quad mode: the words of layer 0 rotate over the quadrants
  OutputOrder output_order = OutputOrder::Natural;
  int length = 0;  // "Kernel length" (words per processor) before packing
  int count = 0;   // "Kernel count"
};

PackingGeometry packing_geometry(const Network& net, const LayerSpec& l, const LayerKernels& k, bool calcx4);

// Writes the layer's kernel bytes into `mem` from column `column`; returns the
// final "Kernel length" (flattening layers report the words actually used).
int pack_layer(KernelMemories& mem, const Network& net, const LayerSpec& l, const LayerKernels& k,
               const PackingGeometry& g, int column);

}  // namespace ai8x::compile
