// The MAX78002 snoop units (hw/snoop.hpp) on the generator's snoop test
// program t87-snoop-skip: layer 0 is watched at A1 = quadrant 0, memory 0,
// word 0x1001 for D1 = 0x7f49baec (which that sample's layer 0 writes there),
// and its NXTLYR link points at layer 3. Edited copies of the trace change one
// snoop register at a time.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "device.hpp"
#include "hw/replay.hpp"
#include "io/trace.hpp"
#include "trace_edit.hpp"

namespace ai8x::hw {
namespace {

const std::filesystem::path kCase = std::filesystem::path(AI8X_SHARED_DIR) / "conformance" / "t87-snoop-skip";

// The trace with every write of `value` to the SNP1 register at `offset`
// (from the quadrant's control base) replaced by `replacement`.
io::Trace edited(uint32_t offset, uint32_t replacement) {
  io::Trace t = io::read_trace((kCase / "registers.txt").string());
  const Device& d = max78002();
  for (int q = 0; q < d.quadrants; ++q) {
    test::set_writes(t, d.ctl_base + static_cast<uint32_t>(q) * d.ctl_stride + offset, replacement);
  }
  return t;
}

std::vector<int> executed(const io::Trace& t) {
  const ReplayResult r = replay(max78002(), t, {});
  std::vector<int> layers;
  for (const auto& l : r.layers) layers.push_back(l.layer);
  return layers;
}

constexpr uint32_t kD1 = 0x108088;
constexpr uint32_t kC1 = 0x108098;

class Snoop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCase / "registers.txt")) GTEST_SKIP() << "no " << kCase;
  }
};

TEST_F(Snoop, HitTakesTheLink) {
  const ReplayResult r = replay(max78002(), io::read_trace((kCase / "registers.txt").string()), {});
  ASSERT_EQ(r.layers.size(), 2U);
  EXPECT_EQ(r.layers[0].layer, 0);
  EXPECT_EQ(r.layers[1].layer, 3);
  EXPECT_NE(r.layers[0].summary.find("snoop 1 (A1 0x00201001, D1 0x7f49baec, C1 0x82022005): hit"), std::string::npos)
      << r.layers[0].summary;
}

TEST_F(Snoop, MissContinuesInOrder) {
  EXPECT_EQ(executed(edited(kD1, 0x7f49baed)), (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(Snoop, HitWithTheStopActionEndsTheSequence) {
  EXPECT_EQ(executed(edited(kC1, 0x82022003)), (std::vector<int>{0}));
}

TEST_F(Snoop, DisabledUnitLeavesTheLinkAlone) {
  EXPECT_EQ(executed(edited(kC1, 0x82022004)), (std::vector<int>{0, 3}));
}

TEST_F(Snoop, UnmodelledCompareModeIsReportedAndTakenAsMiss) {
  const ReplayResult r = replay(max78002(), edited(kC1, 0x82022015), {});
  ASSERT_EQ(r.layers.size(), 4U);
  EXPECT_NE(r.layers[0].summary.find("not modelled"), std::string::npos) << r.layers[0].summary;
}

}  // namespace
}  // namespace ai8x::hw
