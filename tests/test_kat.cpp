// KAT back end: placement (conventions §5.2), block form and file formats
// (§5.1), verdict, cnn_unload() emulation (§5.3), HDF5 dump. Expected values
// are the examples in conventions.md and the conformance corpus.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "check/dump_hdf5.hpp"
#include "check/expected.hpp"
#include "check/kat.hpp"
#include "check/unload.hpp"
#include "core/error.hpp"

namespace ai8x {
namespace {

namespace fs = std::filesystem;

const fs::path kConformance = fs::path(AI8X_SHARED_DIR) / "conformance";

LayerSpec output_layer(int index, int channels, int h, int w, uint64_t map, uint32_t offset, int width) {
  LayerSpec l;
  l.index = index;
  l.out_channels = channels;
  l.out_dim = {h, w};
  l.output_processors = map;
  l.out_offset = offset;
  l.output_width = width;
  const Expansion e = expansion(channels);
  l.out_passes = e.passes;
  l.out_per_pass = e.per_pass;
  return l;
}

// A network whose final (and only checked) layer is `layer`.
Network single_output(const Device& dev, const LayerSpec& layer) {
  Network net;
  net.device = &dev;
  net.layers.resize(static_cast<size_t>(layer.index) + 1);
  for (size_t i = 0; i < net.layers.size(); ++i) net.layers[i].index = static_cast<int>(i);
  net.layers.back() = layer;
  net.final_layer = layer.index;
  return net;
}

std::vector<std::optional<Tensor>> outputs_at(int index, const Tensor& t) {
  std::vector<std::optional<Tensor>> outs(static_cast<size_t>(index) + 1);
  outs.back() = t;
  return outs;
}

// mnist's ten logits (conventions §5.2).
const std::vector<int64_t> kMnistLogits{-77992, 93377, 45484, 29850, -36248, -130974, -272399, 416616, -148783, 25073};

Tensor column(const std::vector<int64_t>& values) {
  Tensor t(static_cast<int>(values.size()), 1, 1);
  t.v = values;
  return t;
}

// Distinct 8-bit value for each (channel, pixel).
int64_t pattern(int c, int pixel) {
  return (c * 37 + pixel * 11) % 256 - 128;
}

Tensor patterned(int c, int h, int w) {
  Tensor t(c, h, w);
  for (int ch = 0; ch < c; ++ch) {
    for (int p = 0; p < h * w; ++p) t.at(ch, p / w, p % w) = pattern(ch, p);
  }
  return t;
}

uint32_t byte_of(int64_t v) {
  return static_cast<uint32_t>(v & 0xff);
}

std::string temp_path(const std::string& name) {
  const std::string file = "ai8x_test_kat_" + std::to_string(::getpid()) + "_" + name;
  return (fs::temp_directory_path() / file).string();
}

// ---------------------------------------------------------------- placement

TEST(KatPlacement, Mnist32BitBlocks) {
  const LayerSpec fc = output_layer(4, 10, 1, 1, 0x3ff, 0x1000, 32);
  const Network net = single_output(max78000(), fc);
  const auto words = place_outputs(net, outputs_at(4, column(kMnistLogits)));
  const std::vector<KatBlock> want{{0x50401000, 0xffffffff, {0xfffecf58, 0x00016cc1, 0x0000b1ac, 0x0000749a}},
                                   {0x50409000, 0xffffffff, {0xffff7268, 0xfffe0062, 0xfffbd7f1, 0x00065b68}},
                                   {0x50411000, 0xffffffff, {0xfffdbad1, 0x000061f1}}};
  EXPECT_EQ(kat_blocks(words), want);
  // The corpus' own known answer for mnist is the same list.
  EXPECT_EQ(read_expected_json((kConformance / "demo85-mnist" / "expected.json").string()), want);
}

TEST(KatPlacement, ShippedEcgExampleMatchesItsKnownAnswer) {
  // kat/README.md: 5 logits, 32-bit, MAX78002, processors 0-4, out_offset 0.
  const fs::path kat = fs::path(AI8X_SOURCE_DIR) / "kat";
  std::ifstream logits_file(kat / "ecg-net.logits.json");
  const auto logits = nlohmann::json::parse(logits_file)["logits"].get<std::vector<int64_t>>();
  const LayerSpec fc = output_layer(3, 5, 1, 1, 0x1f, 0, 32);
  const Network net = single_output(max78002(), fc);
  const auto words = place_outputs(net, outputs_at(3, column(logits)));
  EXPECT_EQ(kat_blocks(words), read_expected_json((kat / "ecg-net.expected.json").string()));
  EXPECT_EQ(unload_outputs(net, memory_image(words)), logits);
}

TEST(KatPlacement, ApbBaseShiftsEveryAddress) {
  const LayerSpec fc = output_layer(4, 10, 1, 1, 0x3ff, 0x1000, 32);
  Network net = single_output(max78000(), fc);
  net.options.apb_base = 0x60000000;
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(4, column(kMnistLogits))));
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0].addr, 0x60401000U);
  EXPECT_EQ(blocks[1].addr, 0x60409000U);
  EXPECT_EQ(blocks[2].addr, 0x60411000U);
}

