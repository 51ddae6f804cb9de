// Kernel and bias memory placement (sim/compile).
//  - Hand-built networks: byte packing (hw-facts §4.8), output-processor gaps
//    and leading slots, the top-of-memory rule of MAX78002, first-fit-
//    descending bias quadrants, exhausted memories.
//  - Every known-answer case: the generator's own layer table (Kernel offset,
//    length, count, dimensions, bits; Quadrant with bias; Bias offset), and the
//    kernel and bias bytes its generated code writes (registers.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
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
#include "compile/bias_map.hpp"
#include "compile/kernel_map.hpp"
#include "core/error.hpp"
#include "io/yaml_value.hpp"
#include "spec/build.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ai8x;
using compile::CompileOptions;
using compile::KernelWord;

// ---------------------------------------------------------------------------
// Hand-built networks

LayerSpec conv_layer(int index, int in, int out, uint64_t processors, uint64_t output_processors, Pair kernel,
                     int bits = 8) {
  LayerSpec l;
  l.index = index;
  l.op = Op::Conv2d;
  l.kernel = kernel;
  l.pad = {kernel[0] / 2, kernel[1] / 2};
  l.in_channels = in;
  l.out_channels = out;
  l.in_dim = l.pooled_dim = l.out_dim = {4, 4};
  l.processors = processors;
  l.output_processors = output_processors;
  const Expansion ei = expansion(in);
  const Expansion eo = expansion(out);
  l.in_passes = ei.passes;
  l.in_per_pass = ei.per_pass;
  l.out_passes = eo.passes;
  l.out_per_pass = eo.per_pass;
  l.quantization = bits;
  l.weight_shape = {out, in, kernel[0], kernel[1]};
  l.weights.assign(static_cast<size_t>(out) * in * kernel[0] * kernel[1], 0);
  return l;
}

Network network(const Device& dev, std::vector<LayerSpec> layers) {
  Network net;
  net.device = &dev;
  net.arch = "unit";
  net.layers = std::move(layers);
  for (size_t i = 0; i < net.layers.size(); ++i) {
    net.layers[i].prev_sequence = static_cast<int>(i) - 1;
    net.order.push_back(static_cast<int>(i));
  }
  net.hardware_order = net.order;
  net.final_layer = net.order.back();
  return net;
}

// w[o][c][y][x] of a layer's weights.
int64_t& weight(LayerSpec& l, int o, int c, int y = 0, int x = 0) {
  const auto& s = l.weight_shape;
  const int64_t i = ((static_cast<int64_t>(o) * s[1] + c) * s[2] + y) * s[3] + x;
  return l.weights[static_cast<size_t>(i)];
}

KernelWord word_at(const compile::KernelMap& m, int processor, int word) {
  const auto& mem = m.memory[static_cast<size_t>(processor)];
  const auto it = mem.find(word);
  return it == mem.end() ? KernelWord{} : it->second;
}

TEST(KernelPacking, ThreeByThreeKernelFillsOneWordRowMajor) {
  LayerSpec l = conv_layer(0, 1, 2, 0x1, 0x3, {3, 3});
  for (int o = 0; o < 2; ++o)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 3; ++x) weight(l, o, 0, y, x) = o * 20 + y * 3 + x + 1;
  const Network net = network(max78000(), {l});
  const auto m = compile::place_kernels(net);
  const auto& k = m.layers[0];
  EXPECT_TRUE(k.has_kernels);
  EXPECT_EQ(k.column, 0);
  EXPECT_EQ(k.length, 2);  // 2 kernels × 9 bytes = 2 words
  EXPECT_EQ(k.count, 2);
  EXPECT_EQ(k.words[0], 2);
  ASSERT_EQ(m.memory[0].size(), 2U);
  for (int o = 0; o < 2; ++o) {
    const KernelWord w = word_at(m, 0, o);
    for (int j = 0; j < 9; ++j)
      EXPECT_EQ(w[static_cast<size_t>(j)], o * 20 + j + 1) << "byte " << j;  // byte j = w[j/3][j%3]
  }
}

