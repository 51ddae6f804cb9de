// The configuration compiler's program (sim/compile/program.hpp):
//  - encodings checked by hand (hw-facts §4.8 kernel loader formats, §7 golden
//    mnist register values);
//  - every known-answer case with a registers.txt: the compiled bus accesses
//    must equal the generated code's trace record by record.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/case_network.hpp"
#include "compile/kernel_loading.hpp"
#include "compile/layer_registers.hpp"
#include "compile/program.hpp"
#include "compile/program_switches.hpp"
#include "core/error.hpp"
#include "io/trace.hpp"
#include "io/yaml_value.hpp"
#include "register_map.hpp"
#include "spec/build.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ai8x;
using compile::CompileOptions;
using compile::KernelWord;

// ---------------------------------------------------------------------------
// Encodings

TEST(KernelLoader, ExpressPacksNineByteWordsBigEndianAndPads) {
  compile::KernelRun run;
  run.words.push_back(KernelWord{1, 2, 3, 4, 5, 6, 7, 8, 9});
  run.words.push_back(KernelWord{10, 11, 12, 13, 14, 15, 16, 17, 18});
  const std::vector<uint32_t> w = compile::express_words(run);
  // 18 bytes → 5 words, the last one holding bytes 17, 18 in its top half.
  ASSERT_EQ(w.size(), 5U);
  EXPECT_EQ(w[0], 0x01020304U);
  EXPECT_EQ(w[1], 0x05060708U);
  EXPECT_EQ(w[2], 0x090a0b0cU);
  EXPECT_EQ(w[3], 0x0d0e0f10U);
  EXPECT_EQ(w[4], 0x11120000U);
}