TEST(KatPlacement, Mnist8BitPartialMaskSortsFirst) {
  const LayerSpec fc = output_layer(4, 10, 1, 1, 0x3ff, 0x1000, 8);
  const Network net = single_output(max78000(), fc);
  std::vector<int64_t> v{1, -2, 3, -4, 5, -6, 7, -8, -128, 127};
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(4, column(v))));
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0], (KatBlock{0x50411000, 0x0000ffff, {0x00007f80}}));
  EXPECT_EQ(blocks[1], (KatBlock{0x50401000, 0xffffffff, {0xfc03fe01}}));
  EXPECT_EQ(blocks[2], (KatBlock{0x50409000, 0xffffffff, {0xf807fa05}}));
}

std::vector<uint32_t> block_addresses(const std::vector<KatBlock>& blocks) {
  std::vector<uint32_t> a;
  for (const auto& b : blocks) a.push_back(b.addr);
  return a;
}

TEST(KatPlacement, Kws20BothDevices) {
  const LayerSpec fc = output_layer(8, 21, 1, 1, 0x1fffff, 0x2000, 32);
  std::vector<int64_t> v(21);
  for (int i = 0; i < 21; ++i) v[static_cast<size_t>(i)] = i * 1000 - 7000;
  for (const Device* dev : {&max78000(), &max78002()}) {
    const Network net = single_output(*dev, fc);
    const auto blocks = kat_blocks(place_outputs(net, outputs_at(8, column(v))));
    std::vector<size_t> sizes;
    for (const auto& b : blocks) sizes.push_back(b.words.size());
    EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 4, 4, 4, 1}));
    if (dev == &max78000()) {
      EXPECT_EQ(block_addresses(blocks),
                (std::vector<uint32_t>{0x50402000, 0x5040a000, 0x50412000, 0x5041a000, 0x50802000, 0x5080a000}));
    } else {
      EXPECT_EQ(block_addresses(blocks),
                (std::vector<uint32_t>{0x51802000, 0x51822000, 0x51842000, 0x51862000, 0x52802000, 0x52822000}));
    }
    EXPECT_EQ(blocks[5].words[0], static_cast<uint32_t>(20 * 1000 - 7000));
    EXPECT_EQ(blocks[0].words[0], static_cast<uint32_t>(-7000));
  }
}

TEST(KatPlacement, Cifar128ChannelsTwoPasses) {
  const LayerSpec conv = output_layer(5, 128, 8, 8, ~uint64_t{0}, 0, 8);
  const Network net = single_output(max78000(), conv);
  const Tensor t = patterned(128, 8, 8);
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(5, t)));
  ASSERT_EQ(blocks.size(), 16U);
  for (int q = 0; q < 16; ++q) {
    const KatBlock& b = blocks[static_cast<size_t>(q)];
    EXPECT_EQ(b.addr, 0x50400000U + static_cast<uint32_t>(q / 4) * 0x400000U + static_cast<uint32_t>(q % 4) * 0x8000U);
    EXPECT_EQ(b.mask, 0xffffffffU);
    ASSERT_EQ(b.words.size(), 128U);
    for (int pixel = 0; pixel < 64; ++pixel) {
      uint32_t even = 0, odd = 0;
      for (int lane = 0; lane < 4; ++lane) {
        even |= byte_of(pattern(4 * q + lane, pixel)) << (8 * lane);
        odd |= byte_of(pattern(64 + 4 * q + lane, pixel)) << (8 * lane);
      }
      EXPECT_EQ(b.words[static_cast<size_t>(2 * pixel)], even) << "quad " << q << " px " << pixel;
      EXPECT_EQ(b.words[static_cast<size_t>(2 * pixel + 1)], odd) << "quad " << q << " px " << pixel;
    }
  }
}

