#pragma once
// `--explain-registers FILE`: prints what a register trace (registers.txt) or a
// generated cnn.c programs, write by write, with register names and fields.
#include <string>

namespace ai8x::cli {

struct ExplainArgs {
  std::string file;         // registers.txt or cnn.c
  std::string device;       // required for a cnn.c; overrides a trace's "# device:" header
  bool all_fields = false;  // also print fields that are zero
  bool meanings = false;    // a short meaning after every field
};

// Exit code 0. Bad input throws ai8x::Error (the caller prints it and exits 2).
int run_explain(const ExplainArgs& args);

}  // namespace ai8x::cli
