#pragma once
// The register file of one quadrant (hw-facts §3): the global registers and
// every per-layer register. Reads return what was written, plus the status
// bits the hardware sets (CTRL.cnn_irq, the TEST done flag).
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "register_map.hpp"

namespace ai8x::hw {

namespace ctrl {
inline constexpr uint32_t kCnnEnable = 1U << 0;
inline constexpr uint32_t kIrq = 1U << 12;
inline constexpr uint32_t kPoolRound = 1U << 13;
inline constexpr uint32_t kStream = 1U << 14;
inline constexpr uint32_t kFifo = 1U << 15;
inline constexpr uint32_t kMexpress = 1U << 20;
inline constexpr uint32_t kFastFifo = 1U << 22;
inline constexpr uint32_t kBinary87 = 1U << 30;  // MAX78002: ±1 weights
inline constexpr uint32_t kFastFifoQuad = 1U << 31;
}  // namespace ctrl

class RegisterFile {
 public:
  RegisterFile(int layers, uint32_t test_done_mask)
      : layers_(static_cast<size_t>(layers)), test_done_mask_(test_done_mask) {}

  [[nodiscard]] uint32_t global(GlobalRegister r) const { return global_[static_cast<size_t>(r)]; }
  void set_global(GlobalRegister r, uint32_t v) { global_[static_cast<size_t>(r)] = v; }
  [[nodiscard]] uint32_t ctrl() const { return global(GlobalRegister::Ctrl); }

  [[nodiscard]] int layers() const { return static_cast<int>(layers_.size()); }
  [[nodiscard]] uint32_t layer(int l, LayerRegister r) const {
    return layers_[static_cast<size_t>(l)][static_cast<size_t>(r)];
  }
  [[nodiscard]] const std::array<uint32_t, kLayerRegisterCount>& layer_row(int l) const {
    return layers_[static_cast<size_t>(l)];
  }
  void set_layer(int l, LayerRegister r, uint32_t v) { layers_[static_cast<size_t>(l)][static_cast<size_t>(r)] = v; }

  void set_reserved(uint32_t offset, uint32_t v) { reserved_[offset] = v; }
  [[nodiscard]] uint32_t reserved(uint32_t offset) const {
    const auto it = reserved_.find(offset);
    return it == reserved_.end() ? 0 : it->second;
  }

  // What a bus read of a global register returns.
  [[nodiscard]] uint32_t read_global(GlobalRegister r) const {
    const uint32_t v = global(r);
    // BIST/zeroize complete immediately in the model.
    return r == GlobalRegister::Test ? v | test_done_mask_ : v;
  }

  void clear();

 private:
  std::array<uint32_t, 6> global_{};
  std::vector<std::array<uint32_t, kLayerRegisterCount>> layers_;
  std::unordered_map<uint32_t, uint32_t> reserved_;
  uint32_t test_done_mask_;
};

}  // namespace ai8x::hw