TEST(KernelLoader, NormalWritesFourWordsPerKernelWord) {
  const auto w = compile::normal_words(KernelWord{0xaa, 1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(w[0], 0xaaU);        // byte 0 alone
  EXPECT_EQ(w[1], 0x01020304U);  // bytes 1-4, first most significant
  EXPECT_EQ(w[2], 0x05060708U);  // bytes 5-8
  EXPECT_EQ(w[3], 0U);           // "execute write"
}

TEST(KernelLoader, RunsSplitAtGapsAndProcessors) {
  compile::KernelMap m;
  m.loads.resize(2);
  m.loads[0] = {{4, KernelWord{1}}, {5, KernelWord{2}}, {9, KernelWord{3}}};
  m.loads[1] = {{0, KernelWord{}}};
  const auto runs = compile::kernel_runs(m);
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_EQ(runs[0].processor, 0);
  EXPECT_EQ(runs[0].word, 4);
  EXPECT_EQ(runs[0].words.size(), 2U);
  EXPECT_EQ(runs[1].word, 9);
  EXPECT_EQ(runs[2].processor, 1);
  EXPECT_EQ(compile::kernel_runs(m, true).size(), 2U);  // the all-zero word is skipped
}

// A word loaded twice (a calcx4 layer overwriting an earlier layer's word)
// ends one run and starts the next at that word, the later load last.
TEST(KernelLoader, RepeatedWordStartsANewRun) {
  std::vector<compile::KernelLoad> loads = {
      {.processor = 0, .word = 0, .bytes = KernelWord{1}}, {.processor = 0, .word = 1, .bytes = KernelWord{2}},
      {.processor = 0, .word = 2, .bytes = KernelWord{3}}, {.processor = 0, .word = 1, .bytes = KernelWord{4}},
      {.processor = 0, .word = 2, .bytes = KernelWord{5}},
  };
  const auto runs = compile::kernel_runs(loads);
  // Sorted by word, stable: 0, 1(2), 1(4), 2(3), 2(5) → [0, 1], [1, 2], [2].
  ASSERT_EQ(runs.size(), 3U);
  EXPECT_EQ(runs[0].word, 0);
  ASSERT_EQ(runs[0].words.size(), 2U);
  EXPECT_EQ(runs[0].words[1][0], 2);
  EXPECT_EQ(runs[1].word, 1);
  ASSERT_EQ(runs[1].words.size(), 2U);
  EXPECT_EQ(runs[1].words[0][0], 4);
  EXPECT_EQ(runs[1].words[1][0], 3);
  EXPECT_EQ(runs[2].word, 2);
  EXPECT_EQ(runs[2].words[0][0], 5);
}

TEST(ProgramSwitches, GeneratorSwitchesParse) {
  compile::ProgramSwitches s;
  EXPECT_EQ(compile::program_switch_kind("--override-start"), compile::SwitchKind::Value);
  EXPECT_EQ(compile::program_switch_kind("--one-shot"), compile::SwitchKind::Flag);
  EXPECT_FALSE(compile::program_switch_kind("--fifo").has_value());  // a network switch, not a program one
  compile::apply_program_switch(s, "--override-start", "0x1a");
  compile::apply_program_switch(s, "--no-fifo-wait");
  compile::apply_program_switch(s, "--apb");
  EXPECT_EQ(s.override_start, 0x1a);
  EXPECT_FALSE(s.fifo_wait);
  EXPECT_EQ(s.pll, false);
  try {
    compile::apply_program_switch(s, "--ready-sel", "three");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().key, "--ready-sel");
  }
}

// ---------------------------------------------------------------------------
// Known-answer cases

std::vector<std::string> case_dirs() {
  std::vector<std::string> out;
  std::vector<fs::path> roots = {fs::path(AI8X_SHARED_DIR) / "conformance"};
  if (const char* extra = std::getenv("AI8X_EXTRA_CASES"); extra != nullptr && *extra != 0) roots.emplace_back(extra);
  for (const fs::path& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (fs::is_regular_file(e.path() / "case.json") && fs::is_regular_file(e.path() / "registers.txt"))
        out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Cases whose trace was too large to keep: the program must still compile,
// with the generated main()'s phases in order.
std::vector<std::string> untraced_case_dirs() {
  std::vector<std::string> out;
  const fs::path root = fs::path(AI8X_SHARED_DIR) / "conformance";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (const auto& e : fs::directory_iterator(root)) {
    if (fs::is_regular_file(e.path() / "case.json") && !fs::is_regular_file(e.path() / "registers.txt"))
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  Network net;
  CompileOptions options;
};

// Resolved as `ai8xsim --case DIR` resolves it (the CLI's switch mapping).
Case load_case(const fs::path& dir) {
  cli::CaseNetwork c = cli::load_case_network(dir.string());
  return {std::move(c.net), c.program};
}

std::string describe(const io::BusOp& op, const RegisterMap& regs) {
  std::ostringstream s;
  auto hex = [&](uint32_t v) {
    std::ostringstream h;
    h << "0x" << std::hex << v;
    return h.str();
  };
  switch (op.kind) {
    case io::BusOp::Kind::Phase: return "# " + op.phase;
    case io::BusOp::Kind::WaitIrq: return "WAIT_IRQ";
    case io::BusOp::Kind::Poll: return "R32 " + hex(op.address) + " mask " + hex(op.mask) + " == " + hex(op.value);
    case io::BusOp::Kind::Write: break;
  }
  s << "W" << int{op.width} << " " << hex(op.address) << " = " << hex(op.value);
  if (const auto t = regs.decode(op.address & ~3U)) {
    using K = AddressTarget::Kind;
    switch (t->kind) {
      case K::Layer: s << "  [L" << t->layer << " q" << t->quadrant << " " << register_name(t->reg) << "]"; break;
      case K::Global: s << "  [q" << t->quadrant << " " << register_name(t->global) << "]"; break;
      case K::Kernel: s << "  [kernel q" << t->quadrant << " p" << t->processor << " word " << t->index << "]"; break;
      case K::Bias: s << "  [bias q" << t->quadrant << " #" << t->index << "]"; break;
      case K::Data: s << "  [data q" << t->quadrant << " mem " << t->processor << "]"; break;
      default: s << "  [other]"; break;
    }
  }
  return s.str();
}

bool same(const io::BusOp& a, const io::BusOp& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case io::BusOp::Kind::Phase: return a.phase == b.phase;
    case io::BusOp::Kind::WaitIrq: return true;
    case io::BusOp::Kind::Poll: return a.address == b.address && a.mask == b.mask && a.value == b.value;
    case io::BusOp::Kind::Write: return a.width == b.width && a.address == b.address && a.value == b.value;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Golden register values (hw-facts §7, the vendor's generated mnist cnn.c)

fs::path conformance_case(const std::string& name) {
  return fs::path(AI8X_SHARED_DIR) / "conformance" / name;
}

// The value the configuration writes to `reg` of layer `layer` in `quadrant`,
// or nothing when the register is not written (zero).
std::optional<uint32_t> layer_value(const compile::ProgramModel& m, int layer, int quadrant, LayerRegister reg) {
  for (const auto& w : m.layer_writes(layer, quadrant)) {
    if (w.target == compile::RegisterWrite::Target::Layer && w.reg == reg && w.layer == layer) return w.value;
  }
  return std::nullopt;
}

TEST(GoldenRegisters, Max78000Mnist) {
  const fs::path dir = conformance_case("demo85-mnist");
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  const Case c = load_case(dir);
  const compile::ProgramModel m(c.net, c.options);
  using R = LayerRegister;
  EXPECT_EQ(layer_value(m, 0, 0, R::Rcnt), 0x0001001dU);
  EXPECT_EQ(layer_value(m, 0, 0, R::Ccnt), 0x0001001dU);
  EXPECT_EQ(layer_value(m, 0, 0, R::WptrBase), 0x00002800U);  // offset 0x800 words, memory 1
  EXPECT_EQ(layer_value(m, 0, 0, R::WptrMoff), 0x2000U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Lctrl0), 0xb60U);  // CHW, master, sramlsrc, ReLU, maxpl
  EXPECT_EQ(layer_value(m, 0, 0, R::Lctrl1), 0x1d800U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Mcnt), 0x1d8U);  // 60 kernels × 8
  EXPECT_EQ(layer_value(m, 0, 0, R::Tptr), 0x1bU);
  EXPECT_EQ(layer_value(m, 0, 0, R::Post), 0x22000U);  // shift right 1
  EXPECT_EQ(layer_value(m, 0, 0, R::Ena), 0x00010001U);
  EXPECT_EQ(layer_value(m, 1, 0, R::Lctrl0), 0xeba0U);  // cnnsi from quadrants 1-3
  EXPECT_EQ(layer_value(m, 1, 0, R::Post), 0x24000U);
  EXPECT_EQ(layer_value(m, 4, 0, R::Lctrl0), 0x10920U);  // 32-bit output
  EXPECT_EQ(layer_value(m, 4, 0, R::Lctrl1), 0x480fU);
  EXPECT_EQ(layer_value(m, 4, 0, R::Mcnt), 0x240028f8U);
  EXPECT_EQ(layer_value(m, 4, 0, R::Oned), 0x100U);
  EXPECT_EQ(layer_value(m, 4, 0, R::WptrToff), 1U);
  EXPECT_EQ(layer_value(m, 4, 0, R::Post), 0x1000U);  // bias on, offset 0

  // Start: every quadrant with ext_sync and the master index, the others
  // enabled, then the master's cnn_en edge (hw-facts §3.1).
  const io::Trace t = compile::compile_program(c.net, c.options);
  const RegisterMap regs(*c.net.device);
  std::vector<uint32_t> starts;
  bool in_start = false;
  for (const auto& op : t.ops) {
    if (op.kind == io::BusOp::Kind::Phase) in_start = op.phase == "cnn_start";
    if (in_start && op.kind == io::BusOp::Kind::Write) starts.push_back(op.value);
  }
  EXPECT_EQ(starts, (std::vector<uint32_t>{0x00100808, 0x00100809, 0x00100809, 0x00100809, 0x00100009}));
}

TEST(GoldenRegisters, Max78002Mnist) {
  const fs::path dir = conformance_case("demo87-mnist");
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  const Case c = load_case(dir);
  const compile::ProgramModel m(c.net, c.options);
  using R = LayerRegister;
  EXPECT_EQ(layer_value(m, 0, 0, R::Rcnt), 0x0001801bU);
  EXPECT_EQ(layer_value(m, 0, 0, R::Stride), 0x10U);
  EXPECT_EQ(layer_value(m, 0, 0, R::WptrBase), 0x8800U);
  EXPECT_EQ(layer_value(m, 0, 0, R::WptrMoff), 0x8000U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Lctrl0), 0x00880b60U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Lctrl1), 0x001d8000U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Mcnt1), 0x9ff8U);
  EXPECT_EQ(layer_value(m, 0, 0, R::Mcnt2), 0x9e20U);  // column 5060, the top of the 5120-word memory
  EXPECT_EQ(layer_value(m, 0, 0, R::Ochan), 0x3bU);
  EXPECT_EQ(layer_value(m, 0, 0, R::Tptr), 0x1bU);
  EXPECT_EQ(layer_value(m, 0, 0, R::Post), 0x22000U);
  EXPECT_EQ(layer_value(m, 1, 0, R::Rcnt), 0x001ea01aU);
  EXPECT_EQ(layer_value(m, 1, 0, R::Ccnt), 0x0002a01aU);
  EXPECT_EQ(layer_value(m, 1, 0, R::Stride), 0x21U);
}

// The normal (non-express) loader writes the same kernel words, four bus
// words per 72-bit word, without the address-counter byte writes.
TEST(KernelLoader, NormalAndExpressLoadTheSameWords) {
  const fs::path dir = conformance_case("demo85-mnist");
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  Case c = load_case(dir);
  const RegisterMap regs(*c.net.device);
  auto kernel_words = [&](const io::Trace& t) {
    std::map<std::pair<int, uint32_t>, KernelWord> words;  // (processor, word) → bytes
    std::vector<uint8_t> stream;
    int p = -1;
    uint32_t word = 0;
    auto flush = [&] {
      for (size_t i = 0; i + 9 <= stream.size(); i += 9) {
        KernelWord k{};
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(i), 9, k.begin());
        words[{p, word++}] = k;
      }
      stream.clear();
    };
    int writes8 = 0;
    for (const auto& op : t.ops) {
      if (op.kind != io::BusOp::Kind::Write) continue;
      const auto target = regs.decode(op.address & ~3U);
      if (!target || target->kind != AddressTarget::Kind::Kernel) continue;
      const int proc = target->quadrant * 16 + target->processor;
      if (op.width == 8) {  // express: address counter = byte offset / 4
        flush();
        ++writes8;
        p = proc;
        word = (target->index * 16 + target->byte) / 4;
      } else if (writes8 > 0) {
        for (int s = 24; s >= 0; s -= 8) stream.push_back(static_cast<uint8_t>(op.value >> s));
      } else {
        KernelWord& k = words[{proc, target->index}];
        if (target->byte == 0) k[0] = static_cast<uint8_t>(op.value);
        for (int b = 0; b < 4 && target->byte > 0 && target->byte < 12; ++b)
          k[target->byte - 3 + static_cast<uint32_t>(b)] = static_cast<uint8_t>(op.value >> (24 - 8 * b));
        if (target->byte == 12) {
          EXPECT_EQ(op.value, 0U);
        }
      }
    }
    flush();
    return std::make_pair(words, writes8);
  };
  const auto express = kernel_words(compile::compile_program(c.net, c.options));
  c.net.options.mexpress = false;
  const io::Trace normal_trace = compile::compile_program(c.net, c.options);
  const auto normal = kernel_words(normal_trace);
  EXPECT_FALSE(express.first.empty());
  EXPECT_GT(express.second, 0);
  EXPECT_EQ(normal.second, 0);
  EXPECT_EQ(express.first.size(), normal.first.size());
  EXPECT_TRUE(express.first == normal.first);
  for (const auto& op : normal_trace.ops) {
    if (op.kind == io::BusOp::Kind::Write && op.address == regs.address(0, GlobalRegister::Ctrl)) {
      EXPECT_EQ(op.value & (1U << 20), 0U) << "CTRL.mexpress must be off";
    }
  }
}

