// The SystemC model of the accelerator, one hardware behaviour per test.
// Expectations come from the address map and register descriptions in
// hw-facts §2-§5 and §7 (golden mnist register values), worked out by hand.
// Bus-level tests play small register traces through hw::replay(), exactly as
// `ai8xsim --replay` does.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "device.hpp"
#include "hw/kernel_memory.hpp"
#include "hw/layer_config.hpp"
#include "hw/quadrant.hpp"
#include "hw/replay.hpp"
#include "io/trace.hpp"
#include "register_map.hpp"

namespace ai8x::hw {
namespace {

// ---- kernel memory ----------------------------------------------------------

TEST(KernelMemory, NormalLoadStoresTheWordOnlyWithTheExecuteWrite) {
  KernelMemory mem(4);
  mem.write_normal(1, 0, 0x000000A0);  // byte0
  mem.write_normal(1, 4, 0xA1A2A3A4);  // byte1..4, byte1 in the top byte
  mem.write_normal(1, 8, 0xA5A6A7A8);  // byte5..8
  EXPECT_EQ(mem.byte(1, 0), 0);        // nothing stored before +12
  mem.write_normal(1, 12, 0);
  for (int b = 0; b < 9; ++b) EXPECT_EQ(mem.byte(1, b), 0xA0 + b) << "byte " << b;
  EXPECT_EQ(mem.byte(0, 8), 0);  // neighbouring words untouched
  EXPECT_EQ(mem.byte(2, 0), 0);
}

TEST(KernelMemory, MexpressStreamsBytesAcrossWordBoundaries) {
  KernelMemory mem(4);
  mem.load_counter(2);  // column 2
  mem.stream(0x00010203);
  mem.stream(0x04050607);
  mem.stream(0x08090A0B);  // byte 8 of word 2, then word 3 bytes 0..2
  for (int b = 0; b < 9; ++b) EXPECT_EQ(mem.byte(2, b), b) << "byte " << b;
  EXPECT_EQ(mem.byte(3, 0), 9);
  EXPECT_EQ(mem.byte(3, 2), 11);
  EXPECT_EQ(mem.byte(1, 8), 0);
}

TEST(KernelMemory, MexpressStreamPastTheEndIsRefused) {
  KernelMemory mem(1);
  mem.load_counter(0);
  EXPECT_TRUE(mem.stream(0x01020304));
  EXPECT_TRUE(mem.stream(0x05060708));
  EXPECT_TRUE(mem.stream(0x09000000));   // zero padding past the end is harmless
  EXPECT_FALSE(mem.stream(0x11111111));  // real bytes past the end are not
}

// Loads word `w` with the normal protocol; `v` lands in bytes 1..4.
void load_word(KernelMemory& mem, uint32_t w, uint32_t v) {
  mem.write_normal(w, 0, 0);
  mem.write_normal(w, 4, v);
  mem.write_normal(w, 8, 0);
  mem.write_normal(w, 12, 0);
}

TEST(KernelMemory, ASecondDifferentLoadBeforeTheStartIsRecorded) {
  KernelMemory mem(4);
  load_word(mem, 1, 0x11);
  load_word(mem, 1, 0x11);  // the same kernels again: nothing is lost
  EXPECT_TRUE(mem.overwritten().empty());
  load_word(mem, 1, 0x22);
  EXPECT_EQ(mem.overwritten(), std::vector<uint32_t>{1});
  mem.begin_run();
  load_word(mem, 1, 0x33);  // new kernels for the next start: a reload, not a loss
  EXPECT_EQ(mem.overwritten().size(), 1U);
}

TEST(KernelMemory, MexpressStreamOverLoadedWordsIsRecorded) {
  KernelMemory mem(4);
  mem.load_counter(0);
  mem.stream(0x01020304);
  mem.stream(0x05060708);
  mem.stream(0x09000000);  // word 0 complete, zero padding into word 1
  mem.load_counter(1);
  mem.stream(0x0A0B0C0D);  // word 1 was only padded with zeros: nothing lost
  EXPECT_TRUE(mem.overwritten().empty());
  mem.load_counter(0);
  mem.stream(0x01FF0304);
  EXPECT_EQ(mem.overwritten(), std::vector<uint32_t>{0});
}

// ---- register decode (hw-facts §7, mnist) -----------------------------------

struct Quadrants {
  explicit Quadrants(const Device& d) : q0(d, 0), q1(d, 1), q2(d, 2), q3(d, 3) {}
  Quadrant q0, q1, q2, q3;
  [[nodiscard]] std::array<const Quadrant*, 4> view() const { return {&q0, &q1, &q2, &q3}; }
};

TEST(RegisterDecode, Max78000MnistFirstLayer) {
  Quadrants q(max78000());
  RegisterFile& r = q.q0.regs;
  r.set_layer(0, LayerRegister::Rcnt, 0x0001001D);
  r.set_layer(0, LayerRegister::Ccnt, 0x0001001D);
  r.set_layer(0, LayerRegister::WptrBase, 0x00002800);
  r.set_layer(0, LayerRegister::WptrMoff, 0x2000);
  r.set_layer(0, LayerRegister::Lctrl0, 0xB60);
  r.set_layer(0, LayerRegister::Lctrl1, 0x1D800);
  r.set_layer(0, LayerRegister::Mcnt, 0x000001D8);
  r.set_layer(0, LayerRegister::Tptr, 0x1B);
  r.set_layer(0, LayerRegister::Post, 0x22000);
  r.set_layer(0, LayerRegister::Ena, 0x00010001);
  const LayerConfig c = decode_layer_config(max78000(), q.view(), 0, true);
  EXPECT_EQ(c.op, LayerOp::Conv2d);
  EXPECT_EQ(c.kernel_rows, 3);
  EXPECT_EQ(c.rows, 28);  // 0x1D = 28 - 1 + 2·pad
  EXPECT_EQ(c.cols, 28);
  EXPECT_EQ(c.pad_rows, 1);
  EXPECT_TRUE(c.chw);
  EXPECT_EQ(c.act, core::Activation::ReLU);
  EXPECT_FALSE(c.pool_enable);
  EXPECT_EQ(c.processors, 1U);
  EXPECT_EQ(c.positions, 60);           // xpch_max 0x1D8 = 59 · 8
  EXPECT_EQ(c.out_passes, 1);           // 60 kernels × 8 counts
  EXPECT_EQ(c.shift, -1);               // POST[17] = right
  EXPECT_EQ(c.wptr_base[0] >> 13, 1U);  // memory 1
  EXPECT_EQ(c.wptr_base[0] & 0x1FFF, 0x800U);
  EXPECT_FALSE(c.wide);
  EXPECT_EQ(c.bias_quadrant, -1);
}

TEST(RegisterDecode, Max78000MnistFullyConnectedLayer) {
  Quadrants q(max78000());
  RegisterFile& r = q.q0.regs;
  r.set_layer(4, LayerRegister::Lctrl0, 0x10920);
  r.set_layer(4, LayerRegister::Lctrl1, 0x480F);
  r.set_layer(4, LayerRegister::Mcnt, 0x240028F8);
  r.set_layer(4, LayerRegister::Oned, 0x100);
  r.set_layer(4, LayerRegister::WptrToff, 1);
  r.set_layer(4, LayerRegister::Post, 0x1000);
  r.set_layer(4, LayerRegister::Ena, 0x0FFF0FFF);
  const LayerConfig c = decode_layer_config(max78000(), q.view(), 4, false);
  EXPECT_EQ(c.kernel_rows, 1);  // ONED width 1: a 1×1 kernel
  EXPECT_EQ(c.kernel_cols, 1);
  EXPECT_TRUE(c.wide);               // LCTRL0[16]
  EXPECT_EQ(c.in_passes, 16);        // inpchexp 15: the flattened 4×4 pixels
  EXPECT_EQ(c.positions, 10);        // xpch_max 0x48 = 9 · 8
  EXPECT_EQ(c.mask_start, 0x2400U);  // column 128 of 1×1 kernels: 9·128·8
  EXPECT_EQ(c.mask_max, 0x28F8U);
  EXPECT_EQ(c.out_passes, 1);  // 160 steps = 10 outputs × 16 passes
  EXPECT_EQ(c.bias_quadrant, 0);
  EXPECT_EQ(c.bias_start, 0U);
}

TEST(RegisterDecode, Max78002MnistFirstLayerCountsAndKernelStart) {
  Quadrants q(max78002());
  RegisterFile& r = q.q0.regs;
  r.set_layer(0, LayerRegister::Rcnt, 0x0001801B);
  r.set_layer(0, LayerRegister::Ccnt, 0x0001801B);
  r.set_layer(0, LayerRegister::Stride, 0x10);
  r.set_layer(0, LayerRegister::WptrBase, 0x8800);
  r.set_layer(0, LayerRegister::WptrMoff, 0x8000);
  r.set_layer(0, LayerRegister::Lctrl0, 0x00880B60);
  r.set_layer(0, LayerRegister::Lctrl1, 0x001D8000);
  r.set_layer(0, LayerRegister::Mcnt1, 0x9FF8);
  r.set_layer(0, LayerRegister::Mcnt2, 0x9E20);
  r.set_layer(0, LayerRegister::Post, 0x22000);
  r.set_layer(0, LayerRegister::Ena, 0x00010001);
  const LayerConfig c = decode_layer_config(max78002(), q.view(), 0, true);
  EXPECT_EQ(c.pad_rows, 1);  // [15] pad enable, [14:13] pad − 1
  EXPECT_EQ(c.cols, 28);     // stop column 27 + 1 to the end of the row
  EXPECT_EQ(c.pooled_rows, 28);
  EXPECT_EQ(c.kernel_rows, 3);  // LCTRL0 rprime/cprime = 2
  EXPECT_EQ(c.kernel_cols, 3);
  EXPECT_EQ(c.mask_start / 8, 5060U);  // the top of the 5120-word memory
  EXPECT_EQ(c.positions, 60);
  EXPECT_EQ(c.wptr_base[0] >> 15, 1U);  // memory index at bit 15 on MAX78002
  EXPECT_EQ(c.wptr_base[0] & 0x7FFF, 0x800U);
}

TEST(RegisterDecode, LayerWithoutProcessorsIsAnError) {
  Quadrants q(max78000());
  EXPECT_THROW((void)decode_layer_config(max78000(), q.view(), 0, true), Error);
}

// ---- bus-level behaviour through traces --------------------------------------

class TraceBuilder {
 public:
  explicit TraceBuilder(const Device& d) : map_(d), device_(d) {}
  TraceBuilder& w32(uint32_t a, uint32_t v) { return line("W32", a, v); }
  TraceBuilder& w8(uint32_t a, uint32_t v) { return line("W8", a, v); }
  TraceBuilder& poll(uint32_t a, uint32_t mask, uint32_t want) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "R32 0x%08x 0x%08x 0x%08x\n", a, mask, want);
    text_ += buf;
    return *this;
  }
  TraceBuilder& wait_irq() {
    text_ += "WAIT_IRQ\n";
    return *this;
  }
  TraceBuilder& layer(int l, LayerRegister r, uint32_t v) { return w32(map_.address(0, l, r), v); }
  TraceBuilder& ctrl(uint32_t v) { return w32(map_.address(0, GlobalRegister::Ctrl), v); }
  [[nodiscard]] io::Trace trace() const { return io::parse_trace("# device: " + device_.name + "\n" + text_, "test"); }
  [[nodiscard]] const RegisterMap& map() const { return map_; }

