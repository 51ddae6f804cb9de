#pragma once
// --emit-c DIR: a register program (a registers.txt, or the configuration
// compiler's) written as a folder in the generated code's style — cnn.h with
// the cnn_* API, cnn.c with literal register writes, the interrupt handler
// and table-driven loads, weights.h/sampledata.h holding the tables, main.c
// calling the functions in the program's order and checking sampleoutput.h
// with check_output(). The project's tests run these folders with
// --generated, since the generator's own output is not part of the project.
#include <string>
#include <vector>

#include "check/expected.hpp"
#include "device.hpp"
#include "io/trace.hpp"

namespace ai8x::generated {

// Writes cnn.h, cnn.c, weights.h, sampledata.h, main.c and sampleoutput.h
// into `dir` (created if needed). `expected` becomes sampleoutput.h, and
// cnn_unload() reads exactly its words. Throws ai8x::Error when the folder
// cannot be written or the program has no master enable.
void emit_c(const std::string& dir, const Device& device, const io::Trace& program,
            const std::vector<KatBlock>& expected, const std::string& title);

}  // namespace ai8x::generated
