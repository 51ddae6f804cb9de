#pragma once
// --generated DIR: the generator's C folder compiled for the host and run on
// the SystemC model (sim/generated), with the generated code's own verdict.
#include <string>

namespace ai8x::cli {

struct GeneratedArgs {
  std::string folder;
  std::string device;  // empty: from the generator's command line in cnn.c
  double clock_mhz = 50;
};

// Exit code: 0 when the program prints PASS, 1 when it fails, faults or
// gives no verdict. Throws ai8x::Error for an incomplete folder or a compile
// error.
int run_generated_folder(const GeneratedArgs& a);

}  // namespace ai8x::cli
