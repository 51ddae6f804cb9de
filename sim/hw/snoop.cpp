#include "hw/snoop.hpp"

#include <cstdio>

namespace ai8x::hw {
namespace {

// Register order inside one unit's block of twelve (SNPn_A1 ... SNPn_AM).
constexpr uint32_t kA1 = 0;
constexpr uint32_t kD1 = 2;
constexpr uint32_t kC1 = 6;
constexpr uint32_t kC2 = 7;
constexpr uint32_t kUnitRegisters = 12;

std::string hex8(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace

std::vector<SnoopUnit> snoop_units(const Device& device, const RegisterFile& regs) {
  std::vector<SnoopUnit> units;
  if (device.snoop_offset == 0) return units;
  for (uint32_t u = 0; u < 2; ++u) {
    const uint32_t base = device.snoop_offset + u * kUnitRegisters * 4;
    SnoopUnit s{.unit = static_cast<int>(u) + 1,
                .a1 = regs.reserved(base + kA1 * 4),
                .d1 = regs.reserved(base + kD1 * 4),
                .c1 = regs.reserved(base + kC1 * 4),
                .c2 = regs.reserved(base + kC2 * 4)};
    if ((s.c1 & 1U) != 0) units.push_back(s);
  }
  return units;
}

std::string snoop_text(const SnoopUnit& s) {
  return "snoop " + std::to_string(s.unit) + " (A1 " + hex8(s.a1) + ", D1 " + hex8(s.d1) + ", C1 " + hex8(s.c1) + ")";
}

}  // namespace ai8x::hw
