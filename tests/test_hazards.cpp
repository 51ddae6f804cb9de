// Memory hazard checker (sim/check/hazards.hpp): access logs built by hand,
// one per hazard on purpose plus clean memory plans that must stay silent.
// Addresses are worked out from hw-facts §2: MAX78000 data memory k of
// quadrant q at 0x50400000 + q·0x400000 + k·0x8000 (32 KiB each); MAX78002 at
// 0x51800000 + q·0x1000000 + k·0x20000 (80 KiB valid).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "check/hazards.hpp"
#include "device.hpp"
#include "hw/access_log.hpp"
#include "spec/network.hpp"

namespace ai8x {
namespace {

using hw::AccessLog;
using hw::DataAccess;

// A 4-pixel-wide tensor: word k of a region is pixel k (row k/4, col k%4).
struct Region {
  int memory = 0;
  uint32_t offset = 0;  // byte offset of pixel 0
  int words = 4;
  uint8_t lanes = 0xF;
  int channel = 0;
};

void writes(AccessLog& log, int layer, const Region& r) {
  for (int k = 0; k < r.words; ++k) {
    log.push_back({.layer = layer,
                   .is_write = true,
                   .memory = r.memory,
                   .byte_offset = r.offset + 4 * static_cast<uint32_t>(k),
                   .lanes = r.lanes,
                   .channel = r.channel,
                   .row = k / 4,
                   .col = k % 4});
  }
}

void reads(AccessLog& log, int layer, const Region& r, int operand = 0) {
  for (int k = 0; k < r.words; ++k) {
    log.push_back({.layer = layer,
                   .is_write = false,
                   .memory = r.memory,
                   .byte_offset = r.offset + 4 * static_cast<uint32_t>(k),
                   .lanes = r.lanes,
                   .channel = r.channel,
                   .row = k / 4,
                   .col = k % 4,
                   .operand = operand});
  }
}

HazardOptions with_producers(std::vector<std::vector<std::vector<int>>> producers) {
  HazardOptions o;
  o.producers = std::move(producers);
  return o;
}

// ---------------------------------------------------------------------------
// Clean memory plans

TEST(Hazards, PingPongBetweenTwoOffsetsIsClean) {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 16, .lanes = 0x7});
  reads(log, 0, {.offset = 0, .words = 16, .lanes = 0x7});
  writes(log, 0, {.offset = 0x4000, .words = 16});
  reads(log, 1, {.offset = 0x4000, .words = 16});
  writes(log, 1, {.offset = 0, .words = 16});
  reads(log, 2, {.offset = 0, .words = 16});
  writes(log, 2, {.offset = 0x4000, .words = 16});
  EXPECT_TRUE(find_hazards(log, max78000()).empty());
  EXPECT_TRUE(find_hazards(log, max78000(), with_producers({{{-1}}, {{0}}, {{1}}})).empty());
}

TEST(Hazards, ResidualKeptInSeparateRegionIsClean) {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 16});
  reads(log, 0, {.offset = 0, .words = 16});
  writes(log, 0, {.offset = 0x2000, .words = 16});  // A: the skip connection
  reads(log, 1, {.offset = 0x2000, .words = 16});
  writes(log, 1, {.offset = 0x4000, .words = 16});
  reads(log, 2, {.offset = 0x4000, .words = 16});
  writes(log, 2, {.offset = 0, .words = 16});  // over the consumed input: fine
  reads(log, 3, {.offset = 0x2000, .words = 16}, 0);
  reads(log, 3, {.offset = 0, .words = 16}, 1);
  writes(log, 3, {.offset = 0x4000, .words = 16});
  EXPECT_TRUE(find_hazards(log, max78000()).empty());
  EXPECT_TRUE(find_hazards(log, max78000(), with_producers({{{-1}}, {{0}}, {{1}}, {{0}, {2}}})).empty());
}

