// The izer's YAML reading rules and network derivations (conventions §1).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "io/npy.hpp"
#include "io/yaml_value.hpp"
#include "spec/build.hpp"
#include "spec/network_yaml.hpp"

namespace {

namespace fs = std::filesystem;
using ai8x::io::resolve_plain_scalar;
using ai8x::io::YamlValue;

TEST(Yaml11Scalars, LeadingZeroDigitsAreOctal) {
  const YamlValue v = resolve_plain_scalar("0000000000000111");
  ASSERT_EQ(v.kind, YamlValue::Kind::Int);
  EXPECT_EQ(v.i, 73);  // octal 111
}

TEST(Yaml11Scalars, InvalidOctalStaysAString) {
  EXPECT_EQ(resolve_plain_scalar("00089").kind, YamlValue::Kind::String);
}

TEST(Yaml11Scalars, HexBinaryUnderscoresAndBase60) {
  EXPECT_EQ(resolve_plain_scalar("0x0000_0fff").i, 0xfff);
  EXPECT_EQ(resolve_plain_scalar("0b101").i, 5);
  EXPECT_EQ(resolve_plain_scalar("1:30").i, 90);
  EXPECT_EQ(resolve_plain_scalar("-12").i, -12);
}

TEST(Yaml11Scalars, SixtyFourBitProcessorMapKeepsItsBits) {
  const YamlValue v = resolve_plain_scalar("0xffffffffffffffff");
  ASSERT_EQ(v.kind, YamlValue::Kind::Int);
  EXPECT_EQ(static_cast<uint64_t>(v.i), ~uint64_t{0});
}

TEST(Yaml11Scalars, DottedMapIsAString) {
  EXPECT_EQ(resolve_plain_scalar("0x0000.0000.0000.0fff").kind, YamlValue::Kind::String);
}

TEST(Yaml11Scalars, BooleansAndNulls) {
  for (const char* t : {"yes", "Yes", "ON", "true", "True"}) {
    const YamlValue v = resolve_plain_scalar(t);
    EXPECT_EQ(v.kind, YamlValue::Kind::Bool) << t;
    EXPECT_TRUE(v.b) << t;
  }
  EXPECT_FALSE(resolve_plain_scalar("off").b);
  EXPECT_EQ(resolve_plain_scalar("~").kind, YamlValue::Kind::Null);
  EXPECT_EQ(resolve_plain_scalar("None").kind, YamlValue::Kind::String);  // only null/~ are null
  EXPECT_EQ(resolve_plain_scalar("y").kind, YamlValue::Kind::String);     // PyYAML: not a boolean
}

TEST(Yaml11Scalars, QuotedNumbersStayStrings) {
  const YamlValue doc = ai8x::io::parse_yaml("a: '0x10'\nb: 0x10\n", "t.yaml");
  EXPECT_EQ(doc.find("a")->kind, YamlValue::Kind::String);
  EXPECT_EQ(doc.find("b")->i, 16);
}

TEST(Yaml11Scalars, DuplicateKeyNamesBothLines) {
  try {
    ai8x::io::parse_yaml("a: 1\nb: 2\na: 3\n", "t.yaml");
    FAIL() << "duplicate key accepted";
  } catch (const ai8x::Error& e) {
    EXPECT_NE(e.formatted().find("line 3"), std::string::npos) << e.formatted();
    EXPECT_NE(e.formatted().find("line 1"), std::string::npos) << e.formatted();
  }
}

ai8x::spec::NetworkYaml parse(const std::string& text, const ai8x::Device& dev = ai8x::max78000()) {
  return ai8x::spec::parse_network_yaml(ai8x::io::parse_yaml(text, "net.yaml"), "net.yaml", dev);
}

TEST(NetworkYaml, ProcessorMapStringsAreHexWithDots) {
  const auto net = parse("arch: a\ndataset: d\nlayers:\n  - processors: '0x0000.0000.0000.0111'\n    out_offset: 0\n");
  EXPECT_EQ(net.layers[0].processors, 0x111U);
}

TEST(NetworkYaml, OperatorDefaults) {
  const auto net = parse(
      "arch: a\ndataset: d\nlayers:\n"
      "  - {processors: 1, op: conv1d}\n"
      "  - {processors: 1, op: fc}\n"
      "  - {processors: 1, op: add}\n"
      "  - {processors: 1, op: convtranspose2d}\n");
  EXPECT_EQ(net.layers[0].kernel, (ai8x::Pair{9, 1}));
  EXPECT_EQ(net.layers[1].kernel, (ai8x::Pair{1, 1}));
  EXPECT_EQ(net.layers[1].pad, (ai8x::Pair{0, 0}));
  EXPECT_EQ(net.layers[2].op, ai8x::Op::Passthrough);
  EXPECT_EQ(net.layers[2].eltwise, ai8x::Eltwise::Add);
  EXPECT_EQ(net.layers[2].operands, 2);
  EXPECT_EQ(net.layers[3].stride, (ai8x::Pair{2, 2}));
  EXPECT_EQ(net.layers[3].output_pad, 1);
}

// The izer shares one default padding list between layers; a Conv1d layer
// without `pad` zeroes its column element for every layer on the default.
TEST(NetworkYaml, Conv1dWithoutPadChangesTheSharedDefault) {
  const auto net = parse(
      "arch: a\ndataset: d\nlayers:\n"
      "  - {processors: 1, op: conv1d}\n"
      "  - {processors: 1, op: conv2d}\n"
      "  - {processors: 1, op: conv2d, pad: 1}\n");
  EXPECT_EQ(net.layers[0].pad, (ai8x::Pair{1, 0}));
  EXPECT_EQ(net.layers[1].pad, (ai8x::Pair{1, 0}));
  EXPECT_EQ(net.layers[2].pad, (ai8x::Pair{1, 1}));
}

TEST(NetworkYaml, SequenceGapsAreClosedAndNamesResolved) {
  const auto net = parse(
      "arch: a\ndataset: d\nlayers:\n"
      "  - {processors: 1, name: first, out_offset: 0}\n"
      "  - {processors: 1, sequence: 5, in_sequences: [first, input]}\n");
  ASSERT_EQ(net.layers.size(), 2U);
  EXPECT_EQ(net.layers[1].sequence, 1);
  EXPECT_EQ(*net.layers[1].in_sequences, (std::vector<int>{0, -1}));
}

TEST(NetworkYaml, MaxPoolWinsOverAvgPool) {
  const auto net = parse("arch: a\ndataset: d\nlayers:\n  - {processors: 1, max_pool: 2, avg_pool: 3}\n");
  EXPECT_EQ(net.layers[0].pool, ai8x::PoolKind::Max);
  EXPECT_EQ(net.layers[0].pool_size, (ai8x::Pair{2, 2}));
}

TEST(NetworkYaml, NextSequenceOnlyOnMax78002) {
  const std::string text = "arch: a\ndataset: d\nlayers:\n  - {processors: 1, next_sequence: stop}\n";
  EXPECT_EQ(parse(text, ai8x::max78002()).layers[0].next_sequence, -1);
}

// Builds a one-layer `arch: test` network from written files.
class BuildTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ai8xsim-spec-" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  ai8x::Network build(const std::string& yaml, const std::vector<int64_t>& sample_shape,
                      const std::vector<int64_t>& weight_shape, const ai8x::Device& dev = ai8x::max78000()) {
    std::ofstream(dir_ / "net.yaml") << yaml;
    int64_t n = 1;
    for (auto d : sample_shape) n *= d;
    ai8x::io::write_npy((dir_ / "sample.npy").string(), sample_shape, std::vector<int64_t>(static_cast<size_t>(n), 1));
    int64_t m = 1;
    for (auto d : weight_shape) m *= d;
    ai8x::io::write_npy((dir_ / "w.npy").string(), weight_shape, std::vector<int64_t>(static_cast<size_t>(m), 1));
    ai8x::spec::BuildInputs in;
    in.config_path = (dir_ / "net.yaml").string();
    in.sample_path = (dir_ / "sample.npy").string();
    in.weights_path = (dir_ / "w.npy").string();
    in.device = &dev;
    return ai8x::spec::build_network(in);
  }
  fs::path dir_;
};

