#pragma once
// `--case DIR`: a known-answer case in the conformance format (case.json,
// network.yaml, sample.npy, expected.json) turned into an ai8xsim command line.
#include <string>
#include <vector>

namespace ai8x::cli {

// The arguments that select the case's files and device, followed by the
// generator arguments of case.json (minus the file/device selection flags,
// which map to ai8xsim's own). Throws ai8x::Error naming case.json.
std::vector<std::string> case_arguments(const std::string& dir);

}  // namespace ai8x::cli