TEST(Hazards, MultiPassWordsAndLaneSharingLayersAreClean) {
  // 8 pixels × 2 passes of 3 channels (words pass-major inside the pixel);
  // then two layers fill lanes 0-1 and 2-3 of the same words (a concatenation).
  AccessLog log;
  for (int pass = 0; pass < 2; ++pass) {
    for (int n = 0; n < 8; ++n) {
      const auto off = static_cast<uint32_t>(4 * (2 * n + pass));
      log.push_back({.layer = kHostLayer,
                     .is_write = true,
                     .memory = 0,
                     .byte_offset = off,
                     .lanes = 0x7,
                     .channel = 3 * pass,
                     .row = n / 4,
                     .col = n % 4});
    }
  }
  for (int layer : {0, 1}) {
    for (int n = 0; n < 8; ++n) {
      for (int pass = 0; pass < 2; ++pass) {
        const auto off = static_cast<uint32_t>(4 * (2 * n + pass));
        log.push_back({.layer = layer,
                       .is_write = false,
                       .memory = 0,
                       .byte_offset = off,
                       .lanes = 0x7,
                       .channel = 3 * pass,
                       .row = n / 4,
                       .col = n % 4});
      }
    }
    for (int n = 0; n < 8; ++n) {
      for (int pass = 0; pass < 2; ++pass) {
        const auto off = static_cast<uint32_t>(0x4000 + 4 * (2 * n + pass));
        log.push_back({.layer = layer,
                       .is_write = true,
                       .memory = 0,
                       .byte_offset = off,
                       .lanes = static_cast<uint8_t>(layer == 0 ? 0x3 : 0xC),
                       .channel = 4 * pass,
                       .row = n / 4,
                       .col = n % 4});
      }
    }
  }
  reads(log, 2, {.offset = 0x4000, .words = 16});
  EXPECT_TRUE(find_hazards(log, max78000()).empty());
  EXPECT_TRUE(find_hazards(log, max78000(), with_producers({{{-1}}, {{-1}}, {{0, 1}}})).empty());
}

// ---------------------------------------------------------------------------
// Overwrite before use

// Host input at 0; layer 0 keeps A at 0x2000 for layer 3; layer 2's output at
// 0x2020 overwrites A's pixels 8..15 before layer 3 reads them.
AccessLog clobbered_residual() {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 16});
  reads(log, 0, {.offset = 0, .words = 16});
  writes(log, 0, {.offset = 0x2000, .words = 16});
  reads(log, 1, {.offset = 0x2000, .words = 16});
  writes(log, 1, {.offset = 0x4000, .words = 16});
  reads(log, 2, {.offset = 0x4000, .words = 16});
  writes(log, 2, {.offset = 0x2020, .words = 8});
  reads(log, 3, {.offset = 0x2000, .words = 16}, 0);
  reads(log, 3, {.offset = 0x4000, .words = 16}, 1);
  writes(log, 3, {.offset = 0x6000, .words = 16});
  return log;
}

void expect_clobbered_residual(const std::vector<Hazard>& hazards) {
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::OverwriteBeforeUse);
  EXPECT_FALSE(is_warning(h.kind));
  EXPECT_EQ(h.memory, 0);
  EXPECT_EQ(h.byte_offset, 0x2020U);
  EXPECT_EQ(h.address, 0x50402020U);
  EXPECT_EQ(h.first_address, 0x50402020U);
  EXPECT_EQ(h.last_address, 0x5040203CU);
  EXPECT_EQ(h.lanes, 0xF);
  EXPECT_EQ(h.count, 32U);  // 8 words × 4 lanes
  ASSERT_TRUE(h.writer && h.producer && h.reader);
  EXPECT_EQ(h.writer->layer, 2);  // L: its first output pixel landed on A's pixel 8
  EXPECT_EQ(h.writer->row, 0);
  EXPECT_EQ(h.writer->col, 0);
  EXPECT_EQ(h.producer->layer, 0);  // K
  EXPECT_EQ(h.producer->row, 2);
  EXPECT_EQ(h.producer->col, 0);
  EXPECT_EQ(h.reader->layer, 3);  // M
  EXPECT_EQ(h.reader->operand, 0);
  EXPECT_EQ(h.reader->row, 2);
  EXPECT_EQ(h.reader->col, 0);
}

TEST(Hazards, PartialOverwriteOfSkipConnectionIsFoundFromTheLogAlone) {
  expect_clobbered_residual(find_hazards(clobbered_residual(), max78000()));
}

TEST(Hazards, PartialOverwriteOfSkipConnectionIsFoundWithProducers) {
  expect_clobbered_residual(
      find_hazards(clobbered_residual(), max78000(), with_producers({{{-1}}, {{0}}, {{1}}, {{0}, {1}}})));
}

