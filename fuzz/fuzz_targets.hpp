#pragma once
// The fuzzed entry points, shared by the libFuzzer targets (fuzz/fuzz_*.cpp) and the test that
// replays their findings (tests/test_fuzz_regressions.cpp). Each feeds one input to a reader the
// way the simulator does and checks a few invariants of what it returns. Input the reader
// rejects must raise ai8x::Error, which is caught here; anything else that escapes (another
// exception, a broken invariant, a sanitizer report, a crash, a hang) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace ai8x::fuzz {

enum class Outcome { kParsed, kRejected };

// Thrown when a reader accepts input but returns something inconsistent.
class InvariantBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// parse_npy, then parse_npy_sequence, on the same bytes.
Outcome npy(const uint8_t* data, size_t size);
// ZipArchive: list the entries and read each one.
Outcome zip(const uint8_t* data, size_t size);
// The unpickler in both persistent-id modes, over up to 8 pickles back to back (legacy files).
Outcome pickle(const uint8_t* data, size_t size);
// read_checkpoint_bytes: zip or legacy checkpoint.
Outcome checkpoint(const uint8_t* data, size_t size);
// parse_yaml, then parse_network_yaml for both devices.
Outcome network_yaml(const uint8_t* data, size_t size);
// parse_expected_json; what parses must survive a round trip through sampleoutput.h.
Outcome expected_json(const uint8_t* data, size_t size);
// parse_sampleoutput_h; what parses must survive format_sampleoutput_h and a second parse.
Outcome sampleoutput_h(const uint8_t* data, size_t size);
// parse_trace (registers.txt); what parses must survive format_trace and a second parse, and
// every address must resolve through the register map of the trace's device (or fail cleanly).
Outcome trace(const uint8_t* data, size_t size);

struct NamedTarget {
  const char* name;  // also the directory of its corpus and of its regression inputs
  Outcome (*run)(const uint8_t* data, size_t size);
};
// Every target above, by name.
std::span<const NamedTarget> all_targets();

}  // namespace ai8x::fuzz
