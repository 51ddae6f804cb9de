// --compare-programming: what two programs leave in the accelerator when the
// master quadrant starts. Hand-written traces check the state rules (last
// write wins, byte writes merge, nothing after the start counts except FIFO
// data); demo85-mnist's trace against edited copies of itself checks that
// each kind of difference is found, decoded and located.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "check/programming_diff.hpp"
#include "device.hpp"
#include "io/trace.hpp"
#include "register_map.hpp"

namespace ai8x {
namespace {

namespace fs = std::filesystem;
using Op = io::BusOp;

io::BusOp write(uint32_t address, uint32_t value, uint8_t width = 32) {
  return {.kind = Op::Kind::Write, .width = width, .address = address, .value = value};
}

const io::Trace& mnist() {
  static const io::Trace t =
      io::read_trace((fs::path(AI8X_SHARED_DIR) / "conformance/demo85-mnist/registers.txt").string());
  return t;
}

// Index of the last write to `address` before the master enable.
size_t last_write_before_start(const io::Trace& t, uint32_t address) {
  size_t found = t.ops.size();
  for (size_t i = 0; i < t.ops.size(); ++i) {
    const Op& op = t.ops[i];
    if (op.kind != Op::Kind::Write) continue;
    if (op.address == 0x50100000 && (op.value & 1U) != 0) break;
    if (op.address == address) found = i;
  }
  return found;
}

TEST(ProgramState, LastWriteBeforeTheMasterEnableWinsAndLaterWritesAreIgnored) {
  const Device& d = max78000();
  const RegisterMap map(d);
  const uint32_t rcnt = map.address(0, 2, LayerRegister::Rcnt);
  io::Trace t;
  t.ops = {write(rcnt, 5), write(rcnt, 7), write(0x50100000, 0x00100009), write(rcnt, 9)};
  const ProgramState s = program_state(d, t);
  EXPECT_TRUE(s.started);
  EXPECT_EQ(s.registers.at(rcnt), 7U);
  EXPECT_EQ(s.register_order.front(), rcnt);
}

TEST(ProgramState, ByteWritesMergeIntoTheirWordAndFifoDataIsKeptInOrder) {
  const Device& d = max78000();
  const RegisterMap map(d);
  const uint32_t word = map.data_address(0, 1, 0x40);
  io::Trace t;
  t.ops = {write(word, 0x11223344), write(word + 2, 0xaa, 8), write(0x50100000, 0x00100009),
           write(map.fifo_write_address(0), 0x01020304), write(map.fifo_write_address(0), 0x05060708)};
  const ProgramState s = program_state(d, t);
  EXPECT_EQ(s.memory.at(word), 0x11aa3344U);
  ASSERT_EQ(s.fifo.size(), 2U);
  EXPECT_EQ(s.fifo[1].second, 0x05060708U);
}

TEST(CompareProgramming, AProgramEqualsItself) {
  const ProgrammingDiff d = compare_programming(max78000(), mnist(), mnist());
  EXPECT_TRUE(d.same());
  // Every distinct register address the trace writes before the start.
  const RegisterMap map(max78000());
  std::set<uint32_t> registers;
  for (const Op& op : mnist().ops) {
    if (op.kind != Op::Kind::Write) continue;
    if (op.address == 0x50100000 && (op.value & 1U) != 0) break;
    const auto t = map.decode(op.address);
    using K = AddressTarget::Kind;
    if (t && t->kind != K::Kernel && t->kind != K::Bias && t->kind != K::Data && t->kind != K::Tram) {
      registers.insert(op.address);
    }
  }
  EXPECT_GT(registers.size(), 100U);
  EXPECT_EQ(d.registers_compared, registers.size());
  EXPECT_TRUE(d.reference_has_memory);
}

TEST(CompareProgramming, TheFirstDifferingRegisterIsNamedAndDecoded) {
  const Device& d = max78000();
  const RegisterMap map(d);
  io::Trace edited = mnist();
  // Layer 0's write pointer of quadrant 0 (0x00002800: memory 1, offset 0x800) moved to memory 0.
  const uint32_t wptr = map.address(0, 0, LayerRegister::WptrBase);
  const size_t i = last_write_before_start(edited, wptr);
  ASSERT_LT(i, edited.ops.size());
  ASSERT_EQ(edited.ops[i].value, 0x00002800U);
  edited.ops[i].value = 0x00000800;
  const ProgrammingDiff diff = compare_programming(d, edited, mnist());
  EXPECT_FALSE(diff.same());
  ASSERT_EQ(diff.registers.size(), 1U);
  EXPECT_EQ(diff.registers[0].address, wptr);
  EXPECT_EQ(diff.registers[0].target.layer, 0);
  const std::string text = format_programming_diff(d, diff, "generator");
  EXPECT_NE(text.find("first difference: layer 0 quadrant 0 WPTR_BASE at 0x50100310: generator 0x00000800 "
                      "(wptr_off=0x800), ai8xsim 0x00002800 (wptr_off=0x800 wptr_mem=1)"),
            std::string::npos)
      << text;
}

TEST(CompareProgramming, ARegisterOnlyOneProgramWritesIsADifference) {
  const Device& d = max78000();
  const RegisterMap map(d);
  io::Trace extra = mnist();
  const uint32_t unused = map.address(3, 15, LayerRegister::Rcnt);  // mnist uses 5 layers
  extra.ops.insert(extra.ops.begin() + 1, write(unused, 0x1d));
  const ProgrammingDiff diff = compare_programming(d, mnist(), extra);
  ASSERT_EQ(diff.registers.size(), 1U);
  EXPECT_FALSE(diff.registers[0].reference.has_value());
  EXPECT_EQ(diff.registers[0].ours, 0x1dU);
  EXPECT_NE(format_programming_diff(d, diff, "generator").find("generator never written, ai8xsim 0x0000001d"),
            std::string::npos);
}

TEST(CompareProgramming, AKernelWordDifferenceIsLocatedByProcessorAndWord) {
  const Device& d = max78000();
  const RegisterMap map(d);
  io::Trace edited = mnist();
  // Processor 17's kernel word 3 (quadrant 1, processor 1), byte 4 of its 16-byte slot.
  const uint32_t addr = map.kernel_address(1, 1, 3) + 4;
  const size_t i = last_write_before_start(edited, addr);
  ASSERT_LT(i, edited.ops.size()) << "mnist loads processor 17";
  edited.ops[i].value ^= 0x80;
  const ProgrammingDiff diff = compare_programming(d, edited, mnist());
  EXPECT_TRUE(diff.registers.empty());
  bool found = false;
  for (const MemoryDifference& m : diff.memories) {
    if (m.what != "kernel memory") {
      EXPECT_EQ(m.differing, 0U) << m.what;
      continue;
    }
    found = true;
    EXPECT_EQ(m.differing, 1U);
    EXPECT_EQ(m.first_address, addr);
  }
  EXPECT_TRUE(found);
  EXPECT_NE(format_programming_diff(d, diff, "generator").find("(processor 17 word 3)"), std::string::npos);
}

TEST(CompareProgramming, AReferenceWithoutMemoryWritesComparesRegistersOnly) {
  const Device& d = max78000();
  io::Trace registers_only;
  for (const Op& op : mnist().ops) {
    const auto t = RegisterMap(d).decode(op.address);
    if (op.kind == Op::Kind::Write && t &&
        (t->kind == AddressTarget::Kind::Kernel || t->kind == AddressTarget::Kind::Bias ||
         t->kind == AddressTarget::Kind::Data)) {
      continue;
    }
    registers_only.ops.push_back(op);
  }
  const ProgrammingDiff diff = compare_programming(d, registers_only, mnist());
  EXPECT_FALSE(diff.reference_has_memory);
  EXPECT_TRUE(diff.same());
  EXPECT_NE(format_programming_diff(d, diff, "cnn.c").find("memories: not compared"), std::string::npos);
}

TEST(CompareProgramming, FifoStreamsCompareWriteByWrite) {
  const Device& d = max78000();
  const RegisterMap map(d);
  io::Trace a;
  a.ops = {write(0x50100000, 0x00100009), write(map.fifo_write_address(0), 1), write(map.fifo_write_address(0), 2)};
  io::Trace b = a;
  b.ops[2].value = 3;
  const ProgrammingDiff diff = compare_programming(d, a, b);
  ASSERT_TRUE(diff.fifo_first_difference.has_value());
  EXPECT_EQ(*diff.fifo_first_difference, 1U);
  b.ops.pop_back();
  EXPECT_EQ(*compare_programming(d, a, b).fifo_first_difference, 1U);  // one stream is shorter
}

}  // namespace
}  // namespace ai8x
