#pragma once
// Runs the generated program in a child process: a wild pointer or an abort
// in the user's C code ends the child, not ai8xsim. The child sends its
// RunResult back through a pipe (MessagePack); a child that dies is reported
// as a Fault naming the signal.
#include <functional>

#include "generated/runner.hpp"

namespace ai8x::generated {

RunResult run_isolated(const std::function<RunResult()>& run);

// The wire format, exposed for tests.
std::vector<uint8_t> encode_result(const RunResult& r);
RunResult decode_result(const std::vector<uint8_t>& bytes);

}  // namespace ai8x::generated
