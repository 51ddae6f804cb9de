#pragma once
// One bus access as a TLM transaction, for every master of the model (the
// trace replay's driver and the live bus of host code).
#include <tlm>

#include <cstdint>

namespace ai8x::hw {

// Returns false when no memory or register answers at `address`.
inline bool bus_access(tlm::tlm_fw_transport_if<>& target, tlm::tlm_command cmd, uint32_t address, uint32_t& value,
                       unsigned bytes) {
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
  target.b_transport(t, delay);
  return t.is_response_ok();
}

}  // namespace ai8x::hw