 private:
  TraceBuilder& line(const char* op, uint32_t a, uint32_t v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s 0x%08x 0x%08x\n", op, a, v);
    text_ += buf;
    return *this;
  }
  RegisterMap map_;
  const Device& device_;
  std::string text_;
};

constexpr uint32_t kData0 = 0x50400000;  // MAX78000 quadrant 0, memory 0
constexpr uint32_t kOut = 0x50401000;    // ... byte offset 0x1000 (WPTR word 0x400)

// A one-processor 1×1 layer over a 1×2 image (processor 0, memory 0 lane 0).
void one_by_one_layer(TraceBuilder& t, uint32_t post) {
  t.w32(t.map().address(0, GlobalRegister::LcntMax), 0);  // last layer 0
  t.layer(0, LayerRegister::Rcnt, 0);                     // 1 row
  t.layer(0, LayerRegister::Ccnt, 1);                     // 2 columns
  t.layer(0, LayerRegister::Oned, 0x100);                 // 1×1 kernel
  t.layer(0, LayerRegister::WptrBase, 0x400);
  t.layer(0, LayerRegister::WptrMoff, 0x2000);
  t.layer(0, LayerRegister::Lctrl0, 0x920);
  t.layer(0, LayerRegister::Mcnt, 0);  // one kernel at count 0
  t.layer(0, LayerRegister::Ena, 0x00010001);
  t.layer(0, LayerRegister::Post, post);
}

