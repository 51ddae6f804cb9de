#pragma once
// The accelerator's register and memory address map as data (hw-facts §2-3).
// The SystemC model, the configuration compiler, the trace decoder and
// --explain-registers all resolve addresses through this one table, so a
// MAX78002 difference is a row here rather than an `if` in each of them.
#include <cstdint>
#include <optional>
#include <string_view>

#include "device.hpp"

namespace ai8x {

// Per-quadrant global registers.
enum class GlobalRegister : uint8_t { Ctrl, Sram, LcntMax, Test, Ifrm, Mlat };

// Per-layer registers (the stream registers exist for the first 8 layers only).
enum class LayerRegister : uint8_t {
  Nxtlyr,  // MAX78002 only
  Rcnt,
  Ccnt,
  Oned,
  Prcnt,
  Pccnt,
  Stride,
  WptrBase,
  WptrToff,
  WptrMoff,
  WptrChoff,
  RptrBase,
  Lctrl0,
  Lctrl1,
  Mcnt,   // MAX78000: start and max in one register
  Mcnt1,  // MAX78002: mask max
  Mcnt2,  // MAX78002: mask start
  Ochan,  // MAX78002 only
  Tptr,
  Ena,
  Post,
  Strm0,
  Strm1,
  Fbuf,
};
inline constexpr int kLayerRegisterCount = static_cast<int>(LayerRegister::Fbuf) + 1;
inline constexpr int kStreamLayers = 8;  // layers that may stream

std::string_view register_name(GlobalRegister r);
std::string_view register_name(LayerRegister r);

// What one bus address is.
struct AddressTarget {
  enum class Kind : uint8_t {
    Global,     // quadrant, global
    Layer,      // quadrant, layer, reg
    Bias,       // quadrant, index (bias entry; the low byte of the word is used)
    Tram,       // quadrant, processor (within the quadrant), index (16-bit entry)
    Kernel,     // quadrant, processor, index (72-bit word), byte (0, 4, 8 or 12 within its 16-byte slot)
    Data,       // quadrant, instance (0..3 within the quadrant), index (byte offset inside the instance)
    FifoCtrl,   // index 0: CTRL, 1: STAT
    FifoWrite,  // index: FIFO 0..3
    FastFifo,   // index: register offset (CR 0x0, SR 0x4, IE 0x8, IS 0xC, DR 0x10, DMA 0x14)
    AlwaysOn,   // AOD control
    Reserved,   // quadrant, index (offset from the quadrant's control base): a register this map does not name
  };
  Kind kind = Kind::Global;
  int quadrant = 0;
  int processor = 0;
  int layer = 0;
  uint32_t index = 0;
  uint32_t byte = 0;
  GlobalRegister global = GlobalRegister::Ctrl;
  LayerRegister reg = LayerRegister::Rcnt;
};

class RegisterMap {
 public:
  explicit RegisterMap(const Device& device);

  [[nodiscard]] const Device& device() const { return *device_; }
  [[nodiscard]] bool has(LayerRegister r) const;
  [[nodiscard]] uint32_t quadrant_base(int quadrant) const;
  [[nodiscard]] uint32_t address(int quadrant, GlobalRegister r) const;
  // On MAX78002 the stream registers (Strm0, Strm1, Fbuf) take the stream index < 8.
  [[nodiscard]] uint32_t address(int quadrant, int layer, LayerRegister r) const;
  [[nodiscard]] uint32_t bias_address(int quadrant, int entry) const;
  [[nodiscard]] uint32_t tram_address(int quadrant, int processor, int entry) const;
  [[nodiscard]] uint32_t kernel_address(int quadrant, int processor, int word) const;
  [[nodiscard]] uint32_t data_address(int quadrant, int instance, uint32_t byte_offset) const;
  [[nodiscard]] uint32_t fifo_ctrl_address() const { return 0x50000000; }
  [[nodiscard]] uint32_t fifo_stat_address() const { return 0x50000004; }
  [[nodiscard]] uint32_t fifo_write_address(int fifo) const { return 0x50000008 + 4 * static_cast<uint32_t>(fifo); }
  [[nodiscard]] uint32_t fast_fifo_base() const { return 0x400C0400; }
  [[nodiscard]] uint32_t always_on_address() const { return 0x50001000; }

  // nullopt for an address outside the accelerator (e.g. the system's clock
  // registers) or in a hole of its window.
  [[nodiscard]] std::optional<AddressTarget> decode(uint32_t address) const;

 private:
  const Device* device_;
};

}  // namespace ai8x
