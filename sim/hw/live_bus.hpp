#pragma once
// A bus master that runs outside SystemC: code executing on the host (a
// generated folder compiled for the host, sim/generated) reaches the
// accelerator model through it, one TLM transaction per access. Simulated
// time stands still during the host's accesses and runs while the host waits
// for the CNN interrupt, so the time from cnn_start to the interrupt is the
// accelerator's own. One LiveBus at a time per process (the model is shared
// with replay()).
#include <cstdint>

#include "device.hpp"
#include "hw/replay.hpp"

namespace ai8x::hw {

class LiveBus {
 public:
  LiveBus(const Device& device, double clock_mhz);

  // False when no memory or register answers at `address`. Throws
  // ai8x::Error when the model reports an error (e.g. a bad configuration).
  bool write(uint32_t address, uint32_t value, unsigned bytes);
  bool read(uint32_t address, unsigned bytes, uint32_t& value);

  // Runs the model until it is idle (the layer sequence has ended or waits
  // for data); true when the CNN interrupt is pending then.
  bool run_until_idle();
  [[nodiscard]] bool irq_pending() const { return acc_.irq_pending(); }

  [[nodiscard]] double now_us() const;  // simulated time since construction
  [[nodiscard]] uint64_t accesses() const { return accesses_; }
  [[nodiscard]] ReplayResult result() const { return snapshot(device_, acc_); }

 private:
  bool transport(tlm::tlm_command cmd, uint32_t address, uint32_t& value, unsigned bytes);
  void check_model() const;

  const Device& device_;
  Accelerator& acc_;
  sc_core::sc_time begin_;
  uint64_t accesses_ = 0;
};

}  // namespace ai8x::hw