void start_and_wait(TraceBuilder& t, uint32_t ctrl_bits) {
  t.ctrl(0x8 | ctrl_bits);
  t.ctrl(0x9 | ctrl_bits);  // cnn_en 0→1 on the master quadrant
  t.wait_irq();
}

uint8_t lane(uint32_t word, int i) {
  return static_cast<uint8_t>(word >> (8 * i));
}

TEST(Replay, DataMemoryBytesLandInTheirLanes) {
  TraceBuilder t(max78000());
  t.w32(kData0, 0x11223344).w8(kData0 + 1, 0xAA).w8(kData0 + 6, 0xBB);
  const ReplayResult r = replay(max78000(), t.trace(), {});
  EXPECT_EQ(r.read32(kData0), 0x1122AA44U);
  EXPECT_EQ(r.read32(kData0 + 4), 0x00BB0000U);
}

TEST(Replay, ConvolutionWithNormalKernelLoadAndBias) {
  TraceBuilder t(max78000());
  one_by_one_layer(t, 1U << 12);  // bias from quadrant 0, entry 0; shift 0
  // Kernel word 0 of processor 0: a 1×1 kernel's first slot is byte 8.
  const uint32_t mram = t.map().kernel_address(0, 0, 0);
  t.w32(mram, 0).w32(mram + 4, 0).w32(mram + 8, 0x00000002).w32(mram + 12, 0);
  t.w32(t.map().bias_address(0, 0), 0x103);  // low byte 3
  t.w32(kData0, 64).w32(kData0 + 4, 10);
  start_and_wait(t, 0);
  const ReplayResult r = replay(max78000(), t.trace(), {});
  // acc = 2x + 128·3, y = floor(acc/128 + 1/2): 64 -> 4, 10 -> 3.
  EXPECT_EQ(lane(r.read32(kOut), 0), 4);
  EXPECT_EQ(lane(r.read32(kOut + 4), 0), 3);
  ASSERT_EQ(r.layers.size(), 1U);
  EXPECT_EQ(r.layers[0].layer, 0);
}

