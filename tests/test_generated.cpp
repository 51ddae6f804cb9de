// --generated: folders of C in the generated code's style (written by
// --emit-c from the conformance traces, since the generator's own output is
// not part of the project) compiled for the host and run on the SystemC
// model. Each must print PASS from its own check_output(), and its
// cnn_unload() must return the known answer's words. Broken folders must
// fail the way a user can act on.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "cli_run.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "check/expected.hpp"
#include "device.hpp"
#include "generated/isolation.hpp"

namespace ai8x {
namespace {

namespace fs = std::filesystem;

const fs::path kCases = fs::path(AI8X_SHARED_DIR) / "conformance";

using test::Result;
using test::run;

// The words after "cnn_unload: N words:".
std::vector<uint32_t> unloaded(const std::string& out) {
  std::vector<uint32_t> words;
  const size_t at = out.find("cnn_unload: ");
  if (at == std::string::npos) return words;
  std::istringstream in(out.substr(out.find(':', at + 11) + 1));
  long long v = 0;
  while (in >> v) words.push_back(static_cast<uint32_t>(v));
  return words;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Generated : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ai8xsim-generated-" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Emits the case's trace as a folder; returns the folder.
  fs::path emit(const std::string& name) {
    const fs::path folder = dir_ / "folder";
    const Result e = run("--replay " + (kCases / name / "registers.txt").string() + " --emit-c " + folder.string());
    EXPECT_EQ(e.exit_code, 0) << e.out;
    return folder;
  }
  fs::path dir_;
};

class GeneratedCase : public Generated, public testing::WithParamInterface<std::string> {};

// FIFO input, fast FIFO (RISC-V main), streaming, multi-pass, element-wise,
// 32-bit output, 4-bit weights with mexpress, Conv1d, both devices.
INSTANTIATE_TEST_SUITE_P(Cases, GeneratedCase,
                         testing::Values("demo85-mnist", "demo87-mnist", "demo85-kws20_v3", "t85-fifo-hwc",
                                         "t85-fifostream-32-hwc--fifo-rv-ffq", "t85-fifostream-cifar-hwc--fifo-sa2",
                                         "t87-x4-multipass5m8", "t85-mpadd-128", "t87-eltwiseadd-avgpool",
                                         "t85-ai85-cifar10-hwc-quant4--sa0-mex"),
                         [](const testing::TestParamInfo<std::string>& i) {
                           return std::regex_replace(i.param, std::regex("[^A-Za-z0-9]"), "_");
                         });

TEST_P(GeneratedCase, PassesItsOwnCheckAndUnloadsTheKnownAnswer) {
  const fs::path folder = emit(GetParam());
  const Result r = run("--generated " + folder.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("*** PASS ***"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("generated check_output(): PASS"), std::string::npos) << r.out;
  // The emitted cnn_unload() reads the known answer's words in order.
  const std::vector<KatBlock> expected = read_expected_json((kCases / GetParam() / "expected.json").string());
  const std::vector<uint32_t> got = unloaded(r.out);
  ASSERT_EQ(got.size(), kat_word_count(expected)) << r.out.substr(0, 2000);
  size_t i = 0;
  for (const KatBlock& b : expected) {
    for (uint32_t w : b.words) {
      ASSERT_EQ(got[i] & b.mask, w) << "word " << i << " at block " << std::hex << b.addr;
      ++i;
    }
  }
}

TEST_F(Generated, TheConfigurationCompilersProgramRunsToo) {
  const fs::path folder = dir_ / "compiled";
  const Result e = run("--case " + (kCases / "demo85-mnist").string() + " --emit-c " + folder.string());
  ASSERT_EQ(e.exit_code, 0) << e.out;
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // The accelerator's time from cnn_start to the interrupt: the mnist estimate.
  EXPECT_NE(r.out.find("70157 cycles (1403.1 us at 50 MHz)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Approximate inference time: 1403 us"), std::string::npos) << r.out;
}

TEST_F(Generated, AWrongKnownAnswerFailsWithTheMismatchingAddress) {
  const fs::path folder = emit("demo85-mnist");
  std::vector<KatBlock> expected = read_expected_json((kCases / "demo85-mnist" / "expected.json").string());
  expected[0].words[1] ^= 1;
  write_sampleoutput_h((folder / "sampleoutput.h").string(), expected);
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("Data mismatch (2/"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at address 0x" +
                       [&] {
                         char buf[16];
                         std::snprintf(buf, sizeof buf, "%08x", expected[0].addr + 4);
                         return std::string(buf);
                       }()),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("generated check_output(): FAIL"), std::string::npos) << r.out;
}

TEST_F(Generated, CodeThatDoesNotCompileExitsTwoWithTheCompilersMessage) {
  const fs::path folder = emit("demo85-mnist");
  std::ofstream(folder / "main.c", std::ios::app) << "\nint broken(void) { return undeclared_thing; }\n";
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("does not compile for the host"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("main.c:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("undeclared_thing"), std::string::npos) << r.out;
}

TEST_F(Generated, AFolderWithoutCnnCExitsTwo) {
  const fs::path folder = emit("demo85-mnist");
  fs::remove(folder / "cnn.c");
  const Result r = run("--generated " + folder.string() + " --device MAX78000");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("cnn.c"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missing"), std::string::npos) << r.out;
}

// Puts `line` into the emitted main() just before its cache enable.
void insert_in_main(const fs::path& folder, const std::string& line) {
  std::string main_c = slurp(folder / "main.c");
  const size_t at = main_c.find("  MXC_ICC_Enable(MXC_ICC0);");
  ASSERT_NE(at, std::string::npos);
  main_c.insert(at, line);
  std::ofstream(folder / "main.c") << main_c;
}

TEST_F(Generated, AnAccessNothingAnswersStopsTheRunNamingTheAddress) {
  const fs::path folder = emit("demo85-mnist");
  ASSERT_NO_FATAL_FAILURE(insert_in_main(folder, "  *((volatile uint32_t *) 0x5ff00000) = 1;\n"));
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("write to 0x5ff00000, which no accelerator memory or register answers to"), std::string::npos)
      << r.out;
}

TEST_F(Generated, ABadPointerOutsideTheAcceleratorIsReportedNotACrash) {
  const fs::path folder = emit("demo85-mnist");
  ASSERT_NO_FATAL_FAILURE(insert_in_main(folder, "  *((volatile uint32_t *) 0x10) = 1;\n"));
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("accessed 0x00000010, outside the accelerator"), std::string::npos) << r.out;
}

TEST_F(Generated, AProgramThatKillsItselfIsReportedNotACrash) {
  // The program runs in a child process: a trap (SIGILL) ends the child, and
  // ai8xsim reports it as the run's fault.
  const fs::path folder = emit("demo85-mnist");
  ASSERT_NO_FATAL_FAILURE(insert_in_main(folder, "  __builtin_trap();\n"));
  const Result r = run("--generated " + folder.string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the run stopped: the program crashed with signal 4"), std::string::npos) << r.out;
}

TEST(GeneratedIsolation, TheResultCrossesThePipeUnchanged) {
  generated::RunResult r;
  r.outcome = generated::RunResult::Outcome::Fail;
  r.console = "*** FAIL ***\n";
  r.fault = "none";
  r.unload = {1, 0xFFFFFFFFU, 42};
  r.declared_outputs = 3;
  r.overrun_bytes = 7;
  r.model.memories = {{1, 2}, {3}};
  r.model.layers.push_back({.layer = 2, .summary = "conv2d", .cycles = 99, .estimate = true, .warnings = {"w"}});
  r.model.total_cycles = 123456789012ULL;
  r.model.simulated_seconds = 0.5;
  r.model.ops = 11;
  r.model.kernel_overwrites.push_back({.quadrant = 1, .processor = 2, .first_word = 3, .last_word = 4});
  r.inference_us = 12.5;
  r.bus_accesses = 77;
  r.sources = {"cnn.c", "main.c"};
  const generated::RunResult d = generated::decode_result(generated::encode_result(r));
  EXPECT_EQ(d.outcome, r.outcome);
  EXPECT_EQ(d.console, r.console);
  EXPECT_EQ(d.fault, r.fault);
  EXPECT_EQ(d.unload, r.unload);
  EXPECT_EQ(d.declared_outputs, 3);
  EXPECT_EQ(d.overrun_bytes, 7U);
  EXPECT_EQ(d.model.memories, r.model.memories);
  generated::RunResult placed = d;  // the device is the caller's to set
  placed.model.device = &max78000();
  EXPECT_EQ(placed.model.read32(max78000().sram_base + 4), 2U);
  ASSERT_EQ(d.model.layers.size(), 1U);
  EXPECT_EQ(d.model.layers[0].layer, 2);
  EXPECT_EQ(d.model.layers[0].summary, "conv2d");
  EXPECT_EQ(d.model.layers[0].cycles, 99U);
  EXPECT_TRUE(d.model.layers[0].estimate);
  EXPECT_EQ(d.model.layers[0].warnings, std::vector<std::string>{"w"});
  EXPECT_EQ(d.model.total_cycles, 123456789012ULL);
  EXPECT_DOUBLE_EQ(d.model.simulated_seconds, 0.5);
  EXPECT_EQ(d.model.ops, 11U);
  ASSERT_EQ(d.model.kernel_overwrites.size(), 1U);
  EXPECT_EQ(d.model.kernel_overwrites[0].processor, 2);
  EXPECT_EQ(d.model.kernel_overwrites[0].last_word, 4U);
  EXPECT_DOUBLE_EQ(d.inference_us, 12.5);
  EXPECT_EQ(d.bus_accesses, 77U);
  EXPECT_EQ(d.sources, r.sources);
}

TEST(GeneratedIsolation, AChildThatDiesIsAFaultNamingTheSignal) {
  const generated::RunResult r = generated::run_isolated([]() -> generated::RunResult { std::abort(); });
  EXPECT_EQ(r.outcome, generated::RunResult::Outcome::Fault);
  EXPECT_NE(r.fault.find("signal 6"), std::string::npos) << r.fault;
}

}  // namespace
}  // namespace ai8x
