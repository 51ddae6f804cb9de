// ai8xsim: runs a network description the way the MAX78000/MAX78002 CNN
// accelerator does and gives the board's known-answer verdict.
// Exit codes: 0 pass (or nothing to compare), 1 known-answer mismatch, 2 bad input.
#include <zlib.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "check/describe.hpp"
#include "check/dump_hdf5.hpp"
#include "check/expected.hpp"
#include "check/kat.hpp"
#include "check/memory_map.hpp"
#include "check/unload.hpp"
#include "cli/case_dir.hpp"
#include "cli/compare_command.hpp"
#include "cli/emit_command.hpp"
#include "cli/explain_command.hpp"
#include "cli/generated_command.hpp"
#include "cli/izer_flags.hpp"
#include "cli/replay_command.hpp"
#include "cli/systemc_command.hpp"
#include "cli/verdict.hpp"
#include "compile/bias_map.hpp"
#include "compile/kernel_map.hpp"
#include "compile/program.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "engine/engine.hpp"
#include "io/yaml_value.hpp"
#include "spec/build.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ai8x;
using cli::hex32;
using cli::read_known_answer;
using cli::report_kat;

constexpr int kExitPass = 0;
constexpr int kExitMismatch = 1;
constexpr int kExitBadInput = 2;

struct Args {
  std::string config, checkpoint, sample, weights, bias, device, expected, write_sampleoutput, dump, memory_map,
      model = "fast", case_dir;
  bool describe = false, json = false, layer_report = false, verbose = false;
  int bench_runs = 0;
  std::vector<std::string> class_names;
  IzerOptions izer;
  cli::ReplayArgs replay;
  cli::ExplainArgs explain;
  cli::SystemcArgs systemc;
  std::string compare_programming;
  std::string generated;
  std::string emit_c;
};

// --device is optional: the architecture name says which chip a checkpoint
// was trained for (ai85... / ai87...).
const Device& choose_device(const Args& a) {
  if (!a.device.empty()) {
    const Device* d = find_device(a.device);
    if (d == nullptr) throw Error({.key = "--device"}, "unknown device \"" + a.device + "\" (MAX78000 or MAX78002)");
    return *d;
  }
  const io::YamlValue doc = io::load_yaml_file(a.config);
  if (const io::YamlValue* arch = doc.is_map() ? doc.find("arch") : nullptr; arch != nullptr && arch->is_string()) {
    if (arch->s.rfind("ai87", 0) == 0) return max78002();
  }
  return max78000();
}