TEST(Replay, MexpressKernelLoadGivesTheSameWeights) {
  TraceBuilder t(max78000());
  one_by_one_layer(t, 7U << 13);  // shift +7: y = acc (no bias)
  const uint32_t mram = t.map().kernel_address(0, 0, 0);
  t.ctrl(1U << 20);                                           // mexpress
  t.w8(mram | 1, 0x01);                                       // counter := column 0
  t.w32(mram, 0).w32(mram + 4, 0).w32(mram + 8, 0xFD000000);  // byte 8 = −3
  t.w32(kData0, 5).w32(kData0 + 4, static_cast<uint32_t>(-7) & 0xFF);
  start_and_wait(t, 1U << 20);
  const ReplayResult r = replay(max78000(), t.trace(), {});
  EXPECT_EQ(static_cast<int8_t>(lane(r.read32(kOut), 0)), -15);
  EXPECT_EQ(static_cast<int8_t>(lane(r.read32(kOut + 4), 0)), 21);
}

// A pass-through layer of processor 0 over 1×4 pixels (copies the bytes).
void passthrough_layer(TraceBuilder& t) {
  t.w32(t.map().address(0, GlobalRegister::LcntMax), 0);
  t.layer(0, LayerRegister::Ccnt, 3);  // 4 columns
  t.layer(0, LayerRegister::Oned, 0x100);
  t.layer(0, LayerRegister::WptrBase, 0x400);
  t.layer(0, LayerRegister::WptrToff, 0x800);
  t.layer(0, LayerRegister::Lctrl0, 0x920);
  t.layer(0, LayerRegister::Ena, 0x1);
  t.layer(0, LayerRegister::Post, 3U << 24);  // ts_en | onexone_en: pass-through
}

