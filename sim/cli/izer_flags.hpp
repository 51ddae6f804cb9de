#pragma once
// Every ai8xize.py switch, under the izer's own name, so a user can paste the
// tail of an izer command line. Switches that change numbers, layout or timing
// fill IzerOptions; those that only shape generated code are accepted and
// recorded in `ignored` (listed with --verbose).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::cli {

struct IzerFlagSink {
  IzerOptions* options = nullptr;
  std::vector<std::string> ignored;  // flags given that do not affect simulation
  // Raw strings of the flags that need parsing after CLI11 ran.
  std::string no_bias;
  bool no_bias_given = false;
  std::string streaming_layers;
  std::string input_offset, apb_base, synthesize_input;
  int input_csv_format = 0;
};

void add_izer_flags(CLI::App& app, IzerFlagSink& sink);

// Converts the raw strings (base-prefixed integers, comma lists). Throws
// ai8x::Error naming the flag.
void finish_izer_flags(const CLI::App& app, IzerFlagSink& sink);

}  // namespace ai8x::cli
