// Streaming rollover buffers (hw/layer_executor.hpp): a streaming layer's
// input lives in a circular buffer of FBUF words from RPTR_BASE in each input
// memory. Edited copies of the generator's program for t85-fifostream-cifar--fifo
// (layers 1-3 stream: RPTR_BASE 0x400/0x800/0xc00, FBUF 142/78/46 words).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "core/error.hpp"
#include "device.hpp"
#include "hw/replay.hpp"
#include "io/trace.hpp"
#include "register_map.hpp"
#include "trace_edit.hpp"

namespace ai8x::hw {
namespace {

const std::filesystem::path kCase =
    std::filesystem::path(AI8X_SHARED_DIR) / "conformance" / "t85-fifostream-cifar--fifo";

// The program with layer registers set to new values in every quadrant.
io::Trace edited(const std::map<std::pair<int, LayerRegister>, uint32_t>& values) {
  io::Trace t = io::read_trace((kCase / "registers.txt").string());
  const RegisterMap map(max78000());
  for (const auto& [key, value] : values) {
    for (int q = 0; q < 4; ++q) test::set_writes(t, map.address(q, key.first, key.second), value);
  }
  return t;
}

class Rollover : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kCase / "registers.txt")) GTEST_SKIP() << "no " << kCase;
  }
};

TEST_F(Rollover, TheGeneratorsBuffersAreDisjointAndFoldIntoMemory) {
  const ReplayResult r = replay(max78000(), io::read_trace((kCase / "registers.txt").string()), {});
  for (const auto& l : r.layers) EXPECT_TRUE(l.warnings.empty()) << l.layer << ": " << l.warnings.front();
  // Layer 0 streamed 32x32 pixels into layer 1's 142-word buffer at word 0x400:
  // the words after the buffer were never written, the buffer was.
  const uint32_t base = 0x50400000 + 0x400 * 4;
  bool written = false;
  for (uint32_t w = 0; w < 142; ++w) written = written || r.read32(base + 4 * w) != 0;
  EXPECT_TRUE(written);
  for (uint32_t w = 142; w < 160; ++w) EXPECT_EQ(r.read32(base + 4 * w), 0U) << "word " << w;
}

TEST_F(Rollover, OverlappingBuffersOfOneChainAreReported) {
  // Layer 2's buffer moved to word 0x440, inside layer 1's (0x400..0x48d).
  const ReplayResult r =
      replay(max78000(), edited({{{1, LayerRegister::WptrBase}, 0x440}, {{2, LayerRegister::RptrBase}, 0x440}}), {});
  ASSERT_GE(r.layers.size(), 3U);
  ASSERT_EQ(r.layers[2].layer, 2);
  ASSERT_FALSE(r.layers[2].warnings.empty());
  EXPECT_NE(r.layers[2].warnings.front().find("its rollover buffer (data memory 0, words 1088..1165) overlaps layer "
                                              "1's (words 1024..1165)"),
            std::string::npos)
      << r.layers[2].warnings.front();
}

TEST_F(Rollover, ABufferPastTheMemoryIsAnErrorNamingFbuf) {
  try {
    replay(max78000(), edited({{{3, LayerRegister::Fbuf}, 0x1500}}), {});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.formatted();
    EXPECT_NE(m.find("layer 3"), std::string::npos) << m;
    EXPECT_NE(m.find("FBUF"), std::string::npos) << m;
    EXPECT_NE(m.find("the rollover buffer from word 3072 (5376 words) runs past the data memory's 8192 words"),
              std::string::npos)
        << m;
  }
}

}  // namespace
}  // namespace ai8x::hw
