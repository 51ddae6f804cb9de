#pragma once
// --explain-registers: what a generated program writes to the accelerator, in
// words. One line per register write (phase, layer, quadrant, register name,
// value, decoded fields); memory writes are summarised as blocks (kernels of a
// processor, bias entries, input words, FIFO streams); polls and interrupt
// waits say what they wait for; system registers and unmapped addresses get
// their own lines. Input is a register trace (registers.txt, or the accesses
// extracted from a cnn.c by io::extract_cnn_c).
#include <string>
#include <vector>

#include "device.hpp"
#include "io/cnn_c.hpp"
#include "io/trace.hpp"

namespace ai8x {

struct ExplainOptions {
  bool all_fields = false;      // list fields that are zero too
  bool field_meanings = false;  // one extra indented line per field with its meaning
  bool show_addresses = true;   // print each register's bus address
  // Statements of a cnn.c that were not expanded (io::CnnCExtract::notes);
  // they are listed in source order among the trace's operations (by line).
  std::vector<io::CnnCNote> notes;
};

std::string explain_trace(const Device& device, const io::Trace& trace, const ExplainOptions& options = {});

// Extracts the literal accesses of a generated cnn.c and explains them, with
// the statements that were not expanded as notes. Throws ai8x::Error naming
// `file` for malformed input.
std::string explain_cnn_c(const Device& device, const std::string& text, const std::string& file,
                          ExplainOptions options = {});

}  // namespace ai8x