TEST(Hazards, FormatNamesLayersMemoryAddressLanesAndCoordinates) {
  const auto hazards = find_hazards(clobbered_residual(), max78000());
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(format_hazard(hazards[0], max78000()),
            "hazard: layer 2 overwrites memory 0 (q0 instance 0) address 0x50402020 lanes 0-3 (layer 2 output "
            "channel 0, row 0, col 0) before layer 3 reads it (layer 3 input operand 0, channel 0, row 2, col 0; "
            "written by layer 0 output channel 0, row 2, col 0) [32 bytes, 0x50402020-0x5040203c]");
}

// Layer 1 writes its whole output over the input that layer 2 (an
// element-wise layer with in_sequences [-1, 0]) still reads as operand 0.
AccessLog clobbered_input() {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 4});
  reads(log, 0, {.offset = 0, .words = 4});
  writes(log, 0, {.offset = 0x4000, .words = 4});
  reads(log, 1, {.offset = 0x4000, .words = 4});
  writes(log, 1, {.offset = 0, .words = 4});
  reads(log, 2, {.offset = 0, .words = 4}, 0);
  reads(log, 2, {.offset = 0x4000, .words = 4}, 1);
  return log;
}

TEST(Hazards, CompleteOverwriteOfHostInputIsFoundWithProducers) {
  const auto hazards = find_hazards(clobbered_input(), max78000(), with_producers({{{-1}}, {{0}}, {{-1}, {0}}}));
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::OverwriteBeforeUse);
  EXPECT_EQ(h.address, 0x50400000U);
  EXPECT_EQ(h.last_address, 0x5040000CU);
  EXPECT_EQ(h.count, 16U);
  ASSERT_TRUE(h.writer && h.producer && h.reader);
  EXPECT_EQ(h.writer->layer, 1);
  EXPECT_EQ(h.producer->layer, kHostLayer);
  EXPECT_EQ(h.reader->layer, 2);
  EXPECT_EQ(h.reader->operand, 0);
  EXPECT_EQ(format_hazard(h, max78000()),
            "hazard: layer 1 overwrites memory 0 (q0 instance 0) address 0x50400000 lanes 0-3 (layer 1 output "
            "channel 0, row 0, col 0) before layer 2 reads it (layer 2 input operand 0, channel 0, row 0, col 0; "
            "written by the host input channel 0, row 0, col 0) [16 bytes, 0x50400000-0x5040000c]");
}

TEST(Hazards, CompleteOverwriteIsInvisibleWithoutProducers) {
  // Documented limit: every byte layer 2 reads there comes from layer 1, so
  // nothing in the log says layer 2 wanted the host's data.
  EXPECT_TRUE(find_hazards(clobbered_input(), max78000()).empty());
}

TEST(Hazards, RewritesBySameLayerKeepTheOverwrittenProducer) {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 2});
  reads(log, 0, {.offset = 0, .words = 2});
  writes(log, 0, {.offset = 0x2000, .words = 2});
  reads(log, 1, {.offset = 0x2000, .words = 2});
  writes(log, 1, {.offset = 0x4000, .words = 2});
  writes(log, 2, {.offset = 0x2000, .words = 1, .lanes = 0x3});
  writes(log, 2, {.offset = 0x2000, .words = 1});  // the same word again, all lanes
  reads(log, 3, {.offset = 0x2000, .words = 2});
  const auto hazards = find_hazards(log, max78000(), with_producers({{{-1}}, {{0}}, {{1}}, {{0}}}));
  ASSERT_EQ(hazards.size(), 1U);
  ASSERT_TRUE(hazards[0].producer);
  EXPECT_EQ(hazards[0].writer->layer, 2);
  EXPECT_EQ(hazards[0].producer->layer, 0);
  EXPECT_EQ(hazards[0].lanes, 0xF);
  EXPECT_EQ(hazards[0].count, 4U);
}

TEST(Hazards, EarlierAndLaterFollowTheLogNotLayerNumbers) {
  // MAX78002 next_sequence: layer 5 runs first, then 2, then 7.
  AccessLog log;
  writes(log, kHostLayer, {.memory = 6, .offset = 0, .words = 4});
  reads(log, 5, {.memory = 6, .offset = 0, .words = 4});
  writes(log, 5, {.memory = 6, .offset = 0xA000, .words = 4});
  reads(log, 2, {.memory = 6, .offset = 0, .words = 4});
  writes(log, 2, {.memory = 6, .offset = 0xA008, .words = 1});
  reads(log, 7, {.memory = 6, .offset = 0xA000, .words = 4});
  const auto hazards = find_hazards(log, max78002());
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::OverwriteBeforeUse);
  EXPECT_EQ(h.writer->layer, 2);
  EXPECT_EQ(h.producer->layer, 5);
  EXPECT_EQ(h.reader->layer, 7);
  EXPECT_EQ(h.reader->col, 2);
  // memory 6 = quadrant 1, instance 2
  EXPECT_EQ(h.address, 0x51800000U + 0x1000000U + 2 * 0x20000U + 0xA008U);
}

