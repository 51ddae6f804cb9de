#pragma once
// A known-answer case folder resolved into its network and program options
// exactly as `ai8xsim --case DIR` resolves them (case_arguments + the
// generator-switch mapping of izer_flags), for tests and tools that need the
// Network without going through the command line.
#include <string>

#include "compile/options.hpp"
#include "spec/network.hpp"

namespace ai8x::cli {

struct CaseNetwork {
  Network net;
  compile::CompileOptions program;  // with the program-only switches and YAML keys applied
  std::string config;               // the case's YAML
  std::string expected;             // its expected.json
};

// Throws ai8x::Error naming case.json, the YAML or the weights for bad input.
CaseNetwork load_case_network(const std::string& dir);

}  // namespace ai8x::cli