TEST(KatPlacement, WriteGap8Bit) {
  LayerSpec l = output_layer(0, 4, 2, 2, 0xf, 0x100, 8);
  l.write_gap = 1;
  const Network net = single_output(max78000(), l);
  const Tensor t = patterned(4, 2, 2);
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(0, t)));
  // One word per pixel, every other word: no two words are adjacent.
  ASSERT_EQ(blocks.size(), 4U);
  for (int p = 0; p < 4; ++p) {
    EXPECT_EQ(blocks[static_cast<size_t>(p)].addr, 0x50400100U + 8U * static_cast<uint32_t>(p));
    ASSERT_EQ(blocks[static_cast<size_t>(p)].words.size(), 1U);
  }
}

TEST(KatPlacement, WriteGap32Bit) {
  LayerSpec l = output_layer(0, 4, 1, 2, 0xf, 0, 32);
  l.write_gap = 1;
  const Network net = single_output(max78000(), l);
  Tensor t(4, 1, 2);
  for (int c = 0; c < 4; ++c) {
    t.at(c, 0, 0) = c;
    t.at(c, 0, 1) = 100 + c;
  }
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(0, t)));
  // Pixel 1 starts at 4·(4·(g+1)) = 32 bytes; the four channel words stay adjacent.
  const std::vector<KatBlock> want{{0x50400000, 0xffffffff, {0, 1, 2, 3}},
                                   {0x50400020, 0xffffffff, {100, 101, 102, 103}}};
  EXPECT_EQ(blocks, want);
}

TEST(KatPlacement, MasksFollowTheFirstLane) {
  // Processors 1..12: quad 0 holds channels 0-2 in lanes 1-3, quad 3 channel 11 in lane 0.
  const LayerSpec l = output_layer(0, 12, 1, 1, 0x1ffe, 0, 8);
  const Network net = single_output(max78000(), l);
  const auto words = place_outputs(net, outputs_at(0, patterned(12, 1, 1)));
  ASSERT_EQ(words.size(), 4U);
  EXPECT_EQ(words[0].mask, 0xffffff00U);
  EXPECT_EQ(words[0].lane_channel, (std::array<int, 4>{-1, 0, 1, 2}));
  EXPECT_EQ(words[3].addr, 0x50418000U);
  EXPECT_EQ(words[3].mask, 0x000000ffU);
  EXPECT_EQ(words[3].value, byte_of(pattern(11, 0)));
}

TEST(KatPlacement, TooSmallMapIsAnError) {
  const LayerSpec l = output_layer(0, 8, 1, 1, 0x7, 0, 8);
  const Network net = single_output(max78000(), l);
  EXPECT_THROW(place_outputs(net, outputs_at(0, patterned(8, 1, 1))), Error);
  const Network no_tensor = single_output(max78000(), l);
  EXPECT_THROW(place_outputs(no_tensor, std::vector<std::optional<Tensor>>{}), Error);
}

TEST(KatPlacement, MaxVerifyLengthKeepsNPlusOneWords) {
  const LayerSpec fc = output_layer(4, 10, 1, 1, 0x3ff, 0x1000, 32);
  const Network net = single_output(max78000(), fc);
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(4, column(kMnistLogits))), 4);
  ASSERT_EQ(blocks.size(), 2U);
  EXPECT_EQ(blocks[0].words.size(), 4U);
  EXPECT_EQ(blocks[1].words, (std::vector<uint32_t>{0xffff7268}));
}

