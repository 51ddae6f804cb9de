#include "cli/emit_command.hpp"

#include <cstdio>
#include <filesystem>

#include "cli/systemc_command.hpp"
#include "cli/verdict.hpp"
#include "compile/program.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "generated/emit_c.hpp"
#include "io/trace.hpp"

namespace ai8x::cli {
namespace {

std::vector<KatBlock> known_answer(const std::string& expected) {
  if (expected.empty()) {
    std::printf("note: no known answer (--expected); the folder's check_output() checks nothing\n");
    return {};
  }
  return read_known_answer(expected);
}

int written(const std::string& dir, size_t ops, const std::vector<KatBlock>& expected) {
  std::printf(
      "generated-code folder written to %s (%zu bus operations, %zu known-answer words); run it with "
      "ai8xsim --generated %s\n",
      dir.c_str(), ops, kat_word_count(expected), dir.c_str());
  return 0;
}

}  // namespace

int emit_c_from_trace(const std::string& trace_path, const std::string& device, const std::string& expected,
                      const std::string& dir) {
  const io::Trace trace = io::read_trace(trace_path);
  const std::string name = device.empty() ? trace.device : device;
  const Device* d = find_device(name);
  if (d == nullptr) {
    throw Error({.file = trace_path, .key = "--device"}, "the trace names no known device; pass --device");
  }
  std::string kat = expected;
  const auto beside = std::filesystem::path(trace_path).parent_path() / "expected.json";
  std::error_code ec;
  if (kat.empty() && std::filesystem::is_regular_file(beside, ec)) kat = beside.string();
  const std::vector<KatBlock> blocks = known_answer(kat);
  generated::emit_c(dir, *d, trace, blocks, std::filesystem::path(trace_path).parent_path().filename().string());
  return written(dir, trace.ops.size(), blocks);
}

int emit_c_from_network(const Network& net, const std::string& config, const std::vector<std::string>& program_flags,
                        const std::string& expected, const std::string& dir) {
  const io::Trace program = compile::compile_program(net, program_options(net, config, program_flags));
  const std::vector<KatBlock> blocks = known_answer(expected);
  generated::emit_c(dir, *net.device, program, blocks, std::filesystem::path(config).stem().string());
  return written(dir, program.ops.size(), blocks);
}

}  // namespace ai8x::cli