// --zero-sram: after the quadrant setup, cnn_init runs the data, kernel, TRAM
// and bias memory BISTs in all quadrants (start, wait for done, reset), and
// the loader skips all-zero kernel words.
TEST(ProgramSwitches, ZeroSramClearsMemoriesWithTheBist) {
  const fs::path dir = fs::path(AI8X_SHARED_DIR) / "conformance" / "demo85-mnist";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  Case c = load_case(dir);
  const io::Trace plain = compile::compile_program(c.net, c.options);
  c.options.program.zero_sram = true;
  const io::Trace cleared = compile::compile_program(c.net, c.options);
  const RegisterMap regs(*c.net.device);
  std::vector<io::BusOp> test_ops;
  std::string phase;
  for (const auto& op : cleared.ops) {
    if (op.kind == io::BusOp::Kind::Phase) phase = op.phase;
    if (phase != "cnn_init" || op.kind == io::BusOp::Kind::Phase) continue;
    const auto t = regs.decode(op.address);
    if (t && t->kind == AddressTarget::Kind::Global && t->global == GlobalRegister::Test) test_ops.push_back(op);
  }
  // MAX78000 TEST bits (hw-facts §3.1): run 0 data, 2 mask, 4 TRAM, 6 bias; done 27 + 18..21.
  const uint32_t run[4] = {1U << 0, 1U << 2, 1U << 4, 1U << 6};
  ASSERT_EQ(test_ops.size(), 4U * 12U);
  for (int b = 0; b < 4; ++b) {
    for (int q = 0; q < 4; ++q) {
      const io::BusOp& start = test_ops[static_cast<size_t>(b * 12 + q)];
      const io::BusOp& wait = test_ops[static_cast<size_t>(b * 12 + 4 + q)];
      const io::BusOp& reset = test_ops[static_cast<size_t>(b * 12 + 8 + q)];
      EXPECT_EQ(start.kind, io::BusOp::Kind::Write);
      EXPECT_EQ(start.value, run[b]);
      EXPECT_EQ(start.address, regs.address(q, GlobalRegister::Test));
      EXPECT_EQ(wait.kind, io::BusOp::Kind::Poll);
      EXPECT_EQ(wait.mask, 1U << 27 | 1U << (18 + b));
      EXPECT_EQ(wait.value, wait.mask);
      EXPECT_EQ(reset.kind, io::BusOp::Kind::Write);
      EXPECT_EQ(reset.value, 0U);
    }
  }
  auto kernel_writes = [&](const io::Trace& t) {
    int n = 0;
    for (const auto& op : t.ops) {
      const auto target = op.kind == io::BusOp::Kind::Write ? regs.decode(op.address & ~3U) : std::nullopt;
      if (target && target->kind == AddressTarget::Kind::Kernel) ++n;
    }
    return n;
  };
  EXPECT_LE(kernel_writes(cleared), kernel_writes(plain));
}

