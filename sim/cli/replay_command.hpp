#pragma once
// `--replay registers.txt`: plays a register trace into the SystemC model of
// the accelerator and gives the known-answer verdict from its data memories.
#include <string>

namespace ai8x::cli {

struct ReplayArgs {
  std::string trace;     // registers.txt
  std::string expected;  // expected.json or sampleoutput.h; default: expected.json beside the trace
  std::string device;    // overrides the trace's "# device:" header
  double clock_mhz = 50;
  std::string vcd;            // waveform file, or empty
  bool layer_report = false;  // per-layer decoded configuration and cycles
};

// Exit code: 0 pass (or nothing to compare), 1 mismatch. Bad input throws
// ai8x::Error (the caller prints it and exits 2).
int run_replay(const ReplayArgs& args);

}  // namespace ai8x::cli
