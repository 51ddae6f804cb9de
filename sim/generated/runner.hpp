#pragma once
// `--generated DIR`: a folder the generator wrote, compiled for the host
// (host_build), run as the board runs it — main() from the start — with every
// accelerator access routed to the SystemC model (mmio_trap + hw::LiveBus).
// The verdict is the generated code's own: its check_output() prints
// "*** PASS ***" or fail() prints "*** FAIL ***".
#include <cstdint>
#include <string>
#include <vector>

#include "device.hpp"
#include "hw/replay.hpp"

namespace ai8x::generated {

struct RunOptions {
  double clock_mhz = 50;
  unsigned timeout_seconds = 600;  // wall time before a hanging program is stopped
  bool isolate = true;             // run in a child process (generated/isolation.hpp)
};

struct RunResult {
  enum class Outcome { Pass, Fail, NoVerdict, Fault };
  Outcome outcome = Outcome::NoVerdict;
  std::string console;           // everything the program printed
  std::string fault;             // Fault: why the run stopped (access nothing answers, no interrupt, timeout)
  std::vector<uint32_t> unload;  // the words cnn_unload() wrote (empty when the folder has none)
  int declared_outputs = 0;      // CNN_NUM_OUTPUTS of cnn.h
  size_t overrun_bytes = 0;      // how far the program wrote past its static data
  hw::ReplayResult model;        // the accelerator after the run
  double inference_us = 0;       // simulated time the accelerator was busy
  uint64_t bus_accesses = 0;
  std::vector<std::string> sources;  // the files compiled
};

// Throws ai8x::Error (exit 2) when the folder is incomplete or does not
// compile; everything the program does is reported in the result.
RunResult run_generated(const std::string& folder, const Device& device, const RunOptions& options);

}  // namespace ai8x::generated