TEST(Hazards, RepeatedHazardsAreGroupedPerLayersAndMemory) {
  AccessLog log;
  for (int memory : {0, 1}) writes(log, 0, {.memory = memory, .offset = 0, .words = 1000});
  for (int memory : {0, 1}) writes(log, 1, {.memory = memory, .offset = 0, .words = 1000});
  for (int memory : {0, 1}) reads(log, 2, {.memory = memory, .offset = 0, .words = 1000});
  const auto hazards = find_hazards(log, max78000(), with_producers({{{-1}}, {{0}}, {{0}}}));
  ASSERT_EQ(hazards.size(), 2U);
  EXPECT_EQ(hazards[0].memory, 0);
  EXPECT_EQ(hazards[0].count, 4000U);
  EXPECT_EQ(hazards[0].first_address, 0x50400000U);
  EXPECT_EQ(hazards[0].last_address, 0x50400000U + 999 * 4);
  EXPECT_EQ(hazards[1].memory, 1);
  EXPECT_EQ(hazards[1].count, 4000U);
  EXPECT_EQ(hazards[1].first_address, 0x50408000U);
  EXPECT_EQ(hazards[1].last_address, 0x50408000U + 999 * 4);
  EXPECT_LT(hazards[0].first_event, hazards[1].first_event);
}

// ---------------------------------------------------------------------------
// Reads of never-written data

TEST(Hazards, ReadOfBytesNothingWroteIsReportedPerLane) {
  AccessLog log;
  writes(log, kHostLayer, {.memory = 5, .offset = 0x10, .words = 2});
  writes(log, kHostLayer, {.memory = 5, .offset = 0x1C, .words = 1, .lanes = 0x1});
  reads(log, 0, {.memory = 5, .offset = 0x10, .words = 4, .lanes = 0x3, .channel = 4});
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::ReadNeverWritten);
  EXPECT_EQ(h.memory, 5);
  EXPECT_EQ(h.byte_offset, 0x18U);
  EXPECT_EQ(h.address, 0x50808018U);  // quadrant 1, instance 1
  EXPECT_EQ(h.last_address, 0x5080801CU);
  EXPECT_EQ(h.lanes, 0x3);
  EXPECT_EQ(h.count, 3U);  // word 0x18: lanes 0-1; word 0x1C: lane 1 only
  ASSERT_TRUE(h.reader);
  EXPECT_EQ(h.reader->layer, 0);
  EXPECT_EQ(h.reader->col, 2);
  EXPECT_EQ(format_hazard(h, max78000()),
            "hazard: layer 0 reads memory 5 (q1 instance 1) address 0x50808018 lanes 0-1 that nothing wrote "
            "(layer 0 input operand 0, channel 4, row 0, col 2) [3 bytes, 0x50808018-0x5080801c]");
}

TEST(Hazards, FifoFedInputWithoutMemoryReadsIsClean) {
  AccessLog log;  // layer 0 reads the FIFO: no reads or host writes in the log
  writes(log, 0, {.offset = 0x4000, .words = 4});
  reads(log, 1, {.offset = 0x4000, .words = 4});
  EXPECT_TRUE(find_hazards(log, max78000()).empty());
}

// ---------------------------------------------------------------------------
// Accesses beyond an instance

TEST(Hazards, WriteBeyondMax78000InstanceIsReportedWithItsAddress) {
  AccessLog log;
  writes(log, 2, {.memory = 3, .offset = 0x7FF8, .words = 4});  // words 0x7ff8, 0x7ffc fit; 0x8000, 0x8004 do not
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::WriteBeyondInstance);
  EXPECT_EQ(h.memory, 3);
  EXPECT_EQ(h.byte_offset, 0x8000U);
  EXPECT_EQ(h.address, 0x50420000U);
  EXPECT_EQ(h.last_address, 0x50420004U);
  EXPECT_EQ(h.count, 8U);
  ASSERT_TRUE(h.writer);
  EXPECT_EQ(h.writer->layer, 2);
  EXPECT_EQ(h.writer->col, 2);
  EXPECT_EQ(format_hazard(h, max78000()),
            "hazard: layer 2 writes memory 3 (q0 instance 3) address 0x50420000 lanes 0-3, byte offset 0x8000 is "
            "beyond the instance's 0x8000 bytes (layer 2 output channel 0, row 0, col 2) "
            "[8 bytes, 0x50420000-0x50420004]");
}

