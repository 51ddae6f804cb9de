#pragma once
// --compare-programming FILE: the generator's programming of a network (its
// registers.txt, or the literal writes of its cnn.c) against ai8xsim's
// configuration compiler's, decoded register by register; with a known answer
// both programs also run on the model, so a KAT failure of one of them is
// traced to the first register the two disagree on.
#include <string>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::cli {

struct CompareArgs {
  std::string reference;                   // registers.txt or cnn.c
  std::string config;                      // the YAML (program-only keys)
  std::vector<std::string> program_flags;  // generator switches that shape only the program
  std::string expected;                    // known answer, or empty
  double clock_mhz = 50;
};

// Exit code: 0 when both programs leave the accelerator in the same state
// (and, with a known answer, agree on it), 1 otherwise. Bad input throws.
int run_compare_programming(const Network& net, const CompareArgs& a);

}  // namespace ai8x::cli
