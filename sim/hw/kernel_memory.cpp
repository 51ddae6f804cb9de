#include "hw/kernel_memory.hpp"

namespace ai8x::hw {

void KernelMemory::write_normal(uint32_t word, uint32_t slot_byte, uint32_t value) {
  switch (slot_byte) {
    case 0: latch_low_ = value; return;
    case 4: latch_[0] = value; return;
    case 8: latch_[1] = value; return;
    default: break;
  }
  // +12: the "execute" write stores the latched parts as byte[0..8].
  const size_t w = static_cast<size_t>(word) * kBytesPerWord;
  store(w, static_cast<uint8_t>(latch_low_ & 0xFF));
  for (size_t i = 0; i < 4; ++i) {
    store(w + 1 + i, static_cast<uint8_t>(latch_[0] >> (24 - 8 * i)));
    store(w + 5 + i, static_cast<uint8_t>(latch_[1] >> (24 - 8 * i)));
  }
}

uint32_t KernelMemory::read_normal(uint32_t word, uint32_t slot_byte) const {
  const uint8_t* w = bytes_.data() + static_cast<size_t>(word) * kBytesPerWord;
  auto be = [](const uint8_t* p) {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 |
           p[3];
  };
  switch (slot_byte) {
    case 0: return w[0];
    case 4: return be(w + 1);
    case 8: return be(w + 5);
    default: return 0;
  }
}

bool KernelMemory::stream(uint32_t value) {
  if (cursor_ + 4 > bytes_.size()) {
    // The zero padding of the last word may run past the end; real bytes may not.
    for (int i = 0; i < 4; ++i) {
      const auto b = static_cast<uint8_t>(value >> (24 - 8 * i));
      if (cursor_ < bytes_.size()) {
        store(cursor_++, b);
      } else if (b != 0) {
        return false;
      }
    }
    return true;
  }
  for (int i = 0; i < 4; ++i) store(cursor_++, static_cast<uint8_t>(value >> (24 - 8 * i)));
  return true;
}

void KernelMemory::clear() {
  bytes_.clear();
  loaded_.assign(loaded_.size(), 0);
  overwritten_.clear();
  latch_[0] = latch_[1] = latch_low_ = 0;
  cursor_ = 0;
}

}  // namespace ai8x::hw