TEST(KernelPacking, OneByOneKernelsShareAWordFromByteEight) {
  LayerSpec l = conv_layer(0, 1, 10, 0x1, 0x3ff, {1, 1});
  for (int o = 0; o < 10; ++o) weight(l, o, 0) = -(o + 1);
  const Network net = network(max78000(), {l});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[0].length, 2);  // ceil(10 bytes / 9)
  EXPECT_EQ(m.layers[0].count, 10);
  const KernelWord w0 = word_at(m, 0, 0);
  const KernelWord w1 = word_at(m, 0, 1);
  for (int o = 0; o < 9; ++o) EXPECT_EQ(w0[static_cast<size_t>(8 - o)], static_cast<uint8_t>(-(o + 1))) << o;
  EXPECT_EQ(w1[8], static_cast<uint8_t>(-10));
  for (int b = 0; b < 8; ++b) EXPECT_EQ(w1[static_cast<size_t>(b)], 0);
}

TEST(KernelPacking, FourBitWeightsPairOutputChannelsLowNibbleFirst) {
  LayerSpec l = conv_layer(0, 1, 2, 0x1, 0x3, {3, 3}, 4);
  for (int j = 0; j < 9; ++j) {
    weight(l, 0, 0, j / 3, j % 3) = j - 4;  // -4..4
    weight(l, 1, 0, j / 3, j % 3) = 7 - j;  // 7..-1
  }
  const Network net = network(max78000(), {l});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[0].length, 1);  // 2 kernels × 9 × 4 bits = 72 bits
  const KernelWord w = word_at(m, 0, 0);
  for (int j = 0; j < 9; ++j) {
    const int lo = (j - 4) & 0xf;
    const int hi = (7 - j) & 0xf;
    EXPECT_EQ(w[static_cast<size_t>(j)], hi << 4 | lo) << "byte " << j;
  }
}

TEST(KernelPacking, BinaryWeightsMinusOneIsOne) {
  LayerSpec l = conv_layer(0, 1, 8, 0x1, 0xff, {3, 3}, -1);
  for (int o = 0; o < 8; ++o)
    for (int j = 0; j < 9; ++j) weight(l, o, 0, j / 3, j % 3) = ((o + j) % 2) ? -1 : 1;
  const Network net = network(max78002(), {l});
  const auto m = compile::place_kernels(net);
  ASSERT_EQ(m.layers[0].length, 1);  // 8 kernels × 9 × 1 bit
  const int column = m.layers[0].column;
  EXPECT_EQ(column, 5116);  // only processor 0 (a large memory): top of its 5120 words, aligned to 4
  const KernelWord w = word_at(m, 0, column);
  for (int j = 0; j < 9; ++j) {
    int expect = 0;
    for (int o = 0; o < 8; ++o) expect |= ((o + j) % 2) << o;
    EXPECT_EQ(w[static_cast<size_t>(j)], expect) << "byte " << j;
  }
}

TEST(KernelPlacement, OutputProcessorGapLeavesAnEmptyWord) {
  LayerSpec l = conv_layer(0, 1, 2, 0x1, 0x5, {3, 3});  // outputs on processors 0 and 2
  weight(l, 0, 0, 1, 1) = 5;
  weight(l, 1, 0, 1, 1) = 6;
  const Network net = network(max78000(), {l});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[0].count, 3);  // processors 0..2
  EXPECT_EQ(m.layers[0].length, 3);
  EXPECT_EQ(word_at(m, 0, 0)[4], 5);
  EXPECT_EQ(m.memory[0].count(1), 0U);  // processor 1's slot is skipped
  EXPECT_EQ(word_at(m, 0, 2)[4], 6);
}

TEST(KernelPlacement, FirstOutputProcessorModFourSkipsLeadingSlots) {
  LayerSpec l = conv_layer(0, 1, 2, 0x1, 0xc, {3, 3});  // outputs on processors 2, 3
  weight(l, 0, 0, 0, 0) = 1;
  weight(l, 1, 0, 0, 0) = 2;
  const Network net = network(max78000(), {l});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[0].count, 4);   // the two leading slots count as kernels
  EXPECT_EQ(m.layers[0].length, 2);  // but not as words
  EXPECT_EQ(m.memory[0].count(0), 0U);
  EXPECT_EQ(m.memory[0].count(1), 0U);
  EXPECT_EQ(word_at(m, 0, 2)[0], 1);
  EXPECT_EQ(word_at(m, 0, 3)[0], 2);
}