TEST(KatPlacement, OutputLayersAndFinalLayerAreChecked) {
  Network net;
  net.device = &max78000();
  net.layers.push_back(output_layer(0, 4, 1, 1, 0xf, 0x0, 8));
  net.layers.push_back(output_layer(1, 4, 1, 1, 0xf, 0x100, 8));
  net.layers.push_back(output_layer(2, 4, 1, 1, 0xf, 0x200, 8));
  net.layers[0].output = true;
  net.final_layer = 2;
  EXPECT_EQ(kat_layers(net), (std::vector<int>{0, 2}));
  EXPECT_EQ(unload_layers(net), (std::vector<int>{0}));
  net.layers[0].output = false;
  EXPECT_EQ(unload_layers(net), (std::vector<int>{2}));
  net.order = {0, 1};  // --stop-after 1
  net.final_layer = 1;
  EXPECT_EQ(kat_layers(net), (std::vector<int>{1}));
}

// ---------------------------------------------------------------- verdict

TEST(KatVerdict, PassesOnItsOwnPlacement) {
  const LayerSpec conv = output_layer(5, 128, 8, 8, ~uint64_t{0}, 0, 8);
  const Network net = single_output(max78000(), conv);
  const auto words = place_outputs(net, outputs_at(5, patterned(128, 8, 8)));
  const KatVerdict v = compare_kat(kat_blocks(words), memory_image(words), words);
  EXPECT_TRUE(v.pass);
  EXPECT_EQ(v.total_words, 2048U);
  EXPECT_EQ(v.mismatched_words, 0U);
  EXPECT_EQ(v.unplaced_words, 0U);
}

TEST(KatVerdict, MismatchNamesChannelRowColumn) {
  const LayerSpec conv = output_layer(5, 128, 8, 8, ~uint64_t{0}, 0, 8);
  const Network net = single_output(max78000(), conv);
  const auto words = place_outputs(net, outputs_at(5, patterned(128, 8, 8)));
  SparseMemory mem = memory_image(words);
  // Channel 70 = pass 1, processor 6 (quad 1, lane 2); row 3, column 5 = pixel 29.
  const uint32_t addr = 0x50408000U + 4U * (2U * 29U + 1U);
  mem.write(addr, ~mem.read32(addr), 0x00ff0000);
  std::vector<KatBlock> expected = kat_blocks(words);
  expected.push_back({0x50500000, 0xffffffff, {0}});  // matches (0), but nothing writes there
  const KatVerdict v = compare_kat(expected, mem, words);
  EXPECT_FALSE(v.pass);
  EXPECT_EQ(v.total_words, 2049U);
  EXPECT_EQ(v.mismatched_words, 1U);
  ASSERT_EQ(v.mismatches.size(), 1U);
  const KatMismatch& m = v.mismatches[0];
  EXPECT_EQ(m.addr, addr);
  EXPECT_EQ(m.got ^ m.expected, 0x00ff0000U);
  ASSERT_TRUE(m.where.has_value());
  EXPECT_EQ(m.where->layer, 5);
  EXPECT_EQ(m.where->pass, 1);
  EXPECT_EQ(m.where->row, 3);
  EXPECT_EQ(m.where->col, 5);
  EXPECT_EQ(m.where->channels, (std::vector<int>{70}));
  EXPECT_EQ(v.unplaced_words, 1U);
  EXPECT_EQ(v.unplaced_addresses, (std::vector<uint32_t>{0x50500000}));
}

TEST(KatVerdict, MaskedBitsAreIgnoredLikeCheckOutput) {
  SparseMemory mem;
  mem.write(0x50411000, 0xabcd7f80);
  const std::vector<KatBlock> expected{{0x50411000, 0x0000ffff, {0x00007f80}}};
  EXPECT_TRUE(compare_kat(expected, mem, {}).pass);
  const std::vector<KatBlock> unmasked{{0x50411000, 0x0000ffff, {0xabcd7f80}}};
  EXPECT_FALSE(compare_kat(unmasked, mem, {}).pass);
}

// ---------------------------------------------------------------- cnn_unload

TEST(KatUnload, Mnist32BitChannelOrder) {
  const LayerSpec fc = output_layer(4, 10, 1, 1, 0x3ff, 0x1000, 32);
  const Network net = single_output(max78000(), fc);
  const auto words = place_outputs(net, outputs_at(4, column(kMnistLogits)));
  EXPECT_EQ(unload_outputs(net, memory_image(words)), kMnistLogits);
}

