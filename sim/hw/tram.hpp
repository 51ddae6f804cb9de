#pragma once
// TRAM ("Tornado RAM"): a processor's line buffer, 16-bit entries. The model
// computes whole layers at once, so the TRAM only stores what the bus writes
// (the generated code may zero it); sized per device.
#include <cstddef>
#include <cstdint>
#include "hw/zero_buffer.hpp"

namespace ai8x::hw {

class Tram {
 public:
  explicit Tram(uint32_t entries) : entries_(entries) {}

  [[nodiscard]] uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  void write(uint32_t entry, uint32_t value) { entries_[entry] = static_cast<uint16_t>(value & 0xFFFF); }
  [[nodiscard]] uint16_t read(uint32_t entry) const { return entries_[entry]; }
  void clear() { entries_.clear(); }

 private:
  ZeroBuffer<uint16_t> entries_;
};

}  // namespace ai8x::hw
