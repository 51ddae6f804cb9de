#pragma once
// Register traces (conformance README "registers.txt"): the accesses a
// generated cnn.c makes to the accelerator, in program order. The same record
// type is what the configuration compiler emits and what the replay feeds
// into the model's bus, so all front ends converge on it.
#include <cstdint>
#include <string>
#include <vector>

namespace ai8x::io {

struct BusOp {
  enum class Kind : uint8_t {
    Write,    // W32/W16/W8 address value
    Poll,     // R32 address mask expected: wait until (read & mask) == expected
    WaitIrq,  // the code sleeps until the accelerator's interrupt
    Phase,    // "# name": start of a generated function (cnn_init, load_input, ...)
  };
  Kind kind = Kind::Write;
  uint8_t width = 32;  // bits of a Write: 8, 16 or 32
  uint32_t address = 0;
  uint32_t value = 0;  // Write: the value; Poll: the expected value
  uint32_t mask = 0;   // Poll only
  std::string phase;   // Phase only
  int line = 0;        // 1-based line in the trace file (0 when not from a file)
};

struct Trace {
  std::string device;  // from the "# device: NAME" header comment, or empty
  std::vector<BusOp> ops;
};

// Reads a registers.txt file. Malformed records are an ai8x::Error naming the
// file and line. Plain-read comments ("# RD32 ...") and other comments are
// skipped; phase markers ("# name" with a single identifier) become Phase ops.
Trace read_trace(const std::string& path);
Trace parse_trace(const std::string& text, const std::string& name_for_errors);

// Writes ops in the same format (for --emit and tests).
std::string format_trace(const Trace& trace);

}  // namespace ai8x::io
