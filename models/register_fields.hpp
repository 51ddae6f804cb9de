#pragma once
// The bit fields of every accelerator register as data, per device
// (hw-facts §3.1/§3.2). Where the user guide and the generator disagree, the
// generator's encoding is listed: it is what runs on silicon. A MAX78002
// difference is a different row, never an `if` in the users of this table.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "device.hpp"
#include "register_map.hpp"

namespace ai8x {

struct RegisterField {
  std::string_view name;     // short field name, e.g. "rcnt_max"
  uint8_t lsb = 0;           // lowest bit
  uint8_t width = 1;         // bits
  std::string_view meaning;  // one-line explanation

  [[nodiscard]] constexpr uint32_t mask() const { return (width >= 32 ? 0xffffffffU : ((1U << width) - 1U)) << lsb; }
  [[nodiscard]] constexpr uint32_t extract(uint32_t value) const { return (value & mask()) >> lsb; }
};

// Fields of a register on `device`, lowest bit first. Empty for a register the
// device does not have (e.g. NXTLYR on MAX78000).
std::span<const RegisterField> fields(const Device& device, LayerRegister reg);
std::span<const RegisterField> fields(const Device& device, GlobalRegister reg);

// The named field of a register, or nullptr.
const RegisterField* find_field(std::span<const RegisterField> table, std::string_view name);

struct FieldValue {
  const RegisterField* field = nullptr;
  uint32_t value = 0;
};

struct DecodedFields {
  std::vector<FieldValue> values;  // in table order
  uint32_t undocumented = 0;       // set bits that no field covers
};

// Splits `value` into the fields of `table`; zero fields are left out unless
// `all` is set.
DecodedFields decode_fields(std::span<const RegisterField> table, uint32_t value, bool all = false);

// "rcnt_max=29 pad=1"; a set 1-bit field prints as its name alone ("relu"),
// values >= 1024 in hex. Undocumented bits are appended as "undocumented=0x...".
std::string format_fields(const DecodedFields& decoded);

}  // namespace ai8x
