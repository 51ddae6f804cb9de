// The ai8xsim command line as a user meets it: verdicts, exit codes, the
// files it writes and the shipped example.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "cli_run.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource(AI8X_SOURCE_DIR);
const fs::path kMnist = fs::path(AI8X_SHARED_DIR) / "conformance" / "demo85-mnist";

using ai8x::test::Result;
using ai8x::test::run;

class Cli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ai8xsim-cli-" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(Cli, ShippedExamplePredictsItsBeatAndPassesItsKnownAnswer) {
  // No --checkpoint and no --device: the checkpoint beside the YAML and the
  // device from the arch name are used.
  const Result r = run("--config " + (kSource / "yaml/ecg-net.yaml").string() + " --kat " +
                       (kSource / "kat/sample_ecg_1x128.npy").string() + " --class-names N,S,V,F,Q");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("MAX78002"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("predicted class: 0 (N)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("KAT: PASS (5 words"), std::string::npos) << r.out;
}

TEST_F(Cli, MismatchExitsOneAndLocatesTheChannel) {
  std::ifstream in(kMnist / "expected.json");
  nlohmann::json e = nlohmann::json::parse(in);
  // Block 0 holds channels 0-3 of the 32-bit logits; change channel 2.
  e["checks"][0]["words"][2] = e["checks"][0]["words"][2].get<uint32_t>() ^ 1U;
  std::ofstream(dir_ / "expected.json") << e.dump();
  const Result r = run("--case " + kMnist.string() + " --expected " + (dir_ / "expected.json").string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("KAT: FAIL (1 of 10 words differ"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("layer 4, pass 0, row 0, column 0, channel 2"), std::string::npos) << r.out;
}

TEST_F(Cli, WrittenSampleoutputIsAcceptedAsTheExpectation) {
  const fs::path h = dir_ / "sampleoutput.h";
  ASSERT_EQ(run("--case " + kMnist.string() + " --write-sampleoutput " + h.string()).exit_code, 0);
  std::ifstream f(h);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str().rfind("// This file was @generated automatically\n\n#define SAMPLE_OUTPUT { \\\n", 0), 0U)
      << ss.str();
  EXPECT_NE(ss.str().find("0x50401000, 0xffffffff, 0x00000004, 0xfffecf58"), std::string::npos) << ss.str();
  const Result r = run("--case " + kMnist.string() + " --expected " + h.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("KAT: PASS (10 words"), std::string::npos) << r.out;
}

TEST_F(Cli, DumpWritesAnHdf5File) {
  const fs::path h5 = dir_ / "layers.h5";
  ASSERT_EQ(run("--case " + kMnist.string() + " --dump " + h5.string()).exit_code, 0);
  std::ifstream f(h5, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig, 8), std::string("\x89HDF\r\n\x1a\n", 8));
}

TEST_F(Cli, LayerReportListsEveryLayer) {
  const Result r = run("--case " + kMnist.string() + " --layer-report");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* row : {"\n0    conv2d", "\n1    conv2d", "\n2    conv2d", "\n3    conv2d", "\n4    linear"}) {
    EXPECT_NE(r.out.find(row), std::string::npos) << row << " in " << r.out;
  }
}

TEST_F(Cli, StopAfterChecksTheIntermediateLayer) {
  // The izer's known answer for --stop-after 3 is layer 3's 12×4×4 output; ours
  // is written to a file and must list three 16-word blocks (conventions §5.2).
  const fs::path h = dir_ / "so.h";
  const Result r = run("--case " + kMnist.string() + " --stop-after 3 --write-sampleoutput " + h.string());
  EXPECT_EQ(r.exit_code, 1) << "the case's expectation is for the full network: " << r.out;
  std::ifstream f(h);
  std::string values;  // the values alone, one line
  for (std::string token; f >> token;) {
    if (token.rfind("0x", 0) == 0) values += token.substr(0, 10) + " ";
  }
  for (const char* block :
       {"0x50400000 0xffffffff 0x00000010", "0x50408000 0xffffffff 0x00000010", "0x50410000 0xffffffff 0x00000010"}) {
    EXPECT_NE(values.find(block), std::string::npos) << block << " in " << values;
  }
}

TEST_F(Cli, DescribeJsonIsMachineReadable) {
  const Result r = run("--case " + kMnist.string() + " --describe --json");
  ASSERT_EQ(r.exit_code, 0);
  const nlohmann::json j = nlohmann::json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(j["device"], "MAX78000");
  ASSERT_EQ(j["layers"].size(), 5U);
  EXPECT_EQ(j["layers"][4]["operator"], "linear");
  EXPECT_EQ(j["layers"][4]["in_channels"], 12);
  EXPECT_EQ(j["layers"][0]["macs"], 60 * 28 * 28 * 9);
}