TEST(KatUnload, Spatial32BitIsPerQuadPixelMajor) {
  const LayerSpec l = output_layer(0, 6, 1, 2, 0x3f, 0, 32);
  const Network net = single_output(max78000(), l);
  Tensor t(6, 1, 2);
  for (int c = 0; c < 6; ++c) {
    t.at(c, 0, 0) = 10 * c;
    t.at(c, 0, 1) = -10 * c - 1;
  }
  const auto words = place_outputs(net, outputs_at(0, t));
  EXPECT_EQ(unload_outputs(net, memory_image(words)),
            (std::vector<int64_t>{0, 10, 20, 30, -1, -11, -21, -31, 40, 50, -41, -51}));
}

TEST(KatUnload, Narrow8BitIsChw) {
  const LayerSpec conv = output_layer(5, 128, 8, 8, ~uint64_t{0}, 0, 8);
  const Network net = single_output(max78000(), conv);
  const Tensor t = patterned(128, 8, 8);
  const auto out = unload_outputs(net, memory_image(place_outputs(net, outputs_at(5, t))));
  EXPECT_EQ(out, t.v);
}

TEST(KatUnload, Narrow8BitSeveralLayersFollowEachOther) {
  Network net;
  net.device = &max78000();
  net.layers.push_back(output_layer(0, 3, 2, 2, 0x7, 0x0, 8));
  net.layers.push_back(output_layer(1, 10, 1, 1, 0x3ff, 0x1000, 8));
  net.layers[0].output = true;
  net.layers[1].output = true;
  net.final_layer = 1;
  const Tensor a = patterned(3, 2, 2);
  Tensor b(10, 1, 1);
  for (int c = 0; c < 10; ++c) b.at(c, 0, 0) = c - 5;
  std::vector<std::optional<Tensor>> outs{a, b};
  const auto out = unload_outputs(net, memory_image(place_outputs(net, outs)));
  std::vector<int64_t> want = a.v;
  want.insert(want.end(), b.v.begin(), b.v.end());
  EXPECT_EQ(out, want);
}

TEST(KatUnload, MixedWidthsAreRejected) {
  Network net;
  net.device = &max78000();
  net.layers.push_back(output_layer(0, 4, 1, 1, 0xf, 0x0, 8));
  net.layers.push_back(output_layer(1, 4, 1, 1, 0xf, 0x100, 32));
  net.layers[0].output = net.layers[1].output = true;
  net.final_layer = 1;
  EXPECT_THROW(unload_outputs(net, SparseMemory{}), Error);
}

// ---------------------------------------------------------------- files

TEST(KatFiles, SampleOutputTextMatchesTheIzer) {
  const std::vector<KatBlock> blocks{{0x50401000, 0xffffffff, {0xfffecf58, 0x00016cc1, 0x0000b1ac, 0x0000749a}},
                                     {0x50409000, 0xffffffff, {0xffff7268, 0xfffe0062, 0xfffbd7f1, 0x00065b68}},
                                     {0x50411000, 0xffffffff, {0xfffdbad1, 0x000061f1}}};
  const std::string want =
      "// This file was @generated automatically\n"
      "\n"
      "#define SAMPLE_OUTPUT { \\\n"
      "  0x50401000, 0xffffffff, 0x00000004, 0xfffecf58, 0x00016cc1, 0x0000b1ac, 0x0000749a, "
      "0x50409000, \\\n"
      "  0xffffffff, 0x00000004, 0xffff7268, 0xfffe0062, 0xfffbd7f1, 0x00065b68, 0x50411000, "
      "0xffffffff, \\\n"
      "  0x00000002, 0xfffdbad1, 0x000061f1, 0x00000000 \\\n"
      "}\n";
  EXPECT_EQ(format_sampleoutput_h(blocks), want);
  EXPECT_EQ(parse_sampleoutput_h(want, "x.h"), blocks);
}

TEST(KatFiles, SampleOutputRoundTripThroughAFile) {
  const LayerSpec conv = output_layer(5, 100, 3, 3, ~uint64_t{0}, 0x4000, 8);
  const Network net = single_output(max78002(), conv);
  const auto blocks = kat_blocks(place_outputs(net, outputs_at(5, patterned(100, 3, 3))));
  const std::string path = temp_path("sampleoutput.h");
  write_sampleoutput_h(path, blocks);
  EXPECT_EQ(read_sampleoutput_h(path), blocks);
  fs::remove(path);
  EXPECT_EQ(parse_sampleoutput_h(format_sampleoutput_h({}), "empty.h"), std::vector<KatBlock>{});
}

