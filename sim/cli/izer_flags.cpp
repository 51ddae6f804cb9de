#include "cli/izer_flags.hpp"

#include <sstream>

#include "core/error.hpp"

namespace ai8x::cli {

namespace {

// ai8xize.py switches that only shape the generated C, the RTL simulation
// files or the izer's own console output. They are accepted so a pasted izer
// command line works, and have no effect on the simulated result.
const char* const kCodeOnlyFlags[] = {"--ai85",
                                      "--embedded-code",
                                      "--rtl",
                                      "--rtl-sim",
                                      "--rtl-preload",
                                      "--rtl-preload-weights",
                                      "--pipeline",
                                      "--no-pipeline",
                                      "--pll",
                                      "--no-pll",
                                      "--apb",
                                      "--balance-speed",
                                      "--max-speed",
                                      "--display-checkpoint",
                                      "--overwrite",
                                      "--compact-weights",
                                      "--softmax",
                                      "--unload",
                                      "--no-unload",
                                      "--no-kat",
                                      "--no-wfi",
                                      "--no-timer",
                                      "--energy",
                                      "--no-warn-zero",
                                      "--no-fifo-wait",
                                      "--fifo-go",
                                      "--debug-new-streaming",
                                      "--riscv-flash",
                                      "--no-riscv-flash",
                                      "--riscv-cache",
                                      "--no-riscv-cache",
                                      "--riscv-debug",
                                      "--riscv-exclusive",
                                      "--verbose-izer",
                                      "--log",
                                      "--no-log",
                                      "--no-progress",
                                      "--log-intermediate",
                                      "--log-pooling",
                                      "--short-log",
                                      "--log-last-only",
                                      "--verbose-all",
                                      "--debug",
                                      "--debug-computation",
                                      "--debug-latency",
                                      "--no-error-stop",
                                      "--stop-start",
                                      "--one-shot",
                                      "--fixed-input",
                                      "--forever",
                                      "--link-layer",
                                      "--read-ahead",
                                      "--ext-rdy",
                                      "--ignore-bias-groups",
                                      "--debug-snoop",
                                      "--snoop-loop",
                                      "--ignore-hw-limits",
                                      "--ignore-energy-warning",
                                      "--ignore-mlator-warning",
                                      "--no-greedy-kernel",
                                      "--new-kernel-loader",
                                      "--old-kernel-loader",
                                      "--input-sync",
                                      "--input-fifo",
                                      "--legacy-kernels",
                                      "--test-bist",
                                      "--result-output",
                                      "--allow-streaming",
                                      "--powerdown",
                                      "--deepsleep",
                                      "--verify-writes",
                                      "--verify-kernels",
                                      "--mlator-noverify",
                                      "--write-zero-registers",
                                      "--init-tram",
                                      "--zero-sram",
                                      "--pretend-zero-sram",
                                      "--zero-unused",
                                      "--no-version-check"};

const char* const kCodeOnlyValueFlags[] = {"--clock-divider",
                                           "--board-name",
                                           "--prefix",
                                           "--debugwait",
                                           "--define",
                                           "--define-default-arm",
                                           "--define-default-riscv",
                                           "--eclipse-includes",
                                           "--eclipse-variables",
                                           "--eclipse-openocd-args",
                                           "--unroll-mlator",
                                           "--unroll-8bit",
                                           "--unroll-wide",
                                           "--boost",
                                           "--timer",
                                           "--switch-delay",
                                           "--c-filename",
                                           "--api-filename",
                                           "--weight-filename",
                                           "--sample-filename",
                                           "--sample-output-filename",
                                           "--sample-numpy-filename",
                                           "--slow-load",
                                           "--log-filename",
                                           "--repeat-layers",
                                           "--clock-trim",
                                           "--kernel-format",
                                           "--input-csv",
                                           "--input-csv-retrace",
                                           "--input-csv-period",
                                           "--input-pix-clk",
                                           "--autogen",
                                           "--autogen_list",
                                           "--input-filename",
                                           "--output-filename",
                                           "--output-config-filename",
                                           "--output-data-filename",
                                           "--output-weights-filename",
                                           "--output-bias-filename",
                                           "--output-pass-filename",
                                           "--runtest-filename",
                                           "--test-dir",
                                           "--top-level",
                                           "--queue-name",
                                           "--timeout",
                                           "--override-start",
                                           "--increase-start",
                                           "--override-rollover",
                                           "--override-delta1",
                                           "--increase-delta1",
                                           "--override-delta2",
                                           "--increase-delta2",
                                           "--ready-sel",
                                           "--ready-sel-fifo",
                                           "--ready-sel-aon",
                                           "--input-split",
                                           "--max-verify-length",
                                           "--max-checklines",
                                           "--version-check-interval",
                                           "--upstream",
                                           "--yamllint"};

int64_t parse_int(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used, 0);  // 0x.., 0.., decimal, like int(x, 0)
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw Error({.key = flag}, "expected an integer (decimal or 0x hex), found \"" + text + "\"");
  }
}

std::vector<int> parse_list(const std::string& flag, const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(static_cast<int>(parse_int(flag, item)));
  return out;
}

}  // namespace

