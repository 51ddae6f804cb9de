#pragma once
// The configuration compiler's program: the exact bus accesses the vendor
// generator's C code (main.c + cnn.c) makes to run a network, in program
// order — the same records a registers.txt trace holds (io::BusOp):
//   system clock/power setup, cnn_enable, cnn_init, cnn_load_weights,
//   cnn_load_bias, cnn_configure, load_input, cnn_start, the interrupt wait
//   and the interrupt handler's writes.
// All front ends converge on these writes; the SystemC model replays them.
#include <string>
#include <vector>

#include "compile/options.hpp"
#include "io/trace.hpp"
#include "spec/network.hpp"

namespace ai8x::compile {

// What one bus access is, for listings (--emit-c, --compare-programming).
struct ProgramNote {
  int layer = -1;     // YAML layer, -1 when not layer specific
  int quadrant = -1;  // -1 when not quadrant specific
  std::string what;   // register name ("RCNT", "CTRL"), or "kernels p3", "bias", "input", "FIFO 0", ...
};

struct ProgramListing {
  io::Trace trace;                 // device name + ops
  std::vector<ProgramNote> notes;  // parallel to trace.ops
};

// Throws ai8x::Error when the network cannot be placed (kernel or bias memory
// exhausted).
ProgramListing compile_listing(const Network& net, const CompileOptions& opt);
io::Trace compile_program(const Network& net, const CompileOptions& opt);

// Where the generator's programming for this network departs from its own
// known answer, so the board fails where the generator's simulation passes:
// kernels of two layers loaded into the same words, depthwise channels
// written elsewhere than the output map says. One message per finding.
// `kernels` false: leave out the kernel overlaps (the SystemC model reports
// those itself as it loads them).
std::vector<std::string> generator_defects(const Network& net, const CompileOptions& opt, bool kernels = true);

}  // namespace ai8x::compile