TEST_F(BuildTest, MultiPassExpansionAndPackedDefaultOutputMap) {
  // 100 output channels: 2 passes of 52 (rounded up to a multiple of 4).
  const auto net = build(
      "arch: test\ndataset: d\nlayers:\n  - {processors: 0x7, op: conv2d, kernel_size: 1x1, pad: 0, out_offset: 0}\n",
      {3, 4, 4}, {1, 100, 3, 1, 1});
  const auto& l = net.layers[0];
  EXPECT_EQ(l.out_channels, 100);
  EXPECT_EQ(l.out_passes, 2);
  EXPECT_EQ(l.out_per_pass, 52);
  EXPECT_EQ(l.output_processors, 0x000fffffffffffffULL);
}

TEST_F(BuildTest, PoolingAndConvolutionDimensions) {
  const auto net = build(
      "arch: test\ndataset: d\nlayers:\n  - {processors: 0x1, max_pool: 3, pool_stride: 2, pad: 1, out_offset: 0}\n",
      {1, 9, 7}, {1, 4, 1, 3, 3});
  const auto& l = net.layers[0];
  EXPECT_EQ(l.pooled_dim, (ai8x::Pair{4, 3}));  // floor((9 + 2 - 3 - 1 + 1) / 2), floor((7 + 2 - 3 - 1 + 1) / 2)
  EXPECT_EQ(l.out_dim, (ai8x::Pair{4, 3}));
}

TEST_F(BuildTest, SampleWeightsAreRequantizedToTheLayerBits) {
  // All-ones 8-bit sample weights need 2 bits (+1 and sign); quantization 1
  // shifts them right by one: 1 >> 1 = 0.
  const auto net =
      build("arch: test\ndataset: d\nlayers:\n  - {processors: 0x1, quantization: 1, pad: 1, out_offset: 0}\n",
            {1, 4, 4}, {1, 2, 1, 3, 3});
  EXPECT_EQ(net.layers[0].weights.front(), 0);
  EXPECT_EQ(net.layers[0].output_shift, 7);  // implicit 8 - 1
}

TEST_F(BuildTest, PadMustBeSmallerThanTheKernel) {
  EXPECT_THROW(build("arch: test\ndataset: d\nlayers:\n  - {processors: 0x1, kernel_size: 1x1, out_offset: 0}\n",
                     {1, 4, 4}, {1, 2, 1, 1, 1}),
               ai8x::Error);
}

TEST_F(BuildTest, BinaryWeightsNeedMax78002) {
  const std::string yaml =
      "arch: test\ndataset: d\nlayers:\n  - {processors: 0x1, quantization: bin, pad: 1, out_offset: 0}\n";
  EXPECT_THROW(build(yaml, {1, 4, 4}, {1, 2, 1, 3, 3}), ai8x::Error);
  EXPECT_EQ(build(yaml, {1, 4, 4}, {1, 2, 1, 3, 3}, ai8x::max78002()).layers[0].quantization, -1);
}

}  // namespace