TEST(Hazards, WriteBeyondMax78002InstanceUsesItsLargerSize) {
  AccessLog log;
  writes(log, 0, {.offset = 0x13FFC, .words = 2});
  writes(log, 1, {.memory = 16, .offset = 0, .words = 1});  // there are only 16 instances
  const auto hazards = find_hazards(log, max78002());
  ASSERT_EQ(hazards.size(), 2U);
  EXPECT_EQ(hazards[0].kind, HazardKind::WriteBeyondInstance);
  EXPECT_EQ(hazards[0].address, 0x51814000U);
  EXPECT_EQ(hazards[0].count, 4U);
  EXPECT_EQ(hazards[1].kind, HazardKind::WriteBeyondInstance);
  EXPECT_EQ(hazards[1].memory, 16);
  EXPECT_NE(format_hazard(hazards[1], max78002()).find("memory 16 (no such instance)"), std::string::npos);
}

TEST(Hazards, ReadBeyondInstanceIsReported) {
  AccessLog log;
  reads(log, 4, {.memory = 0, .offset = 0x8000, .words = 1});
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(hazards[0].kind, HazardKind::ReadBeyondInstance);
  EXPECT_EQ(hazards[0].address, 0x50408000U);
  ASSERT_TRUE(hazards[0].reader);
  EXPECT_EQ(hazards[0].reader->layer, 4);
}

TEST(Hazards, WriteBeyondInstanceDoesNotCountAsWritten) {
  AccessLog log;
  writes(log, 0, {.memory = 16, .offset = 0, .words = 1});
  reads(log, 1, {.memory = 0, .offset = 0, .words = 1});
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 2U);
  EXPECT_EQ(hazards[0].kind, HazardKind::WriteBeyondInstance);
  EXPECT_EQ(hazards[1].kind, HazardKind::ReadNeverWritten);
}

// ---------------------------------------------------------------------------
// In place

TEST(Hazards, OutputOverOwnInputIsAnInPlaceWarning) {
  // in_offset == out_offset: the model logs the layer's reads, then its writes.
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0x100, .words = 8});
  reads(log, 0, {.offset = 0x100, .words = 8});
  writes(log, 0, {.offset = 0x110, .words = 8, .lanes = 0x3});  // pixels 4..7 land on input pixels 4..7
  reads(log, 1, {.offset = 0x110, .words = 8, .lanes = 0x3});
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  const Hazard& h = hazards[0];
  EXPECT_EQ(h.kind, HazardKind::InPlace);
  EXPECT_TRUE(is_warning(h.kind));
  EXPECT_EQ(h.address, 0x50400110U);
  EXPECT_EQ(h.last_address, 0x5040011CU);
  EXPECT_EQ(h.lanes, 0x3);
  EXPECT_EQ(h.count, 8U);
  ASSERT_TRUE(h.writer && h.reader);
  EXPECT_EQ(h.writer->layer, 0);
  EXPECT_EQ(h.writer->col, 0);  // output pixel 0
  EXPECT_EQ(h.reader->layer, 0);
  EXPECT_EQ(h.reader->row, 1);  // input pixel 4
  EXPECT_EQ(h.reader->col, 0);
  EXPECT_EQ(format_hazard(h, max78000()).rfind("warning: layer 0 writes its output over its own input", 0), 0U);

  HazardOptions quiet;
  quiet.in_place = false;
  EXPECT_TRUE(find_hazards(log, max78000(), quiet).empty());
}

TEST(Hazards, ReadingOwnOutputInsteadOfInputIsInPlace) {
  // A finer-grained log: the layer's write lands before its read of the same byte.
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 1});
  writes(log, 0, {.offset = 0, .words = 1});
  reads(log, 0, {.offset = 0, .words = 1});
  const auto hazards = find_hazards(log, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(hazards[0].kind, HazardKind::InPlace);
  EXPECT_EQ(hazards[0].writer->layer, 0);
  EXPECT_EQ(hazards[0].reader->layer, 0);
}