// MAX78002 without the PLL: no PLL enable/wait and no clock switch around the
// run; the CNN runs from the APB clock divided by 1 (the MAX78000 setting,
// pclkdiv 0x00010000 in its traces).
TEST(ProgramSwitches, NoPllKeepsTheApbClock) {
  const fs::path dir = fs::path(AI8X_SHARED_DIR) / "conformance" / "demo87-mnist";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  Case c = load_case(dir);
  c.options.program.pll = false;
  const io::Trace t = compile::compile_program(c.net, c.options);
  std::vector<uint32_t> clock;
  for (const auto& op : t.ops) {
    EXPECT_NE(op.address, 0x40000010U) << "PLL control touched";
    if (op.kind == io::BusOp::Kind::Write && op.address == 0x40000018U) clock.push_back(op.value);
  }
  EXPECT_EQ(clock, std::vector<uint32_t>{0x00010000});
}

// MAX78002 --no-pipeline (values of the generator's cnn.c for mnist): CTRL
// bit 5 in every CTRL write, the PLL at /4 throughout (no clock switch).
TEST(ProgramSwitches, NoPipelineSetsCtrlBit5) {
  const fs::path dir = fs::path(AI8X_SHARED_DIR) / "conformance" / "demo87-mnist";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no conformance case " << dir;
  Case c = load_case(dir);
  c.options.program.pipeline = false;
  const io::Trace t = compile::compile_program(c.net, c.options);
  const RegisterMap regs(*c.net.device);
  std::vector<uint32_t> ctrl0;
  std::vector<uint32_t> clock;
  for (const auto& op : t.ops) {
    if (op.kind != io::BusOp::Kind::Write) continue;
    if (op.address == regs.address(0, GlobalRegister::Ctrl)) ctrl0.push_back(op.value);
    if (op.address == 0x40000018U) clock.push_back(op.value);
  }
  // init (clocks, stop SM), start (enable, master go), ISR acknowledge.
  EXPECT_EQ(ctrl0, (std::vector<uint32_t>{0x00000028, 0x00100028, 0x00100828, 0x00100029, 0x00100028}));
  EXPECT_EQ(clock, std::vector<uint32_t>{0x00064000});
}

