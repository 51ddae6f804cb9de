#pragma once
// One data memory instance: the SRAM shared by four processors (hw-facts §1,
// §5). 32-bit words; byte lane i belongs to processor 4k+i. MAX78000 has
// 8192 words, MAX78002 20480 valid words inside a 32768-word address window.
#include <cstddef>
#include <cstdint>
#include "hw/zero_buffer.hpp"

namespace ai8x::hw {

class DataMemory {
 public:
  explicit DataMemory(uint32_t words) : words_(words) {}

  [[nodiscard]] uint32_t size_words() const { return static_cast<uint32_t>(words_.size()); }
  [[nodiscard]] bool contains(uint32_t word) const { return word < words_.size(); }
  [[nodiscard]] uint32_t read(uint32_t word) const { return words_[word]; }
  // Writes the bytes of `data` selected by `byte_mask` (bit i = lane i).
  void write(uint32_t word, uint32_t data, unsigned byte_mask = 0xF) {
    if (byte_mask == 0xF) {
      words_[word] = data;
      return;
    }
    uint32_t mask = 0;
    for (unsigned i = 0; i < 4; ++i) {
      if ((byte_mask >> i) & 1U) mask |= 0xFFU << (8 * i);
    }
    words_[word] = (words_[word] & ~mask) | (data & mask);
  }
  void clear() { words_.clear(); }

 private:
  ZeroBuffer<uint32_t> words_;
};

}  // namespace ai8x::hw