std::optional<std::string> find_expected(const Args& a, const Network& net) {
  if (!a.expected.empty()) return a.expected;
  const fs::path sample(net.sample_file);
  const fs::path stem = fs::path(a.config).stem();
  for (const fs::path& p : {sample.parent_path() / (stem.string() + ".expected.json"),
                            sample.parent_path() / "expected.json", sample.parent_path() / "sampleoutput.h"}) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

void print_layer_report(const Network& net, const EngineResult& result) {
  std::printf("%-4s %-16s %-12s %-6s %12s %12s %10s %10s\n", "L", "operator", "output", "bits", "min", "max",
              "saturated", "crc32");
  for (int idx : net.order) {
    const auto& trace = result.layers[static_cast<size_t>(idx)];
    if (!trace) continue;
    const LayerSpec& l = net.layers[static_cast<size_t>(idx)];
    const Tensor& t = trace->output;
    int64_t mn = 0, mx = 0;
    size_t saturated = 0;
    uLong crc = crc32(0L, Z_NULL, 0);
    if (!t.v.empty()) {
      mn = *std::min_element(t.v.begin(), t.v.end());
      mx = *std::max_element(t.v.begin(), t.v.end());
    }
    for (int64_t v : t.v) {
      if (l.output_width == 8 && (v == 127 || v == -128)) ++saturated;
      const int bytes = l.output_width / 8;
      unsigned char b[4];
      for (int i = 0; i < bytes; ++i) b[i] = static_cast<unsigned char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
      crc = crc32(crc, b, static_cast<uInt>(bytes));
    }
    const std::string shape = std::to_string(t.c) + "x" + std::to_string(t.h) + "x" + std::to_string(t.w);
    std::printf("%-4d %-16s %-12s %-6d %12lld %12lld %10zu %10s\n", idx, to_string(l.op), shape.c_str(), l.output_width,
                static_cast<long long>(mn), static_cast<long long>(mx), saturated,
                hex32(static_cast<uint32_t>(crc)).c_str());
  }
}

void print_result(const Network& net, const SparseMemory& memory, const std::vector<std::string>& class_names) {
  const LayerSpec& fl = net.layers[static_cast<size_t>(net.final_layer)];
  std::printf("output: layer %d, %d x %d x %d, %d-bit\n", fl.index, fl.out_channels, fl.out_dim[0], fl.out_dim[1],
              fl.output_width);
  const std::vector<int64_t> values = unload_outputs(net, memory);
  if (fl.out_dim[0] == 1 && fl.out_dim[1] == 1 && values.size() >= static_cast<size_t>(fl.out_channels) &&
      fl.out_channels > 1) {
    std::printf("logits (cnn_unload):");
    for (int c = 0; c < fl.out_channels; ++c)
      std::printf(" %lld", static_cast<long long>(values[static_cast<size_t>(c)]));
    const auto best = std::max_element(values.begin(), values.begin() + fl.out_channels);
    const auto cls = static_cast<size_t>(best - values.begin());
    std::printf("\npredicted class: %zu", cls);
    if (cls < class_names.size()) std::printf(" (%s)", class_names[cls].c_str());
    std::printf("\n");
  } else {
    std::printf("cnn_unload: %zu values\n", values.size());
  }
}

// Engine-only timing: the median of `runs` whole-network runs.
int bench_engine(const Network& net, int runs) {
  EngineOptions eo;
  eo.keep_traces = false;
  int64_t macs = 0;
  for (int idx : net.order) macs += layer_macs(net.layers[static_cast<size_t>(idx)]);
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const EngineResult r = run_network(net, eo);
    const auto t1 = std::chrono::steady_clock::now();
    seconds.push_back(std::chrono::duration<double>(t1 - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf("engine: %lld MACs, median %.6f s over %d runs, %.3g MAC/s\n", static_cast<long long>(macs), median, runs,
              static_cast<double>(macs) / median);
  return kExitPass;
}

void setup_app(CLI::App& app, Args& a, cli::IzerFlagSink& sink) {
  // argparse semantics: a repeated option keeps its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--config,--config-file", a.config, "Network description (the izer's YAML)");
  app.add_option("--checkpoint,--checkpoint-file", a.checkpoint,
                 "Quantized checkpoint (.pth.tar); default: <config stem>.pth.tar beside the YAML");
  app.add_option("--kat,--sample-input", a.sample, "Known-answer input sample (.npy, C×H×W or C×L)");
  app.add_option("--sample-weights,--weight-input", a.weights, "Sample weights for `arch: test` networks");
  app.add_option("--sample-bias,--bias-input", a.bias, "Sample bias for `arch: test` networks");
  app.add_option("--device", a.device, "MAX78000 or MAX78002 (default: from the arch name, ai87... = MAX78002)");
  app.add_option("--expected", a.expected, "Known answer: a sampleoutput.h or an expected.json");
  app.add_option("--write-sampleoutput", a.write_sampleoutput,
                 "Write the known answer in the izer's sampleoutput.h format");
  app.add_option("--dump", a.dump, "Write every layer's input, pooled and output tensors to HDF5");
  app.add_option("--model", a.model,
                 "fast: the arithmetic core on whole tensors (default); systemc: compile the network to the "
                 "generated code's bus writes and run them on the SystemC model of the accelerator")
      ->check(CLI::IsMember({"fast", "systemc"}));
  app.add_option("--clock-mhz", a.systemc.clock_mhz, "CNN clock of the SystemC model, for the reported time")
      ->check(CLI::PositiveNumber);
  app.add_flag("--strict", a.systemc.strict, "With --model systemc: memory hazards exit 1");
  app.add_flag("--no-layer-check{false}", a.systemc.layer_check,
               "With --model systemc: skip the fast engine's layer-by-layer comparison and the hazard analysis "
               "(the model's own speed)");
  app.add_option("--compare-programming", a.compare_programming,
                 "Compare the generator's programming (a registers.txt or cnn.c) with ai8xsim's for the network, "
                 "register by register; with a known answer, run both on the model");
  app.add_option("--vcd", a.systemc.vcd,
                 "With --model systemc or --replay: write a VCD waveform (layer, busy, irq, processor enables, "
                 "FIFO levels) for GTKWave");
  app.add_option("--emit-trace", a.systemc.emit_trace,
                 "With --model systemc: write the compiled program as a registers.txt trace");
  app.add_option("--case", a.case_dir,
                 "Run a known-answer case folder (case.json, network.yaml, sample.npy, expected.json)");
  app.add_option("--class-names", a.class_names, "Names of the output classes, for the printed prediction")
      ->delimiter(',');
  app.add_option("--bench", a.bench_runs, "Time N runs of the engine and print the rate (used by bench/run.sh)")
      ->group("");
  app.add_option("--generated", a.generated,
                 "Compile a folder the generator wrote (cnn.c, main.c, ...) for the host and run its main() on the "
                 "SystemC model; the verdict is the generated check_output()'s");
  app.add_option("--emit-c", a.emit_c,
                 "Write the register program (of --replay's trace, or compiled from the network) as a folder of C "
                 "in the generated code's style, for --generated");
  app.add_option("--replay", a.replay.trace, "Replay a register trace (registers.txt) on the SystemC model");
  app.add_option("--explain-registers", a.explain.file,
                 "Explain a register trace (registers.txt) or a generated cnn.c, write by write");
  app.add_flag("--all-fields", a.explain.all_fields, "With --explain-registers: also print zero fields");
  app.add_option("--memory-map", a.memory_map,
                 "Write a self-contained HTML page of the data, kernel and bias memory layout per layer");
  app.add_flag("--describe", a.describe, "Print the network as the simulator understands it");
  app.add_flag("--json", a.json, "With --describe: print JSON");
  app.add_flag("--layer-report", a.layer_report, "Per-layer min/max, saturation count and checksum");
  app.add_flag("-v,--verbose", a.verbose, "Print warnings and accepted-but-ignored switches");
  sink.options = &a.izer;
  cli::add_izer_flags(app, sink);
}

int simulate(Args& a, const std::vector<std::string>& ignored) {
  if (a.config.empty()) throw Error({.key = "--config"}, "a network description is required (--config NET.yaml)");
  const Device& device = choose_device(a);
  spec::BuildInputs in;
  in.config_path = a.config;
  if (!a.checkpoint.empty()) in.checkpoint_path = a.checkpoint;
  if (!a.sample.empty()) in.sample_path = a.sample;
  if (!a.weights.empty()) in.weights_path = a.weights;
  if (!a.bias.empty()) in.bias_path = a.bias;
  in.device = &device;
  in.options = a.izer;
  const Network net = spec::build_network(in);
  if (a.verbose) {
    for (const auto& w : net.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    for (const auto& f : ignored) std::fprintf(stderr, "note: %s only shapes generated code; ignored\n", f.c_str());
  }
  // The kernels and biases must fit the device's memories, as the generator
  // checks before it writes code.
  try {
    const compile::CompileOptions copt = compile::compile_options(net);
    const compile::KernelMap kernels = compile::place_kernels(net, copt);
    const compile::BiasMap biases = compile::place_biases(net, copt);
    if (a.model != "systemc") {
      for (const std::string& d : compile::generator_defects(net, copt)) {
        std::fprintf(stderr,
                     "warning: %s; the board's output will differ from the known answer (--model systemc shows "
                     "the chip's)\n",
                     d.c_str());
      }
    }
    if (!a.memory_map.empty()) {
      std::ofstream out(a.memory_map, std::ios::binary);
      out << memory_map_html(net, kernels, biases);
      if (!out.flush()) throw Error({.file = a.memory_map}, "cannot write the memory map");
      std::printf("memory map written to %s\n", a.memory_map.c_str());
    }
  } catch (Error& e) {
    e.with_file(a.config);
    throw;
  }
  if (a.describe) {
    if (a.json)
      std::cout << describe_json(net).dump(1) << "\n";
    else
      std::cout << describe_table(net);
    return kExitPass;
  }
  if (!a.emit_c.empty()) {
    const auto expected_path = find_expected(a, net);
    return cli::emit_c_from_network(net, a.config, ignored, expected_path ? *expected_path : std::string(), a.emit_c);
  }
  if (!a.compare_programming.empty()) {
    cli::CompareArgs c{.reference = a.compare_programming,
                       .config = a.config,
                       .program_flags = ignored,
                       .clock_mhz = a.systemc.clock_mhz};
    if (const auto expected_path = find_expected(a, net)) c.expected = *expected_path;
    return cli::run_compare_programming(net, c);
  }
  if (a.model == "systemc") {
    a.systemc.config = a.config;
    a.systemc.program_flags = ignored;
    a.systemc.layer_report = a.layer_report;
    if (const auto expected_path = find_expected(a, net)) a.systemc.expected = *expected_path;
    return cli::run_systemc(net, a.systemc);
  }

  EngineOptions eo;
  eo.keep_traces = !a.dump.empty();
  if (a.bench_runs > 0) return bench_engine(net, a.bench_runs);
  EngineResult result;
  try {
    result = run_network(net, eo);
  } catch (Error& e) {
    e.with_file(a.config);
    throw;
  }
  std::vector<std::optional<Tensor>> outputs(net.layers.size());
  for (size_t i = 0; i < result.layers.size(); ++i) {
    if (result.layers[i]) outputs[i] = result.layers[i]->output;
  }
  const std::vector<PlacedWord> placed = place_outputs(net, outputs);
  const SparseMemory memory = memory_image(placed);
  const std::vector<KatBlock> blocks = kat_blocks(placed);

  std::printf("%s: %s, %zu layers, input %dx%dx%d\n", device.name.c_str(), net.arch.c_str(), net.order.size(),
              net.input.c, net.input.h, net.input.w);
  if (a.layer_report) print_layer_report(net, result);
  print_result(net, memory, a.class_names);
  if (!a.write_sampleoutput.empty()) {
    write_sampleoutput_h(a.write_sampleoutput, blocks);
    std::printf("known answer written to %s (%zu words)\n", a.write_sampleoutput.c_str(), kat_word_count(blocks));
  }
  if (!a.dump.empty()) {
    std::vector<DumpLayer> layers;
    for (const auto& t : result.layers) {
      if (t) layers.push_back({t->layer, t->input, t->pooled, t->output});
    }
    write_hdf5_dump(a.dump, net, layers);
    std::printf("tensors written to %s\n", a.dump.c_str());
  }
  const auto expected_path = find_expected(a, net);
  if (!expected_path) {
    std::printf("KAT: no expected output (pass --expected sampleoutput.h or expected.json); %zu words computed\n",
                kat_word_count(blocks));
    return kExitPass;
  }
  const std::vector<KatBlock> expected = read_known_answer(*expected_path);
  const KatVerdict v = compare_kat(expected, memory, placed);
  return report_kat(v, *expected_path, true) == 0 ? kExitPass : kExitMismatch;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  cli::IzerFlagSink sink;
  CLI::App app{"ai8xsim: bit-accurate simulator of the MAX78000/MAX78002 CNN accelerator"};
  setup_app(app, a, sink);
  try {
    app.parse(argc, argv);
    if (!a.explain.file.empty()) {
      a.explain.device = a.device;
      a.explain.meanings = a.verbose;
      return cli::run_explain(a.explain);
    }
    if (!a.generated.empty()) {
      return cli::run_generated_folder({.folder = a.generated, .device = a.device, .clock_mhz = a.systemc.clock_mhz});
    }
    if (!a.replay.trace.empty() && !a.emit_c.empty()) {
      return cli::emit_c_from_trace(a.replay.trace, a.device, a.expected, a.emit_c);
    }
    if (!a.replay.trace.empty()) {
      a.replay.expected = a.expected;
      a.replay.device = a.device;
      a.replay.layer_report = a.layer_report;
      a.replay.clock_mhz = a.systemc.clock_mhz;
      a.replay.vcd = a.systemc.vcd;
      return cli::run_replay(a.replay);
    }
    if (!a.case_dir.empty()) {
      // Re-parse with the case's own files and generator switches first.
      std::vector<std::string> args = cli::case_arguments(a.case_dir);
      for (int i = 1; i < argc; ++i) {
        const std::string s = argv[i];
        if (s == "--case") {
          ++i;
          continue;
        }
        if (s.rfind("--case=", 0) == 0) continue;
        args.push_back(s);
      }
      a = Args{};
      sink = cli::IzerFlagSink{};
      CLI::App case_app{"ai8xsim"};
      setup_app(case_app, a, sink);
      std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
      case_app.parse(args);
      cli::finish_izer_flags(case_app, sink);
      return simulate(a, sink.ignored);
    }
    cli::finish_izer_flags(app, sink);
    return simulate(a, sink.ignored);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitPass;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ai8xsim: error: %s\n", e.what());
    return kExitBadInput;
  } catch (const Error& e) {
    std::fprintf(stderr, "ai8xsim: error: %s\n", e.formatted().c_str());
    return kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ai8xsim: error: out of memory\n");
    return kExitBadInput;
  }
}
