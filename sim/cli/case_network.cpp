#include "cli/case_network.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>

#include "cli/case_dir.hpp"
#include "cli/izer_flags.hpp"
#include "cli/systemc_command.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "spec/build.hpp"

namespace ai8x::cli {

CaseNetwork load_case_network(const std::string& dir) {
  std::vector<std::string> args = case_arguments(dir);
  std::string config, sample, device_name, expected, checkpoint, weights, bias;
  IzerOptions izer;
  IzerFlagSink sink;
  sink.options = &izer;
  CLI::App app{"case"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // as the generator's argparse
  app.add_option("--config", config);
  app.add_option("--kat", sample);
  app.add_option("--device", device_name);
  app.add_option("--expected", expected);
  app.add_option("--checkpoint", checkpoint);
  app.add_option("--sample-weights", weights);
  app.add_option("--sample-bias", bias);
  bool verbose = false;  // the generator's --verbose is also ai8xsim's
  app.add_flag("-v,--verbose", verbose);
  add_izer_flags(app, sink);
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    throw Error({.file = dir + "/case.json", .key = "izer_args"}, e.what());
  }
  finish_izer_flags(app, sink);

  const Device* device = find_device(device_name);
  if (device == nullptr) {
    throw Error({.file = dir + "/case.json", .key = "device"}, "unknown device \"" + device_name + "\"");
  }
  spec::BuildInputs in;
  in.config_path = config;
  in.sample_path = sample;
  if (!checkpoint.empty()) in.checkpoint_path = checkpoint;
  if (!weights.empty()) in.weights_path = weights;
  if (!bias.empty()) in.bias_path = bias;
  in.device = device;
  in.options = izer;
  CaseNetwork c{.net = spec::build_network(in), .config = config, .expected = expected};
  c.program = program_options(c.net, config, sink.ignored);
  return c;
}

}  // namespace ai8x::cli