class ProgramMatchesGenerator : public testing::TestWithParam<std::string> {};

TEST_P(ProgramMatchesGenerator, RegistersTxt) {
  const fs::path dir(GetParam());
  Case c;
  try {
    c = load_case(dir);
  } catch (const Error& e) {
    FAIL() << "network not buildable: " << e.formatted();
  }
  const io::Trace expected = io::read_trace((dir / "registers.txt").string());
  io::Trace ours;
  try {
    ours = compile::compile_program(c.net, c.options);
  } catch (const Error& e) {
    FAIL() << "compile failed: " << e.formatted();
  }
  const RegisterMap regs(*c.net.device);
  const size_t n = std::min(expected.ops.size(), ours.ops.size());
  for (size_t i = 0; i < n; ++i) {
    if (!same(expected.ops[i], ours.ops[i])) {
      FAIL() << "first difference at record " << i << " (registers.txt line " << expected.ops[i].line << ")\n"
             << "  expected: " << describe(expected.ops[i], regs) << "\n"
             << "  ours:     " << describe(ours.ops[i], regs);
    }
  }
  ASSERT_EQ(expected.ops.size(), ours.ops.size())
      << "same prefix, different length"
      << (n < expected.ops.size() ? "; next expected: " + describe(expected.ops[n], regs)
                                  : "; next ours: " + describe(ours.ops[n], regs));
}

