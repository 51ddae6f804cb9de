#pragma once
// The bias RAM of one quadrant: 8-bit signed entries, one per 32-bit bus slot
// (only the low byte of a write is stored; hw-facts §2, §4.7).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ai8x::hw {

class BiasMemory {
 public:
  explicit BiasMemory(uint32_t entries) : bytes_(entries, 0) {}

  [[nodiscard]] uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }
  void write(uint32_t entry, uint32_t value) { bytes_[entry] = static_cast<int8_t>(value & 0xFF); }
  // The entry as the signed bias value it holds.
  [[nodiscard]] int32_t read(uint32_t entry) const { return static_cast<int32_t>(bytes_[entry]); }
  void clear() { std::fill(bytes_.begin(), bytes_.end(), 0); }

 private:
  std::vector<int8_t> bytes_;
};

}  // namespace ai8x::hw
