#include "cli/compare_command.hpp"

#include <cstdio>

#include "check/programming_diff.hpp"
#include "cli/systemc_command.hpp"
#include "cli/verdict.hpp"
#include "compile/program.hpp"
#include "core/error.hpp"
#include "hw/replay.hpp"
#include "io/cnn_c.hpp"
#include "io/file_bytes.hpp"
#include "io/trace.hpp"

namespace ai8x::cli {
namespace {

bool is_c_source(const std::string& path) {
  return path.size() > 2 && path.ends_with(".c");
}

io::Trace read_reference(const std::string& path) {
  if (!is_c_source(path)) return io::read_trace(path);
  const std::vector<uint8_t> bytes = io::read_file_bytes(path);
  return io::trace_from_cnn_c(std::string(bytes.begin(), bytes.end()), path);
}

// Runs one program on the model and prints its verdict under a title.
int verdict_of(const Device& device, const io::Trace& program, const std::string& title, const std::string& file,
               const CompareArgs& a) {
  hw::ReplayOptions ro;
  ro.clock_mhz = a.clock_mhz;
  ro.file_for_errors = file;
  const hw::ReplayResult r = hw::replay(device, program, ro);
  std::printf("%s on the model: ", title.c_str());
  std::fflush(stdout);
  const ModelMemory memory(r);
  return report_kat(compare_kat(read_known_answer(a.expected), memory, {}), a.expected, false);
}

}  // namespace

int run_compare_programming(const Network& net, const CompareArgs& a) {
  const Device& device = *net.device;
  const io::Trace reference = read_reference(a.reference);
  if (!reference.device.empty() && reference.device != device.name) {
    throw Error({.file = a.reference, .key = "# device:"},
                "the trace is for " + reference.device + " but the network is compiled for " + device.name);
  }
  const compile::ProgramListing ours = compile::compile_listing(net, program_options(net, a.config, a.program_flags));
  const ProgrammingDiff diff = compare_programming(device, reference, ours.trace);
  std::printf("%s: %s (%zu bus operations) against ai8xsim's program of %s (%zu)\n", device.name.c_str(),
              a.reference.c_str(), reference.ops.size(), a.config.c_str(), ours.trace.ops.size());
  std::fputs(format_programming_diff(device, diff, is_c_source(a.reference) ? "cnn.c" : "generator").c_str(), stdout);
  int rc = diff.same() ? 0 : 1;
  // A cnn.c holds no kernels or input as literal writes: it cannot run alone.
  if (a.expected.empty() || is_c_source(a.reference)) return rc;
  const int theirs = verdict_of(device, reference, "generator's program", a.reference, a);
  const int own = verdict_of(device, ours.trace, "ai8xsim's program", a.config, a);
  if (theirs != own) {
    std::printf("the two programs disagree on the known answer%s\n",
                diff.registers.empty() ? "" : "; the first differing register above is where to look");
    rc = 1;
  }
  return rc;
}

}  // namespace ai8x::cli