TEST_F(Cli, HelpExitsZero) {
  const Result r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--config"), std::string::npos);
}

}  // namespace

namespace {

TEST_F(Cli, ExplainRegistersNamesEveryWriteOfATrace) {
  const Result r = run("--explain-registers " + (kMnist / "registers.txt").string());
  EXPECT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  // hw-facts §7: layer 0 RCNT = 0x0001001d is 28 rows padded by 1 on each side.
  EXPECT_NE(r.out.find("L0 q0    RCNT        0x50100010  0x0001001d  rcnt_max=29 pad=1"), std::string::npos);
  EXPECT_NE(r.out.find("kernels: processor 0 (q0 p0), words 0..59"), std::string::npos);
  EXPECT_EQ(r.out.find("unknown"), std::string::npos);
}

TEST_F(Cli, ExplainingACnnCNeedsTheDevice) {
  const fs::path c = dir_ / "cnn.c";
  std::ofstream(c) << "int cnn_configure(void)\n{\n  *((volatile uint32_t *) 0x50100010) = 0x0001001d;\n}\n";
  const Result without = run("--explain-registers " + c.string());
  EXPECT_EQ(without.exit_code, 2) << without.out;
  EXPECT_NE(without.out.find("--device"), std::string::npos) << without.out;
  const Result with = run("--explain-registers " + c.string() + " --device MAX78000");
  EXPECT_EQ(with.exit_code, 0) << with.out;
  EXPECT_NE(with.out.find("RCNT"), std::string::npos) << with.out;
}

}  // namespace