std::string error_key(const std::string& text) {
  try {
    parse_sampleoutput_h(text, "bad.h");
  } catch (const Error& e) {
    EXPECT_EQ(e.context().file, "bad.h");
    return e.context().key;
  }
  return "no error";
}

TEST(KatFiles, MalformedSampleOutputNamesTheLine) {
  const std::string head = "// x\n\n#define SAMPLE_OUTPUT { \\\n";
  EXPECT_EQ(error_key("int x;\n"), "SAMPLE_OUTPUT");
  // The head is three lines; the list starts on line 4.
  EXPECT_EQ(error_key(head + "  0x50400000, 0xffffffff, 0x00000001, 0x1 \\\n}\n"), "line 4");
  EXPECT_EQ(error_key(head + "  0x50400000, 0xffffffff, \\\n  0x00000005, 0x1, 0 \\\n}\n"), "line 5");
  EXPECT_EQ(error_key(head + "  0x50400000, 0xffffffff, 0x1, 0x1, 0 \\\n  0x5 \\\n}\n"), "line 5");
  EXPECT_EQ(error_key(head + "  0x5040000g, 0 \\\n}\n"), "line 4");
  EXPECT_EQ(error_key(head + "  0x150400000, 0 \\\n}\n"), "line 4");
  EXPECT_EQ(error_key(head + "  0x1, 0x2, 0x0, 0 \\\n"), "line 5");
  EXPECT_EQ(error_key(head + "  0x1,, 0 \\\n}\n"), "line 4");
}

TEST(KatFiles, MalformedExpectedJsonNamesTheKey) {
  auto key = [](const std::string& text) -> std::string {
    try {
      parse_expected_json(text, "e.json");
    } catch (const Error& e) {
      EXPECT_EQ(e.context().file, "e.json");
      return e.context().key;
    }
    return "no error";
  };
  EXPECT_EQ(key(R"({"checks": [{"addr": 1, "mask": 2, "words": [3]}]})"), "no error");
  EXPECT_EQ(key(R"({"checks": [{"addr": 1, "mask": 2}]})"), "checks[0].words");
  EXPECT_EQ(key(R"({"checks": [{"addr": 1, "mask": -2, "words": []}]})"), "checks[0].mask");
  EXPECT_EQ(key(R"({"checks": [{"addr": 1, "mask": 2, "words": [1, 4294967296]}]})"), "checks[0].words[1]");
  EXPECT_EQ(key(R"({"checks": {}})"), "checks");
  EXPECT_EQ(key(R"({"checks": [)").rfind("byte ", 0), 0U);
  EXPECT_THROW(read_expected_json("/nonexistent/expected.json"), Error);
}

TEST(KatFiles, EveryCorpusExpectedJsonParses) {
  size_t cases = 0;
  for (const auto& entry : fs::directory_iterator(kConformance)) {
    const fs::path file = entry.path() / "expected.json";
    if (!fs::exists(file)) continue;
    ++cases;
    std::vector<KatBlock> blocks;
    ASSERT_NO_THROW(blocks = read_expected_json(file.string())) << file;
    EXPECT_GT(kat_word_count(blocks), 0U) << file;
    // The block form is canonical: re-emitting and re-reading it is lossless.
    EXPECT_EQ(parse_sampleoutput_h(format_sampleoutput_h(blocks), "rt.h"), blocks) << file;
  }
  EXPECT_GE(cases, 500U);
}

// ---------------------------------------------------------------- corpus placement

struct CaseTable {
  nlohmann::json table;
  std::vector<std::pair<int, int>> dims;  // "Output dimensions", re-split where tuples broke it
};

// The table prints unexecuted layers' dimensions as "(0, 0)", which the
// corpus split at the comma; rejoining and scanning recovers one pair per layer.
std::vector<std::pair<int, int>> output_dims(const nlohmann::json& column) {
  std::string joined;
  for (const auto& item : column) joined += item.get<std::string>() + ", ";
  std::vector<std::pair<int, int>> dims;
  for (size_t at = joined.find_first_of("[("); at != std::string::npos; at = joined.find_first_of("[(", at + 1)) {
    int rows = 0, cols = 0;
    const char* p = joined.c_str() + at + 1;
    const char* end = joined.c_str() + joined.size();
    auto r = std::from_chars(p, end, rows);
    if (r.ec != std::errc() || end - r.ptr < 2 || r.ptr[0] != ',' || r.ptr[1] != ' ') continue;
    auto c = std::from_chars(r.ptr + 2, end, cols);
    if (c.ec != std::errc() || c.ptr == end || (*c.ptr != ']' && *c.ptr != ')')) continue;
    dims.emplace_back(rows, cols);
  }
  return dims;
}

