#pragma once
// The MAX78002 snoop units: two watchers of the data-memory writes that can
// stop the layer sequence or choose a layer's branch (hw-facts §2: SNP1/SNP2,
// twelve registers each from Q + snoop_offset). Only the register names are
// documented; what is modelled here was read off the generator's snoop test
// programs and their known answers:
//   C1[0]    unit enabled
//   C1[1]    on a hit, the sequence stops after the watched layer
//   C1[2]    the watched layer takes its NXTLYR link on a hit and continues
//            in order otherwise
//   C1[5:3]  counting and range compares (A2, D2, X1, X2): not modelled
//   C2[7:0]  the watched layer
//   A1       a data-memory word: [14:0] word, [16:15] instance, [18:17] quadrant
//   D1       the data that makes a hit
// A hit: the watched layer writes the word at A1 and it holds D1 when the
// layer ends.
#include <cstdint>
#include <string>
#include <vector>

#include "device.hpp"
#include "hw/register_file.hpp"

namespace ai8x::hw {

struct SnoopUnit {
  int unit = 0;  // 1 or 2
  uint32_t a1 = 0;
  uint32_t d1 = 0;
  uint32_t c1 = 0;
  uint32_t c2 = 0;

  [[nodiscard]] int layer() const { return static_cast<int>(c2 & 0xFFU); }
  [[nodiscard]] bool stops() const { return (c1 & 0x2U) != 0; }
  [[nodiscard]] bool branches() const { return (c1 & 0x4U) != 0; }
  // Exact address and data compare; the counting and range modes are not modelled.
  [[nodiscard]] bool modelled() const { return (c1 & 0x38U) == 0; }
  // Data memory index (quadrant·4 + instance) and word of A1.
  [[nodiscard]] int memory() const { return static_cast<int>((a1 >> 15) & 0xFU); }
  [[nodiscard]] uint32_t word() const { return a1 & 0x7FFFU; }
};

// The enabled units of the master quadrant's register file (none on a device
// without a snoop block).
[[nodiscard]] std::vector<SnoopUnit> snoop_units(const Device& device, const RegisterFile& regs);

// "snoop 1 (A1 0x00201001, D1 0x7f49baec)" for reports.
[[nodiscard]] std::string snoop_text(const SnoopUnit& s);

}  // namespace ai8x::hw
