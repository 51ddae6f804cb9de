#pragma once
// Input FIFOs (hw-facts §1, §5): four standard FIFOs at 0x50000000 (CTRL,
// STAT, WR0..3), one per quadrant, and the RISC-V fast FIFO at 0x400C0400.
// The generated code polls the "full" status before every write; the model's
// FIFOs never report full and keep every word until the first layer consumes
// them (an unbounded queue), so no word is lost.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace ai8x::hw {

class Fifo {
 public:
  void push(uint32_t word) { words_.push_back(word); }
  [[nodiscard]] bool empty() const { return words_.empty(); }
  [[nodiscard]] size_t size() const { return words_.size(); }
  std::optional<uint32_t> pop() {
    if (words_.empty()) return std::nullopt;
    const uint32_t w = words_.front();
    words_.pop_front();
    return w;
  }
  void clear() { words_.clear(); }

 private:
  std::deque<uint32_t> words_;
};

// The four standard FIFOs and their CTRL/STAT registers.
class StandardFifos {
 public:
  static constexpr int kCount = 4;
  Fifo& fifo(int i) { return fifos_[i]; }
  [[nodiscard]] const Fifo& fifo(int i) const { return fifos_[i]; }
  uint32_t ctrl = 0;
  // STAT: bits 0..3 = FIFO i full (never), bits 4..7 = FIFO i empty.
  [[nodiscard]] uint32_t stat() const {
    uint32_t v = 0;
    for (int i = 0; i < kCount; ++i) {
      if (fifos_[i].empty()) v |= 1U << (4 + i);
    }
    return v;
  }
  void clear() {
    ctrl = 0;
    for (auto& f : fifos_) f.clear();
  }

 private:
  Fifo fifos_[kCount];
};

// The fast FIFO: CR +0, SR +4 (bit 1 = full, never), IE +8, IS +0xC, DR +0x10.
class FastFifo {
 public:
  Fifo data;
  uint32_t cr = 0, ie = 0, is = 0, dma = 0;
  [[nodiscard]] uint32_t sr() const { return data.empty() ? 1U : 0U; }
  void clear() {
    data.clear();
    cr = ie = is = dma = 0;
  }
};

}  // namespace ai8x::hw
