#pragma once
// Register-trace replay: a bus initiator plays every access of a registers.txt
// (io::Trace) into the accelerator model through TLM b_transport, in program
// order and in simulated time, and returns the final data memories.
//
// SystemC elaborates once per process, so the first replay elaborates one
// accelerator per device (with its driver); later replays reset and reuse
// them. Replays run one after another, never concurrently.
#include <cstdint>
#include <string>
#include <vector>

#include "device.hpp"
#include "hw/accelerator.hpp"
#include "hw/access_log.hpp"
#include "io/trace.hpp"

namespace ai8x::hw {

struct ReplayOptions {
  double clock_mhz = 50;          // CNN clock
  bool access_log = false;        // record every data-memory access of the layers
  uint64_t poll_limit = 1 << 20;  // reads of one R32 poll before it is an error
  uint64_t irq_timeout_cycles = uint64_t{1} << 36;
  std::string file_for_errors;
  LayerDone after_layer;  // called after every layer with a view of the memories
  // When the run stops with an error, the accesses logged until then (with
  // access_log), so the caller can still say what went wrong in memory.
  AccessLog* log_before_error = nullptr;
  // Waveform file (VCD) of the run: layer, busy, irq, processor enables, FIFO
  // levels. Only the first replay of a process can trace (SystemC opens trace
  // files before the simulation starts).
  std::string vcd;  // names the trace in error messages
};

struct ReplayResult {
  const Device* device = nullptr;
  std::vector<std::vector<uint32_t>> memories;     // the 16 data memories (quadrant·4 + instance), in words
  std::vector<LayerRecord> layers;                 // executed layers in order
  uint64_t total_cycles = 0;                       // accelerator busy cycles (startup + layers)
  double simulated_seconds = 0;                    // simulated time the trace took
  size_t ops = 0;                                  // bus operations played
  AccessLog access_log;                            // when ReplayOptions::access_log
  std::vector<KernelOverwrite> kernel_overwrites;  // kernels lost to a second load

  // The data-memory word at an absolute bus address (0 outside the memories).
  [[nodiscard]] uint32_t read32(uint32_t address) const;
};

// Throws ai8x::Error (naming the trace file and line) for a write no memory or
// register answers to, a poll that never holds, an interrupt that never comes,
// or a layer configuration that makes no sense.
ReplayResult replay(const Device& device, const io::Trace& trace, const ReplayOptions& options);

// The process's accelerator for `device`, reset and clocked, for bus masters
// that run outside SystemC between sc_start() calls (hw/live_bus.hpp).
Accelerator& prepared_accelerator(const Device& device, double clock_mhz);

// The accelerator's data memories, executed layers and busy cycles now.
ReplayResult snapshot(const Device& device, Accelerator& acc);

}  // namespace ai8x::hw
