#pragma once
// --compare-programming: two programs for the same network — the generator's
// (registers.txt, or the literal writes of its cnn.c) and ai8xsim's
// configuration compiler's — compared by what they leave in the accelerator
// when the master quadrant is enabled: the value of every register, every
// kernel, bias, TRAM and data-memory word, and the words pushed through the
// FIFOs afterwards. Write order and repeated writes do not matter, only the
// state the hardware starts from, so a difference is always one a run could
// see. Registers are reported decoded (layer, quadrant, name, fields).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "device.hpp"
#include "io/trace.hpp"
#include "register_map.hpp"

namespace ai8x {

// What a program leaves in the accelerator at the start (master enable).
struct ProgramState {
  std::map<uint32_t, uint32_t> registers;           // address → last value written before the start
  std::vector<uint32_t> register_order;             // register addresses in the order first written
  std::map<uint32_t, uint32_t> memory;              // kernel/bias/TRAM/data word address → value (byte writes merged)
  std::vector<std::pair<uint32_t, uint32_t>> fifo;  // FIFO and fast-FIFO data writes (address, value), in order
  bool started = false;                             // the program enables the master quadrant
};

ProgramState program_state(const Device& device, const io::Trace& trace);

struct RegisterDifference {
  uint32_t address = 0;
  AddressTarget target;
  std::optional<uint32_t> reference;  // nullopt: never written by that program
  std::optional<uint32_t> ours;
};

// Differences of one kind of memory (kernels, bias, TRAM, data).
struct MemoryDifference {
  std::string what;  // "kernel memory", "bias memory", "TRAM", "data memory (input)"
  size_t compared = 0;
  size_t differing = 0;
  uint32_t first_address = 0;  // first differing word (lowest address)
  std::optional<uint32_t> first_reference;
  std::optional<uint32_t> first_ours;
};

struct ProgrammingDiff {
  size_t registers_compared = 0;
  std::vector<RegisterDifference> registers;  // differing ones, in the reference program's order
  std::vector<MemoryDifference> memories;     // one entry per memory kind either program writes
  bool reference_has_memory = true;           // false for a cnn.c (its tables are not literal writes)
  size_t fifo_reference = 0;
  size_t fifo_ours = 0;
  std::optional<size_t> fifo_first_difference;  // index of the first differing FIFO write

  [[nodiscard]] bool same() const;
};

ProgrammingDiff compare_programming(const Device& device, const io::Trace& reference, const io::Trace& ours);

// The report: the first differing register with both decoded values (the
// finding), up to `max_registers` more, and one line per memory kind and for
// the FIFO stream. `reference_name` names the generator's program ("cnn.c").
std::string format_programming_diff(const Device& device, const ProgrammingDiff& diff,
                                    const std::string& reference_name, size_t max_registers = 10);

}  // namespace ai8x