std::optional<int> last_arg(const nlohmann::json& args, const std::string& flag) {
  std::optional<int> value;
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) value = std::stoi(args[i + 1].get<std::string>());
  }
  return value;
}

// Returns an empty string when the placement of the case's checked layers
// reproduces expected.json's blocks (addresses, masks, lengths); else why not.
std::string check_corpus_case(const fs::path& dir) {
  std::ifstream case_file(dir / "case.json");
  const nlohmann::json info = nlohmann::json::parse(case_file);
  const nlohmann::json& table = info["layer_table"];
  const nlohmann::json& args = info["izer_args"];
  const YAML::Node yaml = YAML::LoadFile((dir / "network.yaml").string());
  const YAML::Node yaml_layers = yaml["layers"];
  const size_t n = table["Operator"].size();
  const auto dims = output_dims(table["Output dimensions"]);
  if (dims.size() != n) return "cannot read Output dimensions";

  // The terminating layer: --stop-after (last one wins), a simulated stop, or the last layer.
  int final_layer = static_cast<int>(n) - 1;
  if (auto stop = last_arg(args, "--stop-after")) {
    final_layer = *stop;
  } else {
    for (size_t i = 0; i < yaml_layers.size(); ++i) {
      if (yaml_layers[i]["simulated_sequence"] && yaml_layers[i]["simulated_sequence"].as<std::string>() == "stop") {
        final_layer = static_cast<int>(i);
        break;
      }
    }
  }
  if (final_layer >= static_cast<int>(n)) return "final layer beyond the table";

  Network net;
  net.device = find_device(info["device"].get<std::string>());
  net.final_layer = final_layer;
  net.layers.resize(n);
  std::map<int, Tensor> outputs;
  for (size_t i = 0; i < n; ++i) {
    LayerSpec& l = net.layers[i];
    l.index = static_cast<int>(i);
    const YAML::Node y = i < yaml_layers.size() ? yaml_layers[i] : YAML::Node();
    l.output = y["output"] && y["output"].as<bool>();
    if (l.output || l.index == final_layer) {
      l.out_channels = std::stoi(table["Output channels"][i].get<std::string>());
      l.out_dim = {dims[i].first, dims[i].second};
      l.output_processors = std::stoull(table["Output processors"][i].get<std::string>(), nullptr, 16);
      l.out_offset = static_cast<uint32_t>(std::stoul(table["Output offset"][i].get<std::string>(), nullptr, 16));
      l.output_width = std::stoi(table["Output data bits"][i].get<std::string>());
      l.out_passes = std::stoi(table["Output expansion"][i].get<std::string>());
      l.out_per_pass = std::stoi(table["Expansion threshold (out)"][i].get<std::string>());
      l.write_gap = y["write_gap"] ? y["write_gap"].as<int>() : 0;
      outputs.emplace(l.index, Tensor(l.out_channels, l.out_dim[0], l.out_dim[1]));
    }
  }
  std::optional<size_t> max_verify;
  if (auto m = last_arg(args, "--max-checklines")) max_verify = static_cast<size_t>(*m);

  const auto words = place_outputs(net, [&outputs](int l) -> const Tensor* {
    auto it = outputs.find(l);
    return it == outputs.end() ? nullptr : &it->second;
  });
  const auto mine = kat_blocks(words, max_verify);
  const auto want = read_expected_json((dir / "expected.json").string());
  if (mine.size() != want.size()) {
    return "block count " + std::to_string(mine.size()) + " vs " + std::to_string(want.size());
  }
  for (size_t i = 0; i < mine.size(); ++i) {
    if (mine[i].addr != want[i].addr || mine[i].mask != want[i].mask || mine[i].words.size() != want[i].words.size()) {
      std::ostringstream s;
      s << "block " << i << ": 0x" << std::hex << mine[i].addr << "/0x" << mine[i].mask << "/" << std::dec
        << mine[i].words.size() << " vs 0x" << std::hex << want[i].addr << "/0x" << want[i].mask << "/" << std::dec
        << want[i].words.size();
      return s.str();
    }
  }
  return {};
}

