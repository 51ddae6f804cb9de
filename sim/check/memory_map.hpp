#pragma once
// --memory-map: a self-contained HTML page (inline CSS and SVG, a little
// optional script) that shows where a network lives in the accelerator: the
// data memory instances layer by layer (input and output tensors, their byte
// lanes and rows, and outputs that overwrite data a later layer still reads),
// the kernel memory of every processor and the bias memory of every quadrant
// (docs/memory-layout.md "Memory maps").
//
// The placement comes from the same code the KAT and --describe use
// (output_quads(), place_channel(), place_kernels(), place_biases()); this file
// only draws it.
#include <string>

#include "compile/bias_map.hpp"
#include "compile/kernel_map.hpp"
#include "spec/network.hpp"

namespace ai8x {

struct MemoryMapOptions {
  std::string title;              // empty: "<arch> on <device>"
  bool script = true;             // inline layer stepper (the page reads the same without it)
  int figure_panels_per_row = 5;  // memory_map_svg(): data memory panels per row
};

// The whole page. Elements carry data-* attributes with the numbers they
// draw (absolute byte ranges, kernel columns, bias entries) so that tools and
// tests can read them back.
std::string memory_map_html(const Network& net, const compile::KernelMap& kernels, const compile::BiasMap& biases,
                            const MemoryMapOptions& opt = {});

// One standalone SVG figure (for documentation): a small data memory panel
// per executed layer, the kernel memory and the bias memory.
std::string memory_map_svg(const Network& net, const compile::KernelMap& kernels, const compile::BiasMap& biases,
                           const MemoryMapOptions& opt = {});

}  // namespace ai8x
