// Malformed inputs through the CLI: each must exit 2 with one line naming the
// file and, where it applies, the layer and the key. Never a crash, never a
// result.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kShared(AI8X_SHARED_DIR);
const fs::path kMnist = kShared / "conformance" / "demo85-mnist";
const fs::path kMnistCkpt = kShared / "data" / "trained" / "ai85-mnist-qat8-q.pth.tar";
const fs::path kConv1d = kShared / "conformance" / "t85-conv1d-multilayer";
const fs::path kConv1dWeights = kShared / "data" / "tests" / "weights_test_conv1d-multilayer.npy";

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("test setup: \"" + from + "\" not found");
  return s.replace(at, from.size(), to);
}

// A .npy v1.0 file with the given descr, shape text and raw payload.
std::string npy(const std::string& descr, const std::string& shape, const std::string& payload) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + payload;
}

std::string int64s(const std::vector<int64_t>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(int64_t));
}

struct Result {
  int exit_code = -1;
  std::string output;
};

Result run_cli(const std::vector<std::string>& args) {
  std::string cmd = AI8X_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

struct BadInput {
  std::string name;
  // Writes the inputs into `dir` and returns the CLI arguments.
  std::function<std::vector<std::string>(const fs::path& dir)> setup;
  std::vector<std::string> message_parts;  // all must appear in the message
};

// The mnist network with a modified YAML (`edit`) and the real checkpoint and sample.
BadInput mnist_yaml(const std::string& name, const std::string& from, const std::string& to,
                    std::vector<std::string> parts) {
  return {name,
          [from, to](const fs::path& dir) {
            spit(dir / "net.yaml", replace(slurp(kMnist / "network.yaml"), from, to));
            return std::vector<std::string>{
                "--config", (dir / "net.yaml").string(),      "--checkpoint", kMnistCkpt.string(),
                "--kat",    (kMnist / "sample.npy").string(), "--device",     "MAX78000"};
          },
          std::move(parts)};
}

// The mnist network with a modified sample file.
BadInput mnist_sample(const std::string& name, const std::string& sample, std::vector<std::string> parts) {
  return {name,
          [sample](const fs::path& dir) {
            spit(dir / "sample.npy", sample);
            return std::vector<std::string>{
                "--config", (kMnist / "network.yaml").string(), "--checkpoint", kMnistCkpt.string(),
                "--kat",    (dir / "sample.npy").string(),      "--device",     "MAX78000"};
          },
          std::move(parts)};
}

// The mnist network with a modified checkpoint.
BadInput mnist_checkpoint(const std::string& name, std::function<std::string(std::string)> edit,
                          std::vector<std::string> parts) {
  return {name,
          [edit](const fs::path& dir) {
            spit(dir / "ckpt.pth.tar", edit(slurp(kMnistCkpt)));
            return std::vector<std::string>{
                "--config", (kMnist / "network.yaml").string(), "--checkpoint", (dir / "ckpt.pth.tar").string(),
                "--kat",    (kMnist / "sample.npy").string(),   "--device",     "MAX78000"};
          },
          std::move(parts)};
}

// A Conv1d test network (sample weights) with a modified YAML.
BadInput conv1d_yaml(const std::string& name, const std::string& from, const std::string& to,
                     std::vector<std::string> parts, const std::string& device = "MAX78000") {
  return {name,
          [from, to, device](const fs::path& dir) {
            spit(dir / "net.yaml", replace(slurp(kConv1d / "network.yaml"), from, to));
            return std::vector<std::string>{
                "--config", (dir / "net.yaml").string(),       "--sample-weights", kConv1dWeights.string(),
                "--kat",    (kConv1d / "sample.npy").string(), "--device",         device};
          },
          std::move(parts)};
}

std::vector<BadInput> bad_inputs() {
  const std::string conv1d_layer0 =
      "  - out_offset: 0x2000\n    processors: 0x0000000000000007\n    operation: conv1d\n    kernel_size: 9\n";
  return {
      // YAML syntax and schema.
      mnist_yaml("yaml_syntax_error", "layers:", "layers: [", {"net.yaml", "syntax"}),
      mnist_yaml("unknown_top_level_key", "dataset: MNIST", "dataset: MNIST\nbogus: 1", {"net.yaml", "bogus"}),
      mnist_yaml("unknown_layer_key", "  - pad: 1\n", "  - pad: 1\n    padding: 1\n",
                 {"net.yaml", "layer 0", "padding"}),
      mnist_yaml("duplicate_key", "  - pad: 1\n", "  - pad: 1\n    pad: 1\n", {"net.yaml", "duplicate", "pad"}),
      mnist_yaml("missing_arch", "arch: ai85net5\n", "", {"net.yaml", "arch"}),
      mnist_yaml("layers_not_a_list", "layers:", "layers: 5\nx:", {"net.yaml"}),
      mnist_yaml("unknown_operator", "  - op: mlp", "  - op: matmul", {"net.yaml", "layer 4", "matmul"}),
      mnist_yaml("unknown_activation", "    activate: None", "    activate: GELU", {"net.yaml", "layer 4", "GELU"}),
      mnist_yaml("activation_not_a_string", "    activate: None", "    activate: 3",
                 {"net.yaml", "layer 4", "activate"}),
      mnist_yaml("negative_pad", "  - pad: 1\n", "  - pad: -1\n", {"net.yaml", "layer 0", "pad"}),
      mnist_yaml("pad_3", "  - pad: 1\n", "  - pad: 3\n", {"net.yaml", "layer 0", "pad"}),
      mnist_yaml("kernel_5x5_unsupported", "  - pad: 1\n", "  - pad: 1\n    kernel_size: 5x5\n",
                 {"net.yaml", "layer 0", "kernel_size"}),
      mnist_yaml("output_width_16", "    output_width: 32", "    output_width: 16",
                 {"net.yaml", "layer 4", "output_width"}),
      mnist_yaml("quantization_3", "    output_width: 32", "    output_width: 32\n    quantization: 3",
                 {"net.yaml", "layer 4", "quantization"}),
      mnist_yaml("operands_without_eltwise", "    output_width: 32", "    output_width: 32\n    operands: 2",
                 {"net.yaml", "layer 4", "operands"}),
      mnist_yaml("stride_with_pooling", "  - max_pool: 2\n    pool_stride: 2\n    pad: 2",
                 "  - max_pool: 2\n    pool_stride: 2\n    stride: 2\n    pad: 2", {"net.yaml", "layer 1", "stride"}),
      mnist_yaml("pool_dilation_without_pooling", "  - pad: 1\n", "  - pad: 1\n    pool_dilation: 2\n",
                 {"net.yaml", "layer 0", "pool_dilation"}),
      mnist_yaml("pool_dilation_on_max78000", "  - max_pool: 2\n    pool_stride: 2\n    pad: 2",
                 "  - max_pool: 2\n    pool_stride: 2\n    pool_dilation: 2\n    pad: 2",
                 {"net.yaml", "layer 1", "pool_dilation"}),
      mnist_yaml("depthwise_on_max78000", "  - max_pool: 2\n    pool_stride: 2\n    pad: 2",
                 "  - max_pool: 2\n    pool_stride: 2\n    groups: 60\n    pad: 2", {"net.yaml", "layer 1", "groups"}),
      mnist_yaml("chw_on_second_layer",
                 "    out_offset: 0\n    processors: 0xfffffffffffffff0\n    op: conv2d\n  - max_pool: 2",
                 "    out_offset: 0\n    processors: 0xfffffffffffffff0\n    op: conv2d\n    data_format: CHW\n  - "
                 "max_pool: 2",
                 {"net.yaml", "layer 1", "data_format"}),
      mnist_yaml("out_offset_too_large", "    out_offset: 0x1000", "    out_offset: 0x40000",
                 {"net.yaml", "layer 4", "out_offset"}),
      mnist_yaml("output_overflows_instance", "    out_offset: 0x2000\n    processors: 0x0000000000000001",
                 "    out_offset: 0x7800\n    processors: 0x0000000000000001",
                 {"net.yaml", "layer 0", "out_offset", "exceeds"}),
      mnist_yaml("processor_map_zero", "    processors: 0x0000000000000fff", "    processors: 0",
                 {"net.yaml", "layer 4", "processors"}),
      mnist_yaml("processor_map_not_hex", "    processors: 0x0000000000000fff", "    processors: \"0x00zz\"",
                 {"net.yaml", "layer 4", "processors"}),
      mnist_yaml("processor_map_bit_count", "    processors: 0x0000000000000fff", "    processors: 0x00000000000000ff",
                 {"net.yaml", "layer 3", "output_processors", "layer 4", "has 8 bits"}),
      mnist_yaml("octal_processor_map", "    processors: 0x0000000000000fff", "    processors: 0000000000000111",
                 {"net.yaml", "layer 3", "0x0000000000000049", "has 3 bits"}),
      mnist_yaml("output_map_bit_count", "dataset: MNIST", "dataset: MNIST\noutput_map: 0xff",
                 {"net.yaml", "layer 4", "output_processors"}),
      mnist_yaml("channel_count_mismatch", "    processors: 0x0000000000000fff",
                 "    processors: 0x0000000000000fff\n    in_channels: 160", {"net.yaml", "layer 4"}),
      mnist_yaml("flatten_too_large", "  - avg_pool: 2\n    pool_stride: 2\n", "  - pool_stride: 1\n",
                 {"net.yaml", "layer 4"}),
      mnist_yaml("layer_count_mismatch", "  - op: mlp\n",
                 "  - op: conv2d\n    processors: 0x0000000000000fff\n    out_offset: 0\n  - op: mlp\n", {"net.yaml"}),
      mnist_yaml("in_sequences_unknown_name", "  - op: mlp", "  - op: mlp\n    in_sequences: [nosuchlayer]",
                 {"net.yaml", "layer 4", "in_sequences"}),
      mnist_yaml(
          "passthrough_activation", "  - op: mlp\n",
          "  - op: none\n    activate: ReLU\n    processors: 0x0000000000000fff\n    out_offset: 0\n  - op: mlp\n",
          {"net.yaml"}),
      mnist_yaml("passthrough_output_not_packed", "  - op: mlp\n",
                 "  - op: none\n    processors: 0x0000000000000fff\n    output_processors: 0x0000000000fff000\n"
                 "    out_offset: 0\n  - op: mlp\n",
                 {"net.yaml", "layer 4", "output_processors", "packed"}),
      mnist_yaml("32bit_with_activation", "    activate: None", "    activate: ReLU",
                 {"net.yaml", "layer 4", "output_width"}),
      mnist_yaml("shift_out_of_range", "    activate: None", "    activate: None\n    output_shift: 20",
                 {"net.yaml", "layer 4", "output_shift"}),
      mnist_yaml("arch_mismatch", "arch: ai85net5", "arch: ai85net6",
                 {"ai85-mnist-qat8-q.pth.tar", "net.yaml", "ai85net5", "ai85net6"}),
      // Conv1d limits.
      conv1d_yaml(
          "conv1d_kernel_10", conv1d_layer0,
          "  - out_offset: 0x2000\n    processors: 0x0000000000000007\n    operation: conv1d\n    kernel_size: 10\n",
          {"net.yaml", "layer 0", "kernel_size"}),
      conv1d_yaml(
          "conv1d_kernel_mismatch", conv1d_layer0,
          "  - out_offset: 0x2000\n    processors: 0x0000000000000007\n    operation: conv1d\n    kernel_size: 7\n",
          {"layer 0", "kernel"}),
      conv1d_yaml("next_sequence_on_max78000", conv1d_layer0, conv1d_layer0 + "    next_sequence: 2\n",
                  {"net.yaml", "layer 0", "next_sequence"}),
      // Samples.
      mnist_sample("sample_bad_magic", "not a numpy file at all", {"sample.npy"}),
      mnist_sample("sample_truncated", npy("<i8", "(1, 28, 28)", int64s(std::vector<int64_t>(100, 1))), {"sample.npy"}),
      mnist_sample("sample_out_of_range", npy("<i8", "(1, 28, 28)", int64s(std::vector<int64_t>(784, 300))),
                   {"sample.npy", "300"}),
      mnist_sample("sample_wrong_rank", npy("<i8", "(1, 1, 28, 28)", int64s(std::vector<int64_t>(784, 1))),
                   {"sample.npy", "dimensions"}),
      mnist_sample("sample_float_fraction", npy("<f8", "(1, 28, 28)", std::string(784 * 8, '\x3f')), {"sample.npy"}),
      mnist_sample("sample_unsupported_dtype", npy("<c16", "(1, 28, 28)", std::string(784 * 16, '\0')), {"sample.npy"}),
      mnist_sample("sample_channel_mismatch", npy("<i8", "(2, 28, 28)", int64s(std::vector<int64_t>(2 * 784, 1))),
                   {"sample.npy", "layer 0", "2 channels"}),
      // Checkpoints.
      mnist_checkpoint("checkpoint_truncated_zip", [](std::string s) { return s.substr(0, s.size() / 2); },
                       {"ckpt.pth.tar"}),
      mnist_checkpoint("checkpoint_not_a_checkpoint",
                       [](std::string) { return std::string("hello world, not a checkpoint"); }, {"ckpt.pth.tar"}),
      mnist_checkpoint("checkpoint_empty", [](std::string) { return std::string(); }, {"ckpt.pth.tar"}),
      {"legacy_checkpoint_bad_opcode",
       [](const fs::path& dir) {
         std::string s = slurp(kShared / "data" / "tests" / "test-mnist.pth.tar");
         // The magic-number pickle is 15 bytes; the protocol-version pickle follows.
         s[15] = '\xfe';
         spit(dir / "ckpt.pth.tar", s);
         return std::vector<std::string>{
             "--config", (kMnist / "network.yaml").string(), "--checkpoint", (dir / "ckpt.pth.tar").string(),
             "--kat",    (kMnist / "sample.npy").string(),   "--device",     "MAX78000"};
       },
       {"ckpt.pth.tar", "0xfe"}},
      {"legacy_checkpoint_truncated",
       [](const fs::path& dir) {
         spit(dir / "ckpt.pth.tar", slurp(kShared / "data" / "tests" / "test-mnist.pth.tar").substr(0, 300));
         return std::vector<std::string>{
             "--config", (kMnist / "network.yaml").string(), "--checkpoint", (dir / "ckpt.pth.tar").string(),
             "--kat",    (kMnist / "sample.npy").string(),   "--device",     "MAX78000"};
       },
       {"ckpt.pth.tar"}},
      // Command line.
      {"unknown_device",
       [](const fs::path&) {
         return std::vector<std::string>{"--config", (kMnist / "network.yaml").string(), "--device", "MAX78001"};
       },
       {"MAX78001"}},
      {"missing_config_file",
       [](const fs::path& dir) {
         return std::vector<std::string>{"--config", (dir / "nope.yaml").string(), "--device", "MAX78000"};
       },
       {"nope.yaml", "does not exist"}},
      {"missing_checkpoint",
       [](const fs::path& dir) {
         spit(dir / "net.yaml", slurp(kMnist / "network.yaml"));
         return std::vector<std::string>{"--config", (dir / "net.yaml").string(),
                                         "--kat",    (kMnist / "sample.npy").string(),
                                         "--device", "MAX78000"};
       },
       {"net.yaml", "checkpoint"}},
      {"unknown_flag",
       [](const fs::path&) {
         return std::vector<std::string>{"--config", (kMnist / "network.yaml").string(), "--frobnicate"};
       },
       {"frobnicate"}},
      {"malformed_expected",
       [](const fs::path& dir) {
         spit(dir / "expected.json", "{\"checks\": [{\"addr\": \"x\"}]}");
         return std::vector<std::string>{"--case", kMnist.string(), "--expected", (dir / "expected.json").string()};
       },
       {"expected.json"}},
  };
}

class BadInputTest : public testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, ExitsTwoWithAPreciseMessage) {
  const BadInput& bad = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("ai8xsim-bad-" + bad.name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Result r = run_cli(bad.setup(dir));
  std::cout << "  " << r.output;  // the message, for people reading the test log
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("ai8xsim: error: "), std::string::npos) << r.output;
  for (const auto& part : bad.message_parts)
    EXPECT_NE(r.output.find(part), std::string::npos) << "missing \"" << part << "\" in: " << r.output;
  EXPECT_EQ(r.output.find("KAT:"), std::string::npos) << "no result may be printed for bad input: " << r.output;
  fs::remove_all(dir);
}

std::string bad_input_name(const testing::TestParamInfo<BadInput>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(Table, BadInputTest, testing::ValuesIn(bad_inputs()), bad_input_name);

}  // namespace
