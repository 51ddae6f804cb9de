#pragma once
// `--model systemc`: the YAML path into the SystemC model. The configuration
// compiler turns the resolved network into the bus writes the generated code
// would make; the model executes them from its registers and memories; the
// known answer is read back from its data memories. The fast engine runs
// alongside, and every layer's output in the model's memories must equal it
// bit for bit.
#include <string>
#include <vector>

#include "compile/options.hpp"
#include "spec/network.hpp"

namespace ai8x::cli {

struct SystemcArgs {
  std::string config;                      // the YAML, for keys the Network does not carry
  std::vector<std::string> program_flags;  // generator switches that shape only the program ("--flag value")
  std::string expected;                    // known answer, or empty
  double clock_mhz = 50;
  bool layer_report = false;
  bool strict = false;      // hazards exit 1
  bool layer_check = true;  // fast engine alongside, per-layer comparison, access log and hazards
  std::string vcd;          // waveform file, or empty
  std::string emit_trace;   // write the compiled program as a registers.txt, or empty
  std::vector<std::string> class_names;
};

// The compile options of the network's program: the network's own, the
// generator switches that shape only the program ("--flag value") and the
// program-only keys of the YAML at `config`.
compile::CompileOptions program_options(const Network& net, const std::string& config,
                                        const std::vector<std::string>& program_flags);

// Exit code: 0 pass, 1 mismatch (or a hazard with --strict). Bad input throws ai8x::Error.
int run_systemc(const Network& net, const SystemcArgs& args);

}  // namespace ai8x::cli
