#include "hw/live_bus.hpp"

#include "core/error.hpp"

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
  tlm::tlm_generic_payload t;
  t.set_command(cmd);
  t.set_address(address);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  t.set_data_length(bytes);
  t.set_streaming_width(bytes);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  // The target never waits, so it can be called between sc_start()s.
  acc_.socket.get_base_interface().b_transport(t, delay);
  return t.is_response_ok();
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
