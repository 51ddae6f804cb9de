#pragma once
// The kernel (weight, "mask") memory of one processor: 72-bit words of nine
// bytes, byte[0..8] (hw-facts §4.8). Two bus protocols load it:
//  - normal: each word takes four 32-bit writes at +0, +4, +8, +12 of its
//    16-byte slot; the write to +12 commits the latched bytes;
//  - mexpress (CTRL[20]): an 8-bit write loads the address counter, then every
//    32-bit write streams four bytes of the concatenated byte[0..8] sequence.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "hw/zero_buffer.hpp"

namespace ai8x::hw {

class KernelMemory {
 public:
  static constexpr int kBytesPerWord = 9;

  explicit KernelMemory(uint32_t words)
      : bytes_(static_cast<size_t>(words) * kBytesPerWord), loaded_((static_cast<size_t>(words) + 63) / 64, 0) {}

  [[nodiscard]] uint32_t size_words() const { return static_cast<uint32_t>(bytes_.size() / kBytesPerWord); }
  [[nodiscard]] uint8_t byte(uint32_t word, int b) const {
    return bytes_[static_cast<size_t>(word) * kBytesPerWord + static_cast<size_t>(b)];
  }
  [[nodiscard]] const uint8_t* data() const { return bytes_.data(); }

  // Normal load: `slot_byte` is 0, 4, 8 or 12 within the word's 16-byte slot.
  void write_normal(uint32_t word, uint32_t slot_byte, uint32_t value);
  // Bus read of a slot part, in the layout write_normal() takes.
  [[nodiscard]] uint32_t read_normal(uint32_t word, uint32_t slot_byte) const;

  // mexpress: the counter points at byte 0 of `word`.
  void load_counter(uint32_t word) { cursor_ = static_cast<size_t>(word) * kBytesPerWord; }
  // Streams the four bytes of `value`, most significant first. Returns false
  // (and stores nothing) if they would run past the memory's end.
  bool stream(uint32_t value);

  // A layer sequence starts: what is loaded after this is a new program.
  void begin_run() { loaded_.assign(loaded_.size(), 0); }
  // Words that received different data twice between two starts: the first
  // load was lost before any layer could use it (in load order).
  [[nodiscard]] const std::vector<uint32_t>& overwritten() const { return overwritten_; }

  void clear();

 private:
  // Byte `i` of the memory receives `b`; notes a lost earlier load.
  void store(size_t i, uint8_t b) {
    const size_t word = i / kBytesPerWord;
    uint64_t& bits = loaded_[word / 64];
    const uint64_t bit = uint64_t{1} << (word % 64);
    if ((bits & bit) != 0 && bytes_[i] != 0 && bytes_[i] != b &&
        (overwritten_.empty() || overwritten_.back() != word)) {
      overwritten_.push_back(static_cast<uint32_t>(word));
    }
    bits |= bit;
    bytes_[i] = b;
  }

  ZeroBuffer<uint8_t> bytes_;
  std::vector<uint64_t> loaded_;  // per word: written since the last begin_run()
  std::vector<uint32_t> overwritten_;
  uint32_t latch_[2] = {0, 0};  // +0 and +4/+8 parts of the word being written
  uint32_t latch_low_ = 0;
  size_t cursor_ = 0;
};

}  // namespace ai8x::hw
