#include "cli/replay_command.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/verdict.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "hw/replay.hpp"
#include "io/trace.hpp"

namespace ai8x::cli {
namespace {

namespace fs = std::filesystem;

const Device& trace_device(const ReplayArgs& a, const io::Trace& trace) {
  const std::string& name = a.device.empty() ? trace.device : a.device;
  if (name.empty()) {
    throw Error({.file = a.trace, .key = "# device:"}, "the trace names no device; pass --device MAX78000 or MAX78002");
  }
  const Device* d = find_device(name);
  if (d == nullptr) {
    throw Error(
        {.file = a.device.empty() ? a.trace : std::string(), .key = a.device.empty() ? "# device:" : "--device"},
        "unknown device \"" + name + "\" (MAX78000 or MAX78002)");
  }
  return *d;
}

}  // namespace

int run_replay(const ReplayArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const io::Trace trace = io::read_trace(a.trace);
  const auto t1 = std::chrono::steady_clock::now();
  const Device& device = trace_device(a, trace);
  hw::ReplayOptions opt;
  opt.clock_mhz = a.clock_mhz;
  opt.file_for_errors = a.trace;
  opt.vcd = a.vcd;
  const hw::ReplayResult r = hw::replay(device, trace, opt);
  const auto t2 = std::chrono::steady_clock::now();
  const double parse = std::chrono::duration<double>(t1 - t0).count();
  const double sim = std::chrono::duration<double>(t2 - t1).count();
  const double wall = parse + sim;

  std::printf("%s: replayed %zu bus operations of %s, %zu layers, %llu cycles (%.3f ms at %g MHz)\n",
              device.name.c_str(), r.ops, a.trace.c_str(), r.layers.size(),
              static_cast<unsigned long long>(r.total_cycles),
              1000.0 * static_cast<double>(r.total_cycles) / (a.clock_mhz * 1e6), a.clock_mhz);
  std::printf("wall: trace %.1f ms + model %.1f ms, %.3g simulated cycles/s\n", 1000 * parse, 1000 * sim,
              wall > 0 ? static_cast<double>(r.total_cycles) / wall : 0.0);
  if (a.layer_report) {
    for (const auto& l : r.layers) {
      std::printf("  L%-3d %10llu cycles%s  %s\n", l.layer, static_cast<unsigned long long>(l.cycles),
                  l.estimate ? "~" : " ", l.summary.c_str());
    }
  }

  report_model_warnings(r);

  std::string expected = a.expected;
  if (expected.empty()) {
    const fs::path beside = fs::path(a.trace).parent_path() / "expected.json";
    std::error_code ec;
    if (fs::is_regular_file(beside, ec)) expected = beside.string();
  }
  if (expected.empty()) {
    std::printf("KAT: no expected output (pass --expected sampleoutput.h or expected.json)\n");
    return 0;
  }
  const std::vector<KatBlock> blocks = read_known_answer(expected);
  const ModelMemory memory(r);
  const KatVerdict v = compare_kat(blocks, memory, {});
  return report_kat(v, expected, false);
}

}  // namespace ai8x::cli