void add_izer_flags(CLI::App& app, IzerFlagSink& sink) {
  IzerOptions& o = *sink.options;
  const std::string g = "Vendor generator (ai8xize.py) switches";
  app.add_flag("--avg-pool-rounding", o.avg_pool_rounding, "Round average pools half away from zero")->group(g);
  app.add_flag("--simple1b", o.simple1b, "1-bit weights use the XOR datapath (no numeric change)")->group(g);
  app.add_flag("--mexpress,!--no-mexpress", o.mexpress, "Express kernel loading (default on)")->group(g);
  app.add_flag("--compact-data,!--no-compact-data", o.compact_data, "Input loading by memcpy (default on)")->group(g);
  app.add_flag("--mlator", o.mlator, "Unload 8-bit outputs through the byte-swapper")->group(g);
  app.add_option("--no-bias", sink.no_bias, "Ignore the bias of these layers (comma list; all without a list)")
      ->expected(0, 1)
      ->group(g);
  app.add_option("--output-width", o.output_width, "Override the final layer's output width (8 or 32)")
      ->check(CLI::IsMember({8, 32}))
      ->group(g);
  app.add_flag("--ignore-activation", o.ignore_activation, "Treat every layer as having no activation")->group(g);
  app.add_flag("--ignore-bn", o.ignore_bn, "Skip unfolded BatchNorm weights in the checkpoint")->group(g);
  app.add_option("--stop-after", o.stop_after, "Terminate after this layer (its output is checked)")->group(g);
  app.add_option("--start-layer", o.start_layer, "First layer to run (MAX78002)")->group(g);
  app.add_option("--max-proc", o.max_proc, "Pretend fewer processors exist")->check(CLI::Range(1, 64))->group(g);
  app.add_option("--input-offset", sink.input_offset, "First layer's in_offset")->group(g);
  app.add_option("--weight-start", o.weight_start, "First kernel memory column to place kernels from")->group(g);
  app.add_flag("!--no-deduplicate-weights", o.deduplicate_weights, "Do not share identical kernels between layers")
      ->group(g);
  app.add_flag("--calcx4", o.calcx4, "Every layer computes 4 output channels per pass (MAX78002)")->group(g);
  app.add_flag("--legacy-test", o.legacy_test, "Legacy element-wise operand layout of the vendor's tests")->group(g);
  app.add_flag("--fifo", o.fifo, "Load the input through the FIFOs")->group(g);
  app.add_flag("--fast-fifo", o.fast_fifo, "Load the input through the fast FIFO (RISC-V)")->group(g);
  app.add_flag("--fast-fifo-quad", o.fast_fifo_quad, "Fast FIFO feeding all four quadrants")->group(g);
  app.add_flag("--riscv", o.riscv, "Generated code runs on the RISC-V core")->group(g);
  app.add_flag("--overlap-data", o.overlap_data, "Allow a layer's output to overlap its input")->group(g);
  app.add_flag("--reshape-inputs", o.reshape_inputs, "Drop in_channel_skip leading input channels")->group(g);
  app.add_flag("--ignore-streaming", o.ignore_streaming, "Remove all `streaming` flags")->group(g);
  app.add_option("--streaming-layers", sink.streaming_layers, "Comma list of additional streaming layers")->group(g);
  app.add_option("--skip-checkpoint-layers", o.skip_checkpoint_layers, "Ignore the first N checkpoint weight layers")
      ->group(g);
  app.add_option("--skip-yaml-layers", o.skip_yaml_layers, "Ignore the first N YAML layers")->group(g);
  app.add_option("--apb-base", sink.apb_base, "APB base address (shifts every address)")->group(g);
  app.add_option("--synthesize-input", sink.synthesize_input, "Synthesize input beyond the first words by adding N")
      ->group(g);
  app.add_option("--synthesize-words", o.synthesize_words, "Words per synthesized block (default 8)")->group(g);
  app.add_option("--input-csv-format", sink.input_csv_format, "Mask input low bits: 555 or 565")
      ->check(CLI::IsMember({555, 565}))
      ->group(g);
  for (const char* f : kCodeOnlyFlags) {
    std::string name = f;
    if (name == "--verbose-izer") continue;
    app.add_flag_callback(
           name, [&sink, name] { sink.ignored.push_back(name); }, "Accepted; shapes generated code only")
        ->group("Vendor generator switches without effect on simulation");
  }
  for (const char* f : kCodeOnlyValueFlags) {
    std::string name = f;
    app.add_option_function<std::string>(
           name, [&sink, name](const std::string& v) { sink.ignored.push_back(name + " " + v); },
           "Accepted; shapes generated code only")
        ->group("Vendor generator switches without effect on simulation");
  }
}

void finish_izer_flags(const CLI::App& app, IzerFlagSink& sink) {
  IzerOptions& o = *sink.options;
  if (app.count("--no-bias") > 0) {
    if (sink.no_bias.empty())
      o.no_bias_all = true;
    else
      o.no_bias_layers = parse_list("--no-bias", sink.no_bias);
  }
  if (!sink.streaming_layers.empty()) o.streaming_layers = parse_list("--streaming-layers", sink.streaming_layers);
  if (!sink.input_offset.empty())
    o.input_offset = static_cast<uint32_t>(parse_int("--input-offset", sink.input_offset));
  if (!sink.apb_base.empty()) o.apb_base = static_cast<uint32_t>(parse_int("--apb-base", sink.apb_base));
  if (!sink.synthesize_input.empty())
    o.synthesize_input = static_cast<int>(parse_int("--synthesize-input", sink.synthesize_input));
  if (sink.input_csv_format != 0) o.input_csv_format = std::to_string(sink.input_csv_format);
  if (o.fast_fifo_quad) o.fast_fifo = true;
  if (o.fast_fifo) o.fifo = true;
}

}  // namespace ai8x::cli
