// libFuzzer target: the YAML 1.1 value reader and the network schema (parse_yaml + parse_network_yaml).
// Run it through scripts/fuzz.sh; docs/fuzzing.md describes the corpus and the findings.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)ai8x::fuzz::network_yaml(data, size);
  return 0;
}
