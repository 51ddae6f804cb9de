#pragma once
// Static extraction of the accelerator accesses a generated cnn.c states
// literally, for --explain-registers. Only statements whose address and value
// are both literals become bus operations:
//   *((volatile uint32_t *) 0x50100010) = 0x0001001d;        -> Write (also uint8_t/uint16_t)
//   while ((*((volatile uint32_t *) 0x5100000c) & 0x2000000) != 0x2000000);  -> Poll
// Everything the file does at run time (loops, memcpy32/memcpy_8to32 of weight
// and sample arrays, read-modify-writes, writes of computed values, system
// registers reached through MXC_* structs) is reported as a note instead.
// Preprocessor conditionals are not evaluated: both branches are read.
#include <string>
#include <vector>

#include "io/trace.hpp"

namespace ai8x::io {

struct CnnCNote {
  int line = 0;           // 1-based line of the statement
  std::string function;   // enclosing function
  std::string statement;  // the statement, whitespace collapsed (shortened when long)
  std::string reason;     // why it was not expanded, e.g. "loop not expanded"
};

struct CnnCExtract {
  Trace trace;  // Phase (function name, line of its header), Write and Poll ops with their lines
  std::vector<CnnCNote> notes;
};

// Throws ai8x::Error naming `file` and the line for unbalanced braces or a
// literal that does not fit in 32 bits.
CnnCExtract extract_cnn_c(const std::string& text, const std::string& file);

// extract_cnn_c(...).trace.
Trace trace_from_cnn_c(const std::string& text, const std::string& file);

}  // namespace ai8x::io