TEST(KernelPlacement, LayersStackUpwardsInStepsOfFour) {
  LayerSpec a = conv_layer(0, 1, 3, 0x1, 0x7, {3, 3});
  LayerSpec b = conv_layer(1, 3, 2, 0x7, 0x3, {3, 3});
  weight(b, 0, 0, 0, 0) = 1;  // not a duplicate of `a`
  const Network net = network(max78000(), {a, b});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[0].column, 0);
  EXPECT_EQ(m.layers[1].column, 4);  // 3 words used by layer 0, next multiple of 4
  EXPECT_EQ(m.layers[1].words[2], 2);
}

TEST(KernelPlacement, IdenticalKernelsAreStoredOnce) {
  LayerSpec a = conv_layer(0, 4, 4, 0xf, 0xf, {3, 3});
  for (size_t i = 0; i < a.weights.size(); ++i) a.weights[i] = static_cast<int64_t>(i % 7) - 3;
  LayerSpec b = a;
  b.index = 1;
  const Network net = network(max78000(), {a, b});
  const auto m = compile::place_kernels(net);
  EXPECT_EQ(m.layers[1].shared_with, 0);
  EXPECT_EQ(m.layers[1].column, m.layers[0].column);
  EXPECT_EQ(m.words_used[0], 4);
  CompileOptions no_dedup;
  no_dedup.deduplicate_weights = false;
  const auto m2 = compile::place_kernels(net, no_dedup);
  EXPECT_EQ(m2.layers[1].column, 4);
  EXPECT_EQ(m2.words_used[0], 8);
}

TEST(KernelPlacement, WeightStartMovesTheSearch) {
  const Network net = network(max78000(), {conv_layer(0, 1, 3, 0x1, 0x7, {3, 3})});
  CompileOptions opt;
  opt.weight_start = 101;
  EXPECT_EQ(compile::place_kernels(net, opt).layers[0].column, 104);
}

TEST(KernelPlacement, ExhaustedKernelMemoryNamesLayerAndProcessor) {
  std::vector<LayerSpec> layers;
  for (int i = 0; i < 13; ++i) {
    LayerSpec l = conv_layer(i, 1, 64, 0x1, ~uint64_t{0}, {3, 3});
    weight(l, 0, 0) = i + 1;  // all different
    layers.push_back(l);
  }
  const Network net = network(max78000(), layers);
  try {
    (void)compile::place_kernels(net);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.context().layer.has_value());
    EXPECT_EQ(*e.context().layer, 12);  // 12 × 64 = 768 words fit
    EXPECT_NE(e.message().find("processor 0"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("exhausted"), std::string::npos) << e.message();
  }
}

TEST(BiasPlacement, LargestFirstIntoTheEmptiestQuadrant) {
  LayerSpec a = conv_layer(0, 1, 10, 0x1, 0x3ff, {3, 3});
  LayerSpec b = conv_layer(1, 10, 60, 0x3ff, 0x0ffffffffffffffe, {3, 3});
  LayerSpec c = conv_layer(2, 60, 5, 0x0ffffffffffffffe, 0x1f, {1, 1});
  a.bias.assign(10, 1);
  b.bias.assign(60, 2);
  c.bias.assign(5, 0);  // all zero: ignored
  const Network net = network(max78000(), {a, b, c});
  const auto m = compile::place_biases(net);
  // b (61 entries incl. one leading entry for output processor 1) goes first,
  // into quadrant 0; a then goes to quadrant 1, the first of the emptiest.
  EXPECT_EQ(compile::quadrant_text(m.layers[1]), "0");
  EXPECT_EQ(compile::offsets_text(m.layers[1]), "[0, 0, 0, 0]");
  EXPECT_EQ(m.layers[1].length, 61);
  EXPECT_EQ(compile::quadrant_text(m.layers[0]), "1");
  EXPECT_EQ(compile::offsets_text(m.layers[0]), "[0, 0, 0, 0]");
  EXPECT_EQ(compile::quadrant_text(m.layers[2]), "None");
  EXPECT_EQ(compile::offsets_text(m.layers[2]), "[None, None, None, None]");
  ASSERT_EQ(m.memory[0].size(), 61U);
  EXPECT_EQ(m.memory[0][0], 0);  // the skipped entry
  EXPECT_EQ(m.memory[0][1], 2);
  ASSERT_EQ(m.memory[1].size(), 10U);
  EXPECT_EQ(m.memory[1][9], 1);
}