TEST(Replay, CompletionSetsCtrlIrqAndRaisesTheInterrupt) {
  TraceBuilder t(max78000());
  passthrough_layer(t);
  for (uint32_t i = 0; i < 4; ++i) t.w32(kData0 + 4 * i, 0x10 + i);
  start_and_wait(t, 0);
  const uint32_t ctrl = t.map().address(0, GlobalRegister::Ctrl);
  t.poll(ctrl, 1U << 12, 1U << 12);  // CTRL.cnn_irq reads back set
  const ReplayResult r = replay(max78000(), t.trace(), {});
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(lane(r.read32(kOut + 4 * i), 0), 0x10 + i) << "pixel " << i;
  EXPECT_GT(r.total_cycles, 0U);
}

TEST(Replay, FirstLayerReadsTheStandardFifo) {
  // The generated code starts the CNN, then feeds the FIFO, polling "full"
  // before every word; the layer waits until its words are there.
  TraceBuilder t(max78000());
  passthrough_layer(t);
  t.w32(t.map().fifo_ctrl_address(), 0x1);
  t.ctrl(0x8 | (1U << 15)).ctrl(0x9 | (1U << 15));  // CTRL.fifo_en, cnn_en 0→1
  for (uint32_t i = 0; i < 4; ++i) {
    t.poll(t.map().fifo_stat_address(), 0x1, 0);
    t.w32(t.map().fifo_write_address(0), 0x40 + i);  // HWC: pixel i in lane 0
  }
  t.wait_irq();
  const ReplayResult r = replay(max78000(), t.trace(), {});
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(lane(r.read32(kOut + 4 * i), 0), 0x40 + i) << "pixel " << i;
  ASSERT_EQ(r.layers.size(), 1U);
  EXPECT_TRUE(r.layers[0].warnings.empty());
}

TEST(Replay, FifoInputProcessorThatNoFifoByteFeedsIsReported) {
  TraceBuilder t(max78000());
  passthrough_layer(t);
  t.layer(0, LayerRegister::Ena, 0x11);  // processors 0 and 4; FIFO 0's bytes feed processors 0-3
  t.w32(t.map().fifo_ctrl_address(), 0x1);
  t.ctrl(0x8 | (1U << 15)).ctrl(0x9 | (1U << 15));
  for (uint32_t i = 0; i < 4; ++i) t.w32(t.map().fifo_write_address(0), 0x40 + i);
  t.wait_irq();
  const ReplayResult r = replay(max78000(), t.trace(), {});
  ASSERT_EQ(r.layers.size(), 1U);
  ASSERT_EQ(r.layers[0].warnings.size(), 1U);
  EXPECT_NE(r.layers[0].warnings[0].find("input processors 4 are enabled but no FIFO byte feeds them (byte i of "
                                         "FIFO f feeds processor 16f+i)"),
            std::string::npos)
      << r.layers[0].warnings[0];
}