// ---------------------------------------------------------------------------
// Unexpected producer

TEST(Hazards, ReadingDataOfALayerThatIsNotAnInputIsAWarning) {
  AccessLog log;
  writes(log, kHostLayer, {.offset = 0, .words = 4});
  reads(log, 0, {.offset = 0, .words = 4});
  writes(log, 0, {.offset = 0x4000, .words = 4});
  reads(log, 1, {.offset = 0x4000, .words = 4});
  writes(log, 1, {.offset = 0, .words = 4});
  reads(log, 2, {.offset = 0x4000, .words = 4});  // in_offset should have been 0
  auto options = with_producers({{{-1}}, {{0}}, {{1}}});
  const auto hazards = find_hazards(log, max78000(), options);
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(hazards[0].kind, HazardKind::UnexpectedProducer);
  EXPECT_TRUE(is_warning(hazards[0].kind));
  EXPECT_EQ(hazards[0].writer->layer, 0);
  EXPECT_EQ(hazards[0].reader->layer, 2);
  EXPECT_EQ(hazards[0].address, 0x50404000U);
  options.unexpected_producer = false;
  EXPECT_TRUE(find_hazards(log, max78000(), options).empty());
}

// ---------------------------------------------------------------------------
// Producers from a network

TEST(Hazards, ProducersFollowInSequences) {
  Network net;
  net.layers.resize(4);
  net.layers[0].prev_sequence = -1;
  net.layers[1].prev_sequence = 0;
  net.layers[2].prev_sequence = 1;
  net.layers[2].in_sequences = {1, -1};  // concatenation
  net.layers[3].prev_sequence = 2;
  net.layers[3].eltwise = Eltwise::Add;
  net.layers[3].operands = 2;
  net.layers[3].in_sequences = {0, 2};
  const HazardOptions o = hazard_options(net);
  ASSERT_EQ(o.producers.size(), 4U);
  EXPECT_EQ(o.producers[0], (std::vector<std::vector<int>>{{kHostLayer}}));
  EXPECT_EQ(o.producers[1], (std::vector<std::vector<int>>{{0}}));
  EXPECT_EQ(o.producers[2], (std::vector<std::vector<int>>{{1, kHostLayer}}));
  EXPECT_EQ(o.producers[3], (std::vector<std::vector<int>>{{0}, {2}}));
}

TEST(Hazards, ProducersIncludeThePreviousLayerOfTheExecutedOrder) {
  // MAX78002 snoop branch: layer 3 runs right after layer 0.
  Network net;
  net.layers.resize(4);
  for (int i = 0; i < 4; ++i) net.layers[static_cast<size_t>(i)].prev_sequence = i - 1;
  net.order = {0, 3};
  const HazardOptions o = hazard_options(net);
  EXPECT_EQ(o.producers[3], (std::vector<std::vector<int>>{{2, 0}}));
  EXPECT_EQ(o.producers[1], (std::vector<std::vector<int>>{{0}}));  // not executed: prev_sequence only
  EXPECT_TRUE(o.streamed_layers.empty());
}

TEST(Hazards, StreamedLayersAreTheStreamingOnesAndTheirProducers) {
  Network net;
  net.layers.resize(4);
  for (int i = 0; i < 4; ++i) net.layers[static_cast<size_t>(i)].prev_sequence = i - 1;
  net.layers[0].streaming = true;  // FIFO-fed: its producer is the host
  net.layers[2].streaming = true;
  net.order = {0, 1, 2, 3};
  EXPECT_EQ(hazard_options(net).streamed_layers, (std::vector<int>{0, 1, 2}));
}

TEST(Hazards, StreamedLayersAreNotJudgedButTheirOutputCounts) {
  AccessLog log;
  writes(log, 0, {.offset = 0x7FF8, .words = 4});  // rollover buffer logged unwrapped
  reads(log, 1, {.offset = 0x0100, .words = 4});   // a rolled-over row the log cannot place
  reads(log, 1, {.offset = 0x7FF8, .words = 2});
  writes(log, 1, {.offset = 0x7FF8, .words = 2});  // would be in place
  writes(log, 1, {.offset = 0x4000, .words = 4});
  reads(log, 2, {.offset = 0x4000, .words = 4});  // normal layer reading the last streamed output
  reads(log, 2, {.offset = 0x5000, .words = 1});  // ... and something nothing wrote
  HazardOptions options;
  options.streamed_layers = {0, 1};
  const auto hazards = find_hazards(log, max78000(), options);
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(hazards[0].kind, HazardKind::ReadNeverWritten);
  EXPECT_EQ(hazards[0].address, 0x50405000U);
  EXPECT_EQ(hazards[0].reader->layer, 2);
  // Without the option the same log reports the streaming artefacts.
  EXPECT_GT(find_hazards(log, max78000()).size(), 1U);
}