TEST(BiasPlacement, BiasGroupPinsTheQuadrantAndExhaustionNamesIt) {
  std::vector<LayerSpec> layers;
  for (int i = 0; i < 9; ++i) {
    LayerSpec l = conv_layer(i, 64, 64, ~uint64_t{0}, ~uint64_t{0}, {1, 1});
    weight(l, 0, 0) = i + 1;
    l.bias.assign(64, i + 1);
    l.bias_group = 2;
    layers.push_back(l);
  }
  const Network net = network(max78000(), layers);
  try {
    (void)compile::place_biases(net);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.context().layer.has_value());
    EXPECT_EQ(*e.context().layer, 8);  // 8 × 64 = 512 entries fit
    EXPECT_NE(e.message().find("quadrant 2"), std::string::npos) << e.message();
  }
  layers.pop_back();
  const auto m = compile::place_biases(network(max78000(), layers));
  EXPECT_EQ(compile::quadrant_text(m.layers[7]), "2");
  EXPECT_EQ(compile::offsets_text(m.layers[7]), "[448, 448, 448, 448]");
}

// ---------------------------------------------------------------------------
// Known-answer cases

// The known-answer cases, plus the case folders under $AI8X_EXTRA_CASES (for
// oracle probes made outside the repository).
std::vector<std::string> case_dirs() {
  std::vector<std::string> out;
  std::vector<fs::path> roots = {fs::path(AI8X_SHARED_DIR) / "conformance",
                                 fs::path(AI8X_SOURCE_DIR) / "tests" / "cases"};
  if (const char* extra = std::getenv("AI8X_EXTRA_CASES"); extra != nullptr && *extra != 0) roots.emplace_back(extra);
  for (const fs::path& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (fs::is_regular_file(e.path() / "case.json")) out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Case {
  Network net;
  CompileOptions options;
  json table;
  std::optional<int> error_layer;  // the generator stopped with "Layer N: ..." (oracle probes)
  fs::path dir;
};

Case load_case(const fs::path& dir) {
  std::ifstream f(dir / "case.json");
  const json c = json::parse(f);
  Case out;
  out.dir = dir;
  out.table = c.value("layer_table", json::object());
  if (c.contains("izer_error")) {
    for (const auto& line : c["izer_error"]) {
      const std::string t = line.get<std::string>();
      if (const size_t at = t.find("Layer "); at != std::string::npos) out.error_layer = std::stoi(t.substr(at + 6));
    }
  }
  // Resolved as `ai8xsim --case DIR` resolves it (the CLI's switch mapping).
  out.net = cli::load_case_network(dir.string()).net;
  out.options = compile::compile_options(out.net);
  return out;
}

std::string pair_text(Pair p) {
  return "[" + std::to_string(p[0]) + ", " + std::to_string(p[1]) + "]";
}

// ---- registers.txt: the kernel and bias bytes the generated code writes

struct LoadedMemories {
  bool present = false;
  std::vector<std::map<int, KernelWord>> kernels;  // per processor
  std::vector<std::map<int, uint8_t>> bias;        // per quadrant
  int plain_kernel_writes = 0;
};

struct MemoryAddresses {
  uint32_t quadrant_base, quadrant_stride, kernel_offset, processor_stride, bias_offset;
};

// hw-facts §2: MRAM at Q + 0x8_0000 + p·0x4000 (MAX78000) / Q + 0x40_0000 + p·0x2_0000
// (MAX78002), 16 bytes per word; bias RAM at Q + 0x8000 / Q + 0x18_0000, 4 bytes per entry.
MemoryAddresses addresses(const Device& dev) {
  if (dev.izer_number == 87) return {0x51000000, 0x1000000, 0x400000, 0x20000, 0x180000};
  return {0x50100000, 0x400000, 0x80000, 0x4000, 0x8000};
}

LoadedMemories read_trace(const fs::path& file, const Device& dev) {
  LoadedMemories out;
  std::ifstream f(file);
  if (!f) return out;
  out.present = true;
  out.kernels.resize(static_cast<size_t>(dev.processors()));
  out.bias.resize(static_cast<size_t>(dev.quadrants));
  const MemoryAddresses a = addresses(dev);
  // Which processor (and byte offset inside its MRAM window) an address hits.
  auto kernel_target = [&](uint32_t addr, int& p, uint32_t& offs) {
    for (int q = 0; q < dev.quadrants; ++q) {
      const uint32_t base = a.quadrant_base + q * a.quadrant_stride + a.kernel_offset;
      if (addr >= base && addr < base + 16 * a.processor_stride) {
        p = q * 16 + static_cast<int>((addr - base) / a.processor_stride);
        offs = (addr - base) % a.processor_stride;
        return true;
      }
    }
    return false;
  };
  std::string line;
  std::string phase;
  int stream_p = -1;  // mexpress: processor being streamed, word index and bytes so far
  int stream_word = 0;
  std::vector<uint8_t> stream;
  auto flush = [&] {
    for (size_t i = 0; i + 9 <= stream.size(); i += 9) {
      KernelWord w{};
      std::copy(stream.begin() + static_cast<std::ptrdiff_t>(i), stream.begin() + static_cast<std::ptrdiff_t>(i + 9),
                w.begin());
      out.kernels[static_cast<size_t>(stream_p)][stream_word++] = w;
    }
    stream.clear();
    stream_p = -1;
  };
  while (std::getline(f, line)) {
    if (line.rfind("# ", 0) == 0) {
      const std::string name = line.substr(2);
      if (name.find(' ') == std::string::npos && name.rfind("RD", 0) != 0) phase = name;
      continue;
    }
    std::istringstream ls(line);
    std::string op, addr_text, value_text;
    if (!(ls >> op >> addr_text >> value_text)) continue;
    const auto addr = static_cast<uint32_t>(std::stoul(addr_text, nullptr, 16));
    const auto value = static_cast<uint32_t>(std::stoul(value_text, nullptr, 16));
    if (phase == "cnn_load_weights") {
      int p = 0;
      uint32_t offs = 0;
      if (!kernel_target(addr & ~1U, p, offs)) continue;
      if (op == "W8") {  // mexpress: set the address counter, then stream bytes
        if (stream_p >= 0) flush();
        stream_p = p;
        stream_word = static_cast<int>(offs / 4);
      } else if (op == "W32" && stream_p >= 0) {
        for (int s = 24; s >= 0; s -= 8) stream.push_back(static_cast<uint8_t>(value >> s));
      } else if (op == "W32") {
        ++out.plain_kernel_writes;  // the express loader (the default) always sets the address first
      }
    } else if (phase == "cnn_load_bias" && op == "W32") {
      if (stream_p >= 0) flush();
      for (int q = 0; q < dev.quadrants; ++q) {
        const uint32_t base = a.quadrant_base + q * a.quadrant_stride + a.bias_offset;
        if (addr >= base && addr < base + 4 * dev.bias_entries_per_quadrant)
          out.bias[static_cast<size_t>(q)][static_cast<int>((addr - base) / 4)] = static_cast<uint8_t>(value);
      }
    }
  }
  if (stream_p >= 0) flush();
  return out;
}

class AllocationMatchesGenerator : public testing::TestWithParam<std::string> {};

TEST_P(AllocationMatchesGenerator, LayerTableAndMemoryImages) {
  const fs::path dir(GetParam());
  Case c;
  try {
    c = load_case(dir);
  } catch (const Error& e) {
    FAIL() << "network not buildable: " << e.formatted();
  }
  if (c.error_layer) {
    try {
      (void)compile::place_kernels(c.net, c.options);
      (void)compile::place_biases(c.net, c.options);
      FAIL() << "the generator stops at layer " << *c.error_layer;
    } catch (const Error& e) {
      EXPECT_EQ(e.context().layer, c.error_layer) << e.formatted();
    }
    return;
  }
  const compile::KernelMap km = compile::place_kernels(c.net, c.options);
  const compile::BiasMap bm = compile::place_biases(c.net, c.options);
  const Network& net = c.net;

  if (!c.table.empty()) {
    const size_t rows = c.table["Operator"].size();
    int last = 0;
    for (int ll : net.hardware_order) last = std::max(last, ll);
    const int first = rows == static_cast<size_t>(last) + 1 ? 0 : net.start_layer;
    for (size_t row = 0; row < rows; ++row) {
      const int ll = first + static_cast<int>(row);
      if (ll >= static_cast<int>(net.layers.size())) break;
      const auto& k = km.layers[static_cast<size_t>(ll)];
      const auto& b = bm.layers[static_cast<size_t>(ll)];
      const LayerSpec& l = net.layers[static_cast<size_t>(ll)];
      auto expect = [&](const char* field, const std::string& ours) {
        if (!c.table.contains(field) || c.table[field].size() != rows) return;  // mangled column
        EXPECT_EQ(c.table[field][row].get<std::string>(), ours) << "layer " << ll << " \"" << field << "\"";
      };
      expect("Kernel offset", std::to_string(k.column));
      expect("Kernel length", std::to_string(k.length));
      expect("Kernel count", std::to_string(k.count));
      expect("Kernel dimensions", pair_text(k.reported));
      expect("Kernel size (bits)", l.quantization == -1 ? "b" : std::to_string(l.quantization));
      expect("Quadrant with bias", compile::quadrant_text(b));
      expect("Bias offset", compile::offsets_text(b));
    }
  }

  const LoadedMemories loaded = read_trace(dir / "registers.txt", *net.device);
  if (!loaded.present) return;
  EXPECT_EQ(loaded.plain_kernel_writes, 0);
  size_t ours_total = 0, theirs_total = 0;
  for (const auto& m : km.memory) ours_total += m.size();
  for (const auto& m : loaded.kernels) theirs_total += m.size();
  EXPECT_EQ(ours_total, theirs_total) << "kernel words";
  for (int p = 0; p < net.device->processors(); ++p) {
    const auto& ours = km.memory[static_cast<size_t>(p)];
    const auto& theirs = loaded.kernels[static_cast<size_t>(p)];
    int shown = 0;
    for (const auto& [word, bytes] : theirs) {
      const auto it = ours.find(word);
      if (it == ours.end() || it->second != bytes) {
        ADD_FAILURE() << "processor " << p << " word " << word << (it == ours.end() ? " missing" : " differs");
        if (++shown > 5) break;
      }
    }
    for (const auto& [word, bytes] : ours) {
      if (theirs.count(word) == 0) {
        ADD_FAILURE() << "processor " << p << " word " << word << " is not loaded by the generated code";
        if (++shown > 5) break;
      }
    }
  }
  for (int q = 0; q < net.device->quadrants; ++q) {
    static const std::vector<uint8_t> kNone;
    const auto& ours = static_cast<size_t>(q) < bm.memory.size() ? bm.memory[static_cast<size_t>(q)] : kNone;
    const auto& theirs = loaded.bias[static_cast<size_t>(q)];
    EXPECT_EQ(theirs.size(), ours.size()) << "quadrant " << q << " bias entries";
    for (const auto& [i, v] : theirs) {
      if (static_cast<size_t>(i) >= ours.size() || ours[static_cast<size_t>(i)] != v) {
        ADD_FAILURE() << "quadrant " << q << " bias entry " << i;
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, AllocationMatchesGenerator, testing::ValuesIn(case_dirs()),
                         [](const testing::TestParamInfo<std::string>& p) {
                           std::string name = fs::path(p.param).filename().string();
                           for (char& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

}  // namespace

// ---- kernels two layers load into the same words -----------------------------

namespace ai8x {
namespace {

std::vector<compile::KernelOverlap> overlaps_of(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(AI8X_SHARED_DIR) / "conformance" / name;
  const cli::CaseNetwork c = cli::load_case_network(dir.string());
  return compile::kernel_overlaps(compile::place_kernels(c.net, c.program));
}

TEST(KernelOverlaps, CalcxFourLayerPlacedOverANonCalcxFourLayersWords) {
  if (!std::filesystem::exists(std::filesystem::path(AI8X_SHARED_DIR) / "conformance" / "t87-fifostream-x4-cifar-hwc"))
    GTEST_SKIP() << "no shared corpus";
  // Layer 0 (processors 0-2, not calcx4) holds words 0..59; the calcx4 layers
  // 2 and 3 are placed at instance-0 words 15..28 and 29..31 of the same processors.
  const auto o = overlaps_of("t87-fifostream-x4-cifar-hwc");
  ASSERT_EQ(o.size(), 3U);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(o[static_cast<size_t>(p)].processor, p);
    EXPECT_EQ(o[static_cast<size_t>(p)].first_word, 15);
    EXPECT_EQ(o[static_cast<size_t>(p)].last_word, 31);
  }
}

TEST(KernelOverlaps, NoneWhenEveryLayerHasItsOwnWords) {
  if (!std::filesystem::exists(std::filesystem::path(AI8X_SHARED_DIR) / "conformance" / "demo87-mnist"))
    GTEST_SKIP() << "no shared corpus";
  EXPECT_TRUE(overlaps_of("demo87-mnist").empty());
  EXPECT_TRUE(overlaps_of("t87-ffsx4readahead-nopad-multipass5-w8").size() == 3U);
}

}  // namespace
}  // namespace ai8x
