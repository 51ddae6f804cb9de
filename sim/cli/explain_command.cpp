#include "cli/explain_command.hpp"

#include <iostream>

#include "check/explain.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "io/file_bytes.hpp"
#include "io/trace.hpp"

namespace ai8x::cli {

int run_explain(const ExplainArgs& args) {
  const Device* device = nullptr;
  if (!args.device.empty()) {
    device = find_device(args.device);
    if (device == nullptr) throw Error({.key = "--device"}, "unknown device `" + args.device + "`");
  }
  const ExplainOptions opt{.all_fields = args.all_fields, .field_meanings = args.meanings};
  if (args.file.ends_with(".c")) {
    // A cnn.c does not say which chip it is for.
    if (device == nullptr) throw Error({.file = args.file, .key = "--device"}, "a cnn.c needs --device");
    const std::vector<uint8_t> bytes = io::read_file_bytes(args.file);
    std::cout << explain_cnn_c(*device, std::string(bytes.begin(), bytes.end()), args.file, opt);
    return 0;
  }
  const io::Trace trace = io::read_trace(args.file);
  if (device == nullptr) device = find_device(trace.device);
  if (device == nullptr) {
    throw Error({.file = args.file, .key = "# device:"},
                "the trace does not name its device (MAX78000 or MAX78002); pass --device");
  }
  std::cout << explain_trace(*device, trace, opt);
  return 0;
}

}  // namespace ai8x::cli