// ---------------------------------------------------------------------------
// Kernel and bias memory capacity

TEST(Hazards, KernelMemoryOverflowPerProcessor) {
  std::vector<int> words(64, 0);
  words[1] = 768;  // MAX78000: 768 words per processor
  words[2] = 769;
  const auto h85 = capacity_hazards(words, {}, max78000());
  ASSERT_EQ(h85.size(), 1U);
  EXPECT_EQ(h85[0].kind, HazardKind::KernelOverflow);
  EXPECT_EQ(h85[0].processor, 2);
  EXPECT_EQ(h85[0].used, 769U);
  EXPECT_EQ(h85[0].available, 768U);
  // Quadrant 0 MRAM at 0x50100000 + 0x80000 + p·0x4000 + 16·w.
  EXPECT_EQ(format_hazard(h85[0], max78000()),
            "hazard: processor 2 (q0 processor 2) needs 769 kernel words, its kernel memory holds 768 "
            "(first missing word at 0x5018b000)");

  std::vector<int> w87(65, 0);
  w87[16] = 5120;  // processors 0/16/32/48 of MAX78002 hold 5120 words, the others 4096
  w87[17] = 4097;
  w87[32] = 5121;
  w87[64] = 1;  // no such processor
  const auto h87 = capacity_hazards(w87, {}, max78002());
  ASSERT_EQ(h87.size(), 3U);
  EXPECT_EQ(h87[0].processor, 17);
  EXPECT_EQ(h87[0].quadrant, 1);
  EXPECT_EQ(h87[0].available, 4096U);
  EXPECT_EQ(h87[1].processor, 32);
  EXPECT_EQ(h87[1].available, 5120U);
  EXPECT_EQ(h87[2].processor, 64);
  EXPECT_EQ(h87[2].available, 0U);
}

TEST(Hazards, BiasMemoryOverflowPerQuadrant) {
  const std::vector<int> entries{512, -3, 513, 0};
  const auto hazards = capacity_hazards({}, entries, max78000());
  ASSERT_EQ(hazards.size(), 1U);
  EXPECT_EQ(hazards[0].kind, HazardKind::BiasOverflow);
  EXPECT_EQ(hazards[0].quadrant, 2);
  EXPECT_EQ(hazards[0].used, 513U);
  EXPECT_EQ(hazards[0].available, 512U);
  // Quadrant 2 bias at 0x50900000 + 0x8000 + 4i.
  EXPECT_EQ(format_hazard(hazards[0], max78000()),
            "hazard: quadrant 2 needs 513 bias entries, its bias memory holds 512 (first missing entry at "
            "0x50908800)");
  EXPECT_TRUE(capacity_hazards({}, std::vector<int>{2048, 2048, 2048, 2048}, max78002()).empty());
}

// ---------------------------------------------------------------------------
// Size

TEST(Hazards, MillionsOfAccessesOfACleanPlanGiveNoHazard) {
  // 64-channel 64×64 ping-pong over 16 memories and 10 layers: ~1.3 M accesses.
  AccessLog log;
  const Region full{.offset = 0, .words = 4096};
  for (int memory = 0; memory < 16; ++memory) {
    Region r = full;
    r.memory = memory;
    writes(log, kHostLayer, r);
  }
  for (int layer = 0; layer < 10; ++layer) {
    for (int memory = 0; memory < 16; ++memory) {
      Region in = full, out = full;
      in.memory = out.memory = memory;
      in.offset = layer % 2 == 0 ? 0 : 0x4000;
      out.offset = layer % 2 == 0 ? 0x4000 : 0;
      reads(log, layer, in);
      writes(log, layer, out);
    }
  }
  ASSERT_GT(log.size(), 1'300'000U);
  EXPECT_TRUE(find_hazards(log, max78000()).empty());
}

}  // namespace
}  // namespace ai8x
