#pragma once
// Editing a generator's register program for tests that change one register.
#include <cstdint>

#include "io/trace.hpp"

namespace ai8x::test {

// Every write to `address` in `t` takes `value` instead.
inline void set_writes(io::Trace& t, uint32_t address, uint32_t value) {
  for (auto& op : t.ops) {
    if (op.address == address) op.value = value;
  }
}

}  // namespace ai8x::test
