#pragma once
// --emit-c DIR: a register program written as a generated-code folder
// (sim/generated/emit_c), from a registers.txt (with --replay) or from the
// configuration compiler's program of a network.
#include <string>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::cli {

// `expected` (sampleoutput.h or expected.json) becomes the folder's
// sampleoutput.h; empty: the folder checks nothing.
int emit_c_from_trace(const std::string& trace_path, const std::string& device, const std::string& expected,
                      const std::string& dir);
int emit_c_from_network(const Network& net, const std::string& config, const std::vector<std::string>& program_flags,
                        const std::string& expected, const std::string& dir);

}  // namespace ai8x::cli
