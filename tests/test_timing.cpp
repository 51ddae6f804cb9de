// Timing model (sim/hw/timing.hpp): small layers whose cycle counts are worked
// out by hand from the counter model (docs/timing.md), and the conformance
// corpus, where every trace's registers are replayed and each layer's count
// is compared with the generator's own estimate (latency.json).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "device.hpp"
#include "hw/timing.hpp"
#include "io/trace.hpp"
#include "register_map.hpp"

namespace ai8x::hw {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Hand-built MAX78000 layers (register encodings of hw-facts §3.2).

struct Ai85Layer {
  int rows = 4, cols = 4, pad = 0;
  int pool = 1, pool_stride = 1;
  int passes = 1;
  int kernels = 1;        // per processor (output channels × passes)
  int kernel_offset = 0;  // first 3×3 kernel slot
  int kernel = 3;         // 3 (3×3), 1 (1×1) or the Conv1d length with conv1d
  bool conv1d = false;
  bool passthrough = false;
  int out_passes = 1;  // passthrough only
  int timeslots = 1;   // passthrough only
  int operands = 1;
  bool pool_first = true;
  bool stream = false;
  uint32_t processors = 0xF;  // quadrant 0

  [[nodiscard]] LayerRegisterSet registers() const {
    LayerRegisterSet r;
    auto set = [&r](LayerRegister reg, uint32_t v) { r.reg[0][static_cast<size_t>(reg)] = v; };
    const auto u = [](int v) { return static_cast<uint32_t>(v); };
    set(LayerRegister::Rcnt, u(rows - 1 + 2 * pad) | u(pad) << 16);
    set(LayerRegister::Ccnt, conv1d ? 0 : (u(cols - 1 + 2 * pad) | u(pad) << 16));
    set(LayerRegister::Prcnt, u(pool - 1));
    set(LayerRegister::Pccnt, conv1d ? 0 : u(pool - 1));
    set(LayerRegister::Stride, u(pool_stride - 1));
    set(LayerRegister::Lctrl1, u(passes - 1));
    uint32_t oned = u(timeslots - 1);
    if (conv1d) oned |= u(kernel) << 8 | 1U << 12;
    if ((!passthrough && kernel == 1 && !conv1d) || (passthrough && operands == 1)) oned |= 1U << 8;
    if (operands > 1) {
      oned |= 1U << 13 | 1U << 14 | u(operands - 1) << 18;  // add
      if (pool > 1 && pool_first) oned |= 1U << 16;
      if (!passthrough) oned |= 1U << 17;
    }
    set(LayerRegister::Oned, oned);
    if (passthrough) {
      set(LayerRegister::Mcnt, u(out_passes - 1) * 8);
      set(LayerRegister::Post, operands == 1 ? 3U << 24 : 1U << 24);
      set(LayerRegister::Ena, processors);
    } else {
      set(LayerRegister::Mcnt, u(kernel_offset * 8) << 16 | (u(kernel_offset + kernels - 1) * 8));  // 8-bit weights
      set(LayerRegister::Ena, processors << 16 | processors);
      set(LayerRegister::Tptr, kernel == 3 && !conv1d ? u((cols - pool) / pool_stride + 1 + 2 * pad - 3) : 0);
    }
    if (stream) {
      r.ctrl = {1U << 14, 1U << 14, 1U << 14, 1U << 14};
    }
    return r;
  }
};

uint64_t cycles(const Ai85Layer& l) {
  return layer_cycles(max78000(), l.registers()).cycles;
}

// Hand counts. Every position of the padded, pooled frame costs its fetch
// (zero position: 1 read + 1 TRAM write per pass and operand; data position:
// pool window reads + 1 TRAM write) plus one write-state cycle unless it
// produces an output; each output pixel adds passes × output channels.

TEST(TimingHand, PaddingRows) {
  // 3×3 conv, 4×4 input, pad 1, 2 output channels. Zero and data positions
  // both fetch in 2 cycles (3 when idle). Kernel window: 1 lead row, 1 lead col.
  //   top pad row    : 6 positions × 3                         = 18
  //   lead data row  : 2 pads × 3 + 4 data × 3                 = 18
  //   3 output rows  : pad 3 + lead col 3 + 3 × 2 + right pad 2 = 14, + 4 px × 2 ch = 22
  //   bottom pad row : 3 + 3 + 3 × 2 + 2 = 14, + 8 outputs      = 22
  Ai85Layer l;
  l.pad = 1;
  l.kernels = 2;
  EXPECT_EQ(cycles(l), 18U + 18U + 3U * 22U + 22U);
  const LayerShape s = decode_layer(max78000(), l.registers());
  EXPECT_EQ(s.pad_rows, 1);
  EXPECT_EQ(s.out_rows, 4);
  EXPECT_EQ(s.out_cols, 4);
  EXPECT_EQ(s.out_channels, 2U);
}

TEST(TimingHand, Pooling) {
  // 2×2 pool stride 2 on 8×8 → 4×4 positions of 4 reads + 1 write = 5 cycles;
  // 1×1 conv with 4 output channels: each row 4 × 5 + 4 px × 4 ch = 36.
  Ai85Layer l;
  l.rows = l.cols = 8;
  l.pool = l.pool_stride = 2;
  l.kernel = 1;
  l.kernels = 4;
  EXPECT_EQ(cycles(l), 4U * 36U);
}

TEST(TimingHand, MultiPass) {
  // 2 passes, 3×3 conv without padding on 5×5, 3 output channels (6 kernels).
  // Fetch 2 passes × 2 = 4 cycles (5 idle). 2 lead rows of 5 × 5 = 25; each of
  // 3 output rows: 2 lead cols × 5 + 3 × 4 = 22, + 3 px × 3 ch × 2 passes = 18.
  Ai85Layer l;
  l.rows = l.cols = 5;
  l.passes = 2;
  l.kernels = 6;
  EXPECT_EQ(cycles(l), 2U * 25U + 3U * (22U + 18U));
}

TEST(TimingHand, Passthrough) {
  // 8 processors → 2 write timeslots; 16 positions × (2 fetch + 2 writes).
  Ai85Layer l;
  l.passthrough = true;
  l.timeslots = 2;
  l.processors = 0xFF;
  EXPECT_EQ(cycles(l), 16U * 4U);
  EXPECT_TRUE(decode_layer(max78000(), l.registers()).passthrough);
}

TEST(TimingHand, ElementWiseOperands) {
  // Two operands, pool first (no pooling): each operand is fetched (2 cycles)
  // → 16 × (4 + 1 write).
  Ai85Layer add;
  add.passthrough = true;
  add.operands = 2;
  EXPECT_EQ(cycles(add), 16U * 5U);
  // Pool last: 2×2/2 pooling after the add; both operands' windows are read
  // (8) before one TRAM write → 4 positions × (9 + 1 write).
  Ai85Layer pool_last = add;
  pool_last.pool = pool_last.pool_stride = 2;
  pool_last.pool_first = false;
  EXPECT_EQ(cycles(pool_last), 4U * 10U);
  EXPECT_FALSE(decode_layer(max78000(), pool_last.registers()).pool_first);
}

TEST(TimingHand, PoolLastBorderUsesKernelOffset) {
  // 2 operands pooled 2×2/2 after the add, 3×3 conv pad 1 on the 2×2 result,
  // 2 output channels, kernels from slot 5. Fetch: a zero position 1 read +
  // 1 write = 2; a data position 2 operands × 4 reads + 1 write = 9.
  //   top pad row 2 × 3 + 2 × 3 = 12; lead row 2 × 3 + 2 × 10 = 26;
  //   output row 3 + 10 + 9 + 2 = 24 (+ 2 px × 2 ch); bottom 3 + 3 + 2 + 2 = 10 (+ 4).
  // MAX78000 adds kernel-offset cycles for the 3 padded border outputs
  // (2 + 2 − 1): 3 × 5.
  Ai85Layer l;
  l.operands = 2;
  l.pool = l.pool_stride = 2;
  l.pool_first = false;
  l.pad = 1;
  l.kernels = 2;
  l.kernel_offset = 5;
  EXPECT_EQ(cycles(l), 12U + 26U + 28U + 14U + 3U * 5U);
  EXPECT_EQ(decode_layer(max78000(), l.registers()).kernel_offset, 5);
}

TEST(TimingHand, OneD) {
  // Conv1d k = 3, pad 1, length 10, 4 output channels: one column per row.
  // top pad 3, lead row 3, 9 output rows (2 + 4), bottom pad row (2 + 4).
  Ai85Layer l;
  l.conv1d = true;
  l.kernel = 3;
  l.rows = 10;
  l.cols = 1;
  l.pad = 1;
  l.kernels = 4;
  EXPECT_EQ(cycles(l), 3U + 3U + 9U * 6U + 6U);
  const LayerShape s = decode_layer(max78000(), l.registers());
  EXPECT_EQ(s.kernel_rows, 3);
  EXPECT_EQ(s.kernel_cols, 1);
  EXPECT_EQ(s.out_rows, 10);
}

TEST(TimingHand, MultiPassPooledPassthroughRereads) {
  // A pooled passthrough writing 2 output passes re-reads every pass but the
  // first: 2 input passes count as 3. 2×2/2 on 4×4 → 4 positions of
  // 3 × (4 + 1) fetch + 3 × 1 write.
  Ai85Layer l;
  l.passthrough = true;
  l.pool = l.pool_stride = 2;
  l.passes = 2;
  l.out_passes = 2;
  EXPECT_EQ(cycles(l), 4U * (15U + 3U));
}

TEST(TimingHand, StreamingIsAnEstimate) {
  Ai85Layer l;
  l.pad = 1;
  l.kernels = 2;
  const uint64_t plain = cycles(l);
  l.stream = true;
  const LayerTiming t = layer_cycles(max78000(), l.registers());
  EXPECT_TRUE(t.estimate);
  EXPECT_GT(t.cycles, plain);
  EXPECT_FALSE(layer_cycles(max78000(), Ai85Layer{}.registers()).estimate);
}

TEST(TimingHand, EmptyRegistersDoNotCrash) {
  const LayerRegisterSet none;
  EXPECT_NO_THROW((void)layer_cycles(max78000(), none));
  EXPECT_NO_THROW((void)layer_cycles(max78002(), none));
  EXPECT_EQ(startup_cycles(max78000()), 1U);
}

// ---------------------------------------------------------------------------
// Register replay of the conformance traces.

struct Replayed {
  std::array<uint32_t, 4> ctrl{};
  uint32_t lcnt_max = 0;
  std::vector<LayerRegisterSet> layers;
};

uint32_t merge(uint32_t old, const io::BusOp& op) {
  if (op.width == 32) return op.value;
  const uint32_t shift = 8 * (op.address & 3U);
  const uint32_t mask = (op.width == 8 ? 0xFFU : 0xFFFFU) << shift;
  return (old & ~mask) | ((op.value << shift) & mask);
}

// Applies every register write up to the start of the accelerator (the end of
// cnn_start), ignoring memories.
Replayed replay(const Device& device, const io::Trace& trace) {
  const RegisterMap map(device);
  Replayed r;
  r.layers.resize(static_cast<size_t>(device.max_layers));
  for (size_t l = 0; l < r.layers.size(); ++l) r.layers[l].layer = static_cast<int>(l);
  bool in_start = false;
  for (const io::BusOp& op : trace.ops) {
    if (op.kind == io::BusOp::Kind::Phase) {
      if (in_start) break;
      in_start = op.phase == "cnn_start";
      continue;
    }
    if (op.kind == io::BusOp::Kind::WaitIrq) break;
    if (op.kind != io::BusOp::Kind::Write) continue;
    const auto t = map.decode(op.address & ~3U);
    if (!t || t->quadrant < 0 || t->quadrant > 3) continue;
    const auto q = static_cast<size_t>(t->quadrant);
    if (t->kind == AddressTarget::Kind::Global && t->global == GlobalRegister::Ctrl) {
      r.ctrl[q] = merge(r.ctrl[q], op);
    } else if (t->kind == AddressTarget::Kind::Global && t->global == GlobalRegister::LcntMax && q == 0) {
      r.lcnt_max = merge(r.lcnt_max, op);
    } else if (t->kind == AddressTarget::Kind::Layer && t->layer >= 0 && t->layer < device.max_layers) {
      uint32_t& v = r.layers[static_cast<size_t>(t->layer)].reg[q][static_cast<size_t>(t->reg)];
      v = merge(v, op);
    }
  }
  for (LayerRegisterSet& l : r.layers) l.ctrl = r.ctrl;
  return r;
}

int last_layer(const Device& device, const Replayed& r) {
  return static_cast<int>(r.lcnt_max & static_cast<uint32_t>(device.max_layers - 1));
}

const fs::path kConformance = fs::path(AI8X_SHARED_DIR) / "conformance";

struct CaseResult {
  std::string name;
  int layers = 0;
  int exact = 0;
  double worst = 0;  // relative deviation of the worst layer
  int64_t total = 0;
  int64_t izer_total = 0;
  std::vector<std::string> mismatches;
};

std::vector<fs::path> case_dirs_with(const char* file) {
  std::vector<fs::path> dirs;
  if (!fs::exists(kConformance)) return dirs;
  for (const auto& e : fs::directory_iterator(kConformance)) {
    if (fs::exists(e.path() / "registers.txt") && fs::exists(e.path() / file)) {
      dirs.push_back(e.path());
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

CaseResult compare_case(const fs::path& dir) {
  CaseResult res;
  res.name = dir.filename().string();
  const io::Trace trace = io::read_trace((dir / "registers.txt").string());
  const Device* dev = find_device(trace.device.empty() ? "MAX78000" : trace.device);
  EXPECT_NE(dev, nullptr) << res.name;
  if (dev == nullptr) return res;
  const Replayed r = replay(*dev, trace);
  std::ifstream in(dir / "latency.json");
  const auto lat = nlohmann::json::parse(in);
  res.total = static_cast<int64_t>(startup_cycles(*dev));
  res.izer_total = lat.at("per_item").at("Startup").get<int64_t>();
  for (const auto& [key, value] : lat.at("per_item").items()) {
    if (key.rfind("Layer ", 0) != 0) continue;
    const int layer = std::stoi(key.substr(6));
    const int64_t want = value.get<int64_t>();
    EXPECT_LE(layer, last_layer(*dev, r)) << res.name << " " << key;
    if (layer < 0 || layer >= dev->max_layers) continue;
    const LayerTiming t = layer_cycles(*dev, r.layers[static_cast<size_t>(layer)]);
    const auto got = static_cast<int64_t>(t.cycles);
    ++res.layers;
    res.total += got;
    res.izer_total += want;
    if (got == want) {
      ++res.exact;
    } else {
      const double rel = std::abs(static_cast<double>(got - want)) / static_cast<double>(std::max<int64_t>(1, want));
      res.worst = std::max(res.worst, rel);
      res.mismatches.push_back(key + ": " + std::to_string(got) + " vs " + std::to_string(want));
    }
  }
  return res;
}

TEST(TimingCorpus, MatchesGeneratorEstimatePerLayer) {
  const auto dirs = case_dirs_with("latency.json");
  if (dirs.empty()) GTEST_SKIP() << "no conformance corpus at " << kConformance;
  int cases_exact = 0;
  int layers = 0;
  int layers_exact = 0;
  double worst = 0;
  std::string worst_case;
  for (const fs::path& d : dirs) {
    const CaseResult c = compare_case(d);
    layers += c.layers;
    layers_exact += c.exact;
    if (c.exact == c.layers) {
      ++cases_exact;
    } else {
      std::printf("  %s: %d/%d layers exact, worst %.2f%%, total %lld vs %lld\n", c.name.c_str(), c.exact, c.layers,
                  100 * c.worst, static_cast<long long>(c.total), static_cast<long long>(c.izer_total));
      for (const auto& m : c.mismatches) std::printf("      %s\n", m.c_str());
    }
    if (c.worst > worst) {
      worst = c.worst;
      worst_case = c.name;
    }
  }
  std::printf("timing: %d/%zu cases exact on every layer; %d/%d layers exact; worst %.3f%% (%s)\n", cases_exact,
              dirs.size(), layers_exact, layers, 100 * worst, worst_case.c_str());
  RecordProperty("cases_exact", cases_exact);
  RecordProperty("layers_exact", layers_exact);
  EXPECT_EQ(cases_exact, static_cast<int>(dirs.size()));
}

}  // namespace
}  // namespace ai8x::hw

namespace ai8x::hw {
namespace {

// Per-layer counts of a replayed trace, for layers 0..LCNT_MAX.
std::vector<LayerTiming> trace_layers(const fs::path& dir, const Device** device) {
  const io::Trace trace = io::read_trace((dir / "registers.txt").string());
  const Device* dev = find_device(trace.device.empty() ? "MAX78000" : trace.device);
  *device = dev;
  std::vector<LayerTiming> out;
  if (dev == nullptr) return out;
  const Replayed r = replay(*dev, trace);
  for (int l = 0; l <= last_layer(*dev, r); ++l) {
    out.push_back(layer_cycles(*dev, r.layers[static_cast<size_t>(l)]));
  }
  return out;
}

TEST(TimingCorpus, SameNetworkOnMax78002CountsTheSame) {
  // The MAX78002 encodes rows, pooling and kernels differently (stop rows,
  // LCTRL0 kernel size, OCHAN); the same network decoded from its MAX78002
  // trace must give the counts the generator estimates for MAX78000.
  int pairs = 0;
  int layers = 0;
  int exact = 0;
  for (const fs::path& d85 : case_dirs_with("latency.json")) {
    std::string name = d85.filename().string();
    if (name.rfind("t85-", 0) != 0) continue;
    const fs::path d87 = kConformance / ("t87-" + name.substr(4));
    if (!fs::exists(d87 / "registers.txt")) continue;
    const Device* dev = nullptr;
    const auto got = trace_layers(d87, &dev);
    ASSERT_NE(dev, nullptr);
    // An average pool right after an element-wise layer gets an extra
    // hardware layer on MAX78002 (hw-facts: avg-pool reset), which shifts
    // the layer numbers; such pairs are not comparable layer by layer.
    const Device* dev85 = nullptr;
    if (trace_layers(d85, &dev85).size() != got.size()) continue;
    std::ifstream in(d85 / "latency.json");
    const auto lat = nlohmann::json::parse(in);
    ++pairs;
    for (const auto& [key, value] : lat.at("per_item").items()) {
      if (key.rfind("Layer ", 0) != 0) continue;
      const auto layer = static_cast<size_t>(std::stoi(key.substr(6)));
      if (layer >= got.size()) continue;
      ++layers;
      EXPECT_TRUE(got[layer].estimate) << d87.filename() << " " << key;
      const auto want = value.get<uint64_t>();
      if (got[layer].cycles == want) {
        ++exact;
      } else {
        std::printf("  %s %s: %llu vs MAX78000 estimate %llu\n", d87.filename().c_str(), key.c_str(),
                    static_cast<unsigned long long>(got[layer].cycles), static_cast<unsigned long long>(want));
      }
    }
  }
  std::printf("timing MAX78002: %d/%d layers of %d networks equal the MAX78000 estimate\n", exact, layers, pairs);
  EXPECT_GT(pairs, 100);
  EXPECT_EQ(exact, layers);
}

TEST(TimingCorpus, EveryTraceLayerHasWork) {
  // All 523 traces: every configured layer decodes to a non-empty frame, and
  // MAX78002 and streaming layers are flagged as estimates.
  int traces = 0;
  for (const fs::path& d : case_dirs_with("case.json")) {
    const Device* dev = nullptr;
    const auto layers = trace_layers(d, &dev);
    ASSERT_NE(dev, nullptr) << d;
    ++traces;
    for (size_t l = 0; l < layers.size(); ++l) {
      EXPECT_GT(layers[l].cycles, 0U) << d.filename() << " layer " << l;
      if (dev->izer_number == 87) {
        EXPECT_TRUE(layers[l].estimate) << d.filename();
      }
    }
  }
  EXPECT_GT(traces, 500);
}

// Silicon (users-and-peers §1): mnist 1410 µs and kws20_v3 1442 µs from
// cnn_start to the interrupt at 50 MHz, measured with a software timer.
TEST(TimingCorpus, SiliconAnchors) {
  const struct {
    const char* name;
    double micros;
  } anchors[] = {{"demo85-mnist", 1410.0}, {"demo85-kws20_v3", 1442.0}};
  for (const auto& a : anchors) {
    const fs::path dir = kConformance / a.name;
    if (!fs::exists(dir / "registers.txt")) GTEST_SKIP() << "no " << a.name;
    const Device* dev = nullptr;
    uint64_t total = startup_cycles(max78000());
    for (const LayerTiming& t : trace_layers(dir, &dev)) total += t.cycles;
    const double micros = static_cast<double>(total) / 50.0;
    std::printf("timing silicon: %s %llu cycles = %.1f us at 50 MHz, measured %.0f us (%+.2f%%)\n", a.name,
                static_cast<unsigned long long>(total), micros, a.micros, 100.0 * (micros - a.micros) / a.micros);
    EXPECT_NEAR(micros, a.micros, 0.01 * a.micros) << a.name;
  }
}

}  // namespace
}  // namespace ai8x::hw