namespace {

TEST_F(Cli, MemoryMapPageShowsTheLogitsWhereTheKnownAnswerExpectsThem) {
  const fs::path page = dir_ / "mnist.html";
  const Result r = run("--case " + kMnist.string() + " --memory-map " + page.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(page);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // hw-facts §7: the 10 logits of layer 4 are at offset 0x1000 of instances 0-2.
  for (const char* addr : {"0x50401000", "0x50409000", "0x50411000"}) {
    EXPECT_NE(html.find(addr), std::string::npos) << addr;
  }
}

}  // namespace

namespace {

TEST_F(Cli, SystemcModelRunsTheCompiledProgramAndMatchesTheFastEngine) {
  const Result r = run("--case " + kMnist.string() + " --model systemc");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("model equals the fast engine on 5 of 5 checked layers"), std::string::npos) << r.out;
  // The cycle model gives the generator's estimate, 70,157 cycles (1403.1 us at 50 MHz).
  EXPECT_NE(r.out.find("70157 cycles (1403.1 us at 50 MHz)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("KAT: PASS (10 words"), std::string::npos) << r.out;
}

TEST_F(Cli, ReplayGivesTheBoardsVerdictFromTheTraceAlone) {
  const Result r = run("--replay " + (kMnist / "registers.txt").string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("KAT: PASS (10 words"), std::string::npos) << r.out;
}

// The generator's trace with one register changed: the comparison names it
// decoded, and the changed program fails the known answer on the model while
// ai8xsim's own passes.
TEST_F(Cli, CompareProgrammingFindsTheRegisterBehindAKnownAnswerFailure) {
  const Result same =
      run("--case " + kMnist.string() + " --compare-programming " + (kMnist / "registers.txt").string());
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_NE(same.out.find("programming: the same accelerator state"), std::string::npos) << same.out;

  std::ifstream in(kMnist / "registers.txt");
  std::string trace((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = trace.find("W32 0x50100310 0x00002800");  // layer 0, quadrant 0 WPTR_BASE
  ASSERT_NE(at, std::string::npos);
  trace.replace(at, 25, "W32 0x50100310 0x00000800");
  const fs::path edited = dir_ / "registers.txt";
  std::ofstream(edited) << trace;
  const Result r = run("--case " + kMnist.string() + " --compare-programming " + edited.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("first difference: layer 0 quadrant 0 WPTR_BASE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("generator's program on the model: KAT: FAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ai8xsim's program on the model: KAT: PASS"), std::string::npos) << r.out;
}

TEST_F(Cli, SystemcWithoutLayerCheckStillGivesTheVerdict) {
  const Result r = run("--case " + kMnist.string() + " --model systemc --no-layer-check");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("skipped (--no-layer-check)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("model equals the fast engine"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("KAT: PASS (10 words"), std::string::npos) << r.out;
}

TEST_F(Cli, MalformedTraceLineExitsTwoNamingTheLine) {
  const fs::path trace = dir_ / "registers.txt";
  std::ofstream(trace) << "# device: MAX78000\nW32 0x50100000 0x00100008\nW32 0x5010000 zz\n";
  const Result r = run("--replay " + trace.string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("line 3"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// A residual network (t85-mpadd-128) with layer 1's output moved onto layer
// 0's output, which layer 2 still reads: the model computes what the chip
// would, reports the hazard with layer, memory and address, and --strict
// fails the run.
TEST_F(Cli, SystemcModelReportsALayerOverwritingDataALaterLayerReads) {
  const fs::path kCase = fs::path(AI8X_SHARED_DIR) / "conformance" / "t85-mpadd-128";
  std::ifstream in(kCase / "network.yaml");
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = yaml.find("out_offset: 0x2000");  // layer 1
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, 18, "out_offset: 0x1000");
  const fs::path net = dir_ / "net.yaml";
  std::ofstream(net) << yaml;
  const std::string args = "--config " + net.string() + " --device MAX78000 --sample-weights " +
                           (fs::path(AI8X_SHARED_DIR) / "data/tests/weights_test_mpadd-128.npy").string() + " --kat " +
                           (kCase / "sample.npy").string() + " --model systemc";
  const Result r = run(args + " --strict");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("hazard: layer 1 overwrites memory 0 (q0 instance 0) address 0x50401000"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("before layer 2 reads it"), std::string::npos) << r.out;
  // The clobbered residual makes layer 2 differ from the fast engine's intent.
  EXPECT_NE(r.out.find("model differs from the fast engine: layer 2"), std::string::npos) << r.out;
}

}  // namespace

namespace {

// The generator's known answer drops the `in_crop` rows, but the hardware reads
// from `in_offset`: a crop without a moved in_offset passes in simulation and
// fails on the board, so it is flagged with the offset to use.
TEST_F(Cli, CropWithoutMovedInputOffsetIsFlagged) {
  // The project case moves in_offset past the cropped rows; without that move
  // the generator's known answer still passes, but the board would not.
  const fs::path c = kSource / "tests/cases/x85-reshape-crop";
  std::ifstream in(c / "network.yaml");
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string line : {"    in_offset: 0x2020\n", "    in_offset: 0x400c\n"}) {
    const size_t at = yaml.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    yaml.erase(at, line.size());
  }
  const fs::path net = dir_ / "net.yaml";
  std::ofstream(net) << yaml;
  const std::string args = "--config " + net.string() + " --device MAX78000 --sample-weights " +
                           (c / "weights.npy").string() + " --kat " + (c / "sample.npy").string() + " --expected " +
                           (c / "expected.json").string();
  const Result r = run(args + " -v");
  EXPECT_EQ(r.exit_code, 0) << r.out;  // the generator's simulation drops the rows
  EXPECT_NE(r.out.find("layer 2: `in_crop` drops 1 leading row(s) in the known answer, but the hardware reads from "
                       "`in_offset` 0x2000; set `in_offset: 0x2020`"),
            std::string::npos)
      << r.out;
  // The model computes what the board would: layer 2 differs from the known answer's intent.
  const Result s = run(args + " --model systemc");
  EXPECT_EQ(s.exit_code, 1) << s.out;
  EXPECT_NE(s.out.find("model differs from the fast engine: layer 2"), std::string::npos) << s.out;
  // With the project's moved in_offset, the board computes the known answer.
  const Result moved = run("--case " + c.string() + " --model systemc");
  EXPECT_EQ(moved.exit_code, 0) << moved.out;
}

}  // namespace

namespace {

TEST_F(Cli, WaveformShowsTheLayersInSimulatedTime) {
  const fs::path vcd = dir_ / "mnist.vcd";
  const Result r = run("--case " + kMnist.string() + " --model systemc --vcd " + vcd.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::ifstream in(vcd);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* name : {" layer ", " busy ", " irq ", " q0_enable ", " fifo0_level "}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
  // 1 startup cycle, then layer 0 with processor 0 enabled; idle again after
  // 70,157 cycles of 20 ns (50 MHz).
  EXPECT_NE(text.find("#20\nb0 "), std::string::npos) << text.substr(0, 3000);
  EXPECT_NE(text.find("#1403140\n"), std::string::npos) << text.substr(0, 3000);
}

}  // namespace