class ProgramCompilesUntraced : public testing::TestWithParam<std::string> {};

TEST_P(ProgramCompilesUntraced, PhasesInOrder) {
  Case c;
  try {
    c = load_case(fs::path(GetParam()));
  } catch (const Error& e) {
    GTEST_SKIP() << "network not buildable: " << e.formatted();
  }
  const io::Trace t = compile::compile_program(c.net, c.options);
  std::vector<std::string> phases;
  for (const auto& op : t.ops) {
    if (op.kind == io::BusOp::Kind::Phase && op.phase.rfind("cnn_", 0) == 0) phases.push_back(op.phase);
  }
  const std::vector<std::string> expected = {"cnn_enable",    "cnn_init",      "cnn_load_weights",
                                             "cnn_load_bias", "cnn_configure", "cnn_start"};
  ASSERT_GE(phases.size(), expected.size());
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), phases.begin()));
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ProgramCompilesUntraced);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ProgramMatchesGenerator);

INSTANTIATE_TEST_SUITE_P(Untraced, ProgramCompilesUntraced, testing::ValuesIn(untraced_case_dirs()),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = fs::path(p.param).filename().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

INSTANTIATE_TEST_SUITE_P(Cases, ProgramMatchesGenerator, testing::ValuesIn(case_dirs()),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = fs::path(p.param).filename().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace
