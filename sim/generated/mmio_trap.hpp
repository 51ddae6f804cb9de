#pragma once
// Routes the host's loads and stores to the accelerator's address windows to
// the model while generated code runs. Generated code reaches the accelerator
// through literal addresses (`*((volatile uint32_t *) 0x50100000) = ...`,
// addresses read from kernel tables, `addr++` loops), so the windows are
// reserved at their real addresses (all below 4 GiB, free in a 64-bit
// process) with no access rights. Each access faults; the SIGSEGV handler
// emulates exactly that one instruction with Unicorn's x86-64 CPU, whose MMIO
// callbacks perform the bus access, and resumes after it. Any instruction the
// compiler emits (mov, movzx, read-modify-write, any width) works without a
// hand-written decoder.
#include <csetjmp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ai8x::generated {

struct Window {
  uint32_t base = 0;
  uint32_t size = 0;  // a multiple of 4 KiB
};

// One bus access; false when nothing answers at `address` (an error).
using BusAccess = std::function<bool(bool is_write, uint32_t address, unsigned bytes, uint32_t& value)>;

class MmioTrap {
 public:
  // Reserves the windows and installs the handler. Throws ai8x::Error when a
  // window cannot be reserved (something else is mapped there). One trap at a
  // time per process.
  MmioTrap(std::vector<Window> windows, BusAccess access);
  ~MmioTrap();
  MmioTrap(const MmioTrap&) = delete;
  MmioTrap& operator=(const MmioTrap&) = delete;

  // Where the handler jumps (siglongjmp, value 1) when the code faults
  // outside the windows, an access finds nothing there or the bus throws;
  // the caller sets it with sigsetjmp around the generated code.
  sigjmp_buf escape{};
  // Why it jumped.
  [[nodiscard]] const std::string& fault() const { return fault_; }
  [[nodiscard]] uint64_t accesses() const { return accesses_; }

  // Internal, for the signal handler and the emulator's callbacks.
  bool emulate(void* ucontext);
  bool bus(bool is_write, uint32_t address, unsigned bytes, uint32_t& value);
  [[nodiscard]] bool inside(uintptr_t address) const;
  void fail(std::string message) { fault_ = std::move(message); }
  struct Engine;

 private:
  std::vector<Window> windows_;
  BusAccess access_;
  Engine* engine_ = nullptr;
  std::string fault_;
  uint64_t accesses_ = 0;
  bool failed_access_ = false;
};

}  // namespace ai8x::generated
