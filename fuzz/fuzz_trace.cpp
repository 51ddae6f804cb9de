// libFuzzer target: the register-trace reader (registers.txt) and the register map.
// Run it through scripts/fuzz.sh; docs/fuzzing.md describes the corpus and the findings.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ai8x::fuzz::trace(data, size);
  return 0;
}
