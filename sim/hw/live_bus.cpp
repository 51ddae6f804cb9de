#include "hw/live_bus.hpp"

#include "core/error.hpp"
#include "hw/bus_access.hpp"

namespace ai8x::hw {

LiveBus::LiveBus(const Device& device, double clock_mhz)
    : device_(device), acc_(prepared_accelerator(device, clock_mhz)) {
  // The first run of a process starts the model's threads, which then wait
  // for the enable that the host's writes will notify.
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  begin_ = sc_core::sc_time_stamp();
}

bool LiveBus::transport(tlm::tlm_command cmd, uint32_t address, uint32_t& value, unsigned bytes) {
  ++accesses_;
  // The target never waits, so it can be called between sc_start()s.
  return bus_access(acc_.socket.get_base_interface(), cmd, address, value, bytes);
}

bool LiveBus::write(uint32_t address, uint32_t value, unsigned bytes) {
  return transport(tlm::TLM_WRITE_COMMAND, address, value, bytes);
}

bool LiveBus::read(uint32_t address, unsigned bytes, uint32_t& value) {
  // The model answers whole words; a narrower read takes its lanes.
  uint32_t word = 0;
  if (!transport(tlm::TLM_READ_COMMAND, address & ~3U, word, 4)) return false;
  const unsigned shift = 8 * (address & 3U);
  value = bytes >= 4 ? word : (word >> shift) & ((1U << (8 * bytes)) - 1U);
  return true;
}

bool LiveBus::run_until_idle() {
  sc_core::sc_start();  // returns when no process has anything left to do
  check_model();
  return acc_.irq_pending();
}

double LiveBus::now_us() const {
  return (sc_core::sc_time_stamp() - begin_).to_seconds() * 1e6;
}

void LiveBus::check_model() const {
  if (const std::exception_ptr e = acc_.error()) std::rethrow_exception(e);
}

}  // namespace ai8x::hw