TEST(KatCorpus, PlacementReproducesEveryExpectedAddressAndMask) {
  size_t cases = 0;
  std::vector<std::string> failures;
  for (const auto& entry : fs::directory_iterator(kConformance)) {
    if (!fs::exists(entry.path() / "case.json")) continue;
    ++cases;
    std::string why;
    try {
      why = check_corpus_case(entry.path());
    } catch (const std::exception& e) {
      why = std::string("exception: ") + e.what();
    }
    if (!why.empty()) failures.push_back(entry.path().filename().string() + ": " + why);
  }
  EXPECT_GE(cases, 500U);
  std::string all;
  for (const auto& f : failures) all += f + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " cases differ:\n" << all;
}

// ---------------------------------------------------------------- HDF5

std::string read_string_attribute(hid_t object, const char* name) {
  const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(attr);
  std::string value(H5Tget_size(type), '\0');
  H5Aread(attr, type, value.data());
  H5Tclose(type);
  H5Aclose(attr);
  value.erase(std::find(value.begin(), value.end(), '\0'), value.end());
  return value;
}

int read_int_attribute(hid_t object, const char* name) {
  const hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  int value = 0;
  H5Aread(attr, H5T_NATIVE_INT, &value);
  H5Aclose(attr);
  return value;
}

TEST(KatHdf5, DumpIsReadableWithTheHdf5Api) {
  Network net;
  net.device = &max78000();
  net.config_file = "net.yaml";
  net.layers.resize(3);
  net.layers[2].index = 2;
  net.layers[2].name = "fc";
  net.layers[2].op = Op::Linear;
  net.layers[2].output_shift = -3;
  net.layers[2].quantization = 4;
  net.layers[2].output_width = 32;
  net.layers[2].activation = Activation::ReLU;
  DumpLayer d;
  d.layer = 2;
  d.input = patterned(3, 4, 5);
  d.pooled = patterned(3, 2, 2);
  d.output = Tensor(10, 1, 1);
  d.output.at(7, 0, 0) = -123456789012;
  const std::string path = temp_path("dump.h5");
  write_hdf5_dump(path, net, {d});

  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_EQ(read_string_attribute(file, "device"), "MAX78000");
  const hid_t group = H5Gopen2(file, "/layer_02", H5P_DEFAULT);
  ASSERT_GE(group, 0);
  EXPECT_EQ(read_string_attribute(group, "name"), "fc");
  EXPECT_EQ(read_string_attribute(group, "operator"), "linear");
  EXPECT_EQ(read_string_attribute(group, "activation"), "ReLU");
  EXPECT_EQ(read_int_attribute(group, "output_shift"), -3);
  EXPECT_EQ(read_int_attribute(group, "quantization"), 4);
  EXPECT_EQ(read_int_attribute(group, "output_width"), 32);

  const hid_t input = H5Dopen2(group, "input", H5P_DEFAULT);
  const hid_t space = H5Dget_space(input);
  std::array<hsize_t, 3> dims{};
  ASSERT_EQ(H5Sget_simple_extent_ndims(space), 3);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  EXPECT_EQ(dims, (std::array<hsize_t, 3>{3, 4, 5}));
  std::vector<int64_t> in(60);
  H5Dread(input, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, in.data());
  EXPECT_EQ(in, d.input.v);
  H5Sclose(space);
  H5Dclose(input);

  const hid_t output = H5Dopen2(group, "output", H5P_DEFAULT);
  std::vector<int64_t> out(10);
  H5Dread(output, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data());
  EXPECT_EQ(out[7], -123456789012);
  H5Dclose(output);
  H5Gclose(group);
  H5Fclose(file);
  fs::remove(path);

  d.layer = 7;  // not in the network
  EXPECT_THROW(write_hdf5_dump(path, net, {d}), Error);
  EXPECT_THROW(write_hdf5_dump("/nonexistent/dir/x.h5", net, {}), Error);
}

}  // namespace
}  // namespace ai8x