TEST(Replay, ModelIsResetBetweenReplays) {
  TraceBuilder a(max78000());
  a.w32(kData0 + 8, 0xCAFE);
  EXPECT_EQ(replay(max78000(), a.trace(), {}).read32(kData0 + 8), 0xCAFEU);
  TraceBuilder b(max78000());
  b.w32(kData0, 1);
  EXPECT_EQ(replay(max78000(), b.trace(), {}).read32(kData0 + 8), 0U);
}

TEST(Replay, AccessLogRecordsLayerReadsAndWrites) {
  TraceBuilder t(max78000());
  passthrough_layer(t);
  start_and_wait(t, 0);
  ReplayOptions opt;
  opt.access_log = true;
  const ReplayResult r = replay(max78000(), t.trace(), opt);
  int reads = 0, writes = 0;
  for (const DataAccess& a : r.access_log) {
    EXPECT_EQ(a.layer, 0);
    EXPECT_EQ(a.memory, 0);
    (a.is_write ? writes : reads) += 1;
    if (a.is_write) {
      EXPECT_EQ(a.byte_offset, 0x1000U + 4 * static_cast<uint32_t>(a.col));
    }
  }
  EXPECT_EQ(reads, 4);
  EXPECT_EQ(writes, 4);
}

TEST(Replay, WriteToAHoleIsAnErrorNamingTheLine) {
  TraceBuilder t(max78000());
  t.w32(kData0, 1).w32(0x50300000, 1);  // inside the accelerator window, nothing there
  try {
    (void)replay(max78000(), t.trace(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().key, "line 3");  // line 1 is the device header
  }
}

TEST(Replay, AddressesOutsideTheAcceleratorAreIgnored) {
  TraceBuilder t(max78000());
  t.w32(0x40000018, 0x10000).poll(0x40000010, 2, 2).w32(kData0, 7);
  EXPECT_EQ(replay(max78000(), t.trace(), {}).read32(kData0), 7U);
}

TEST(Replay, PollThatNeverHoldsIsAnError) {
  TraceBuilder t(max78000());
  t.poll(0x50000004, 0x10, 0);  // FIFO 0 "empty" never clears without data
  ReplayOptions opt;
  opt.poll_limit = 100;
  EXPECT_THROW((void)replay(max78000(), t.trace(), opt), Error);
}

TEST(Replay, KernelMaskBeyondTheKernelMemoryIsAnError) {
  TraceBuilder t(max78000());
  one_by_one_layer(t, 0);
  t.layer(0, LayerRegister::Oned, 0);                            // 3×3 kernels
  t.layer(0, LayerRegister::Mcnt, (800U * 8) << 16 | 800U * 8);  // word 800 of 768
  start_and_wait(t, 0);
  try {
    (void)replay(max78000(), t.trace(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().layer, 0);
    EXPECT_NE(e.context().key.find("MCNT"), std::string::npos) << e.context().key;
  }
}

TEST(Replay, Max78002TraceRunsOnTheSecondModel) {
  TraceBuilder t(max78002());
  t.w32(0x51800000, 0x01020304).w32(0x51820000 + 16, 5);  // memory 0 and memory 1
  const ReplayResult r = replay(max78002(), t.trace(), {});
  EXPECT_EQ(r.read32(0x51800000), 0x01020304U);
  EXPECT_EQ(r.read32(0x51820010), 5U);
}

}  // namespace
}  // namespace ai8x::hw
