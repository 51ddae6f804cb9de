// --explain-registers: field tables against the golden register values of
// hw-facts §7, the explainer against every shared registers.txt, block
// summaries of demo85-mnist against hand-counted numbers, and the cnn.c
// extractor against hand-written snippets in the generator's style.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "check/explain.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "io/cnn_c.hpp"
#include "io/trace.hpp"
#include "register_fields.hpp"
#include "register_map.hpp"

namespace ai8x {
namespace {

namespace fs = std::filesystem;
using R = LayerRegister;

// name -> value of the non-zero fields; "?" holds undocumented bits.
std::map<std::string, uint32_t> decode(const Device& d, R reg, uint32_t value) {
  std::map<std::string, uint32_t> m;
  const auto decoded = decode_fields(fields(d, reg), value);
  for (const auto& fv : decoded.values) m[std::string(fv.field->name)] = fv.value;
  if (decoded.undocumented != 0) m["?"] = decoded.undocumented;
  return m;
}

std::map<std::string, uint32_t> decode(const Device& d, GlobalRegister reg, uint32_t value) {
  std::map<std::string, uint32_t> m;
  const auto decoded = decode_fields(fields(d, reg), value);
  for (const auto& fv : decoded.values) m[std::string(fv.field->name)] = fv.value;
  if (decoded.undocumented != 0) m["?"] = decoded.undocumented;
  return m;
}

using M = std::map<std::string, uint32_t>;

TEST(RegisterFields, GoldenMnistMax78000) {
  const Device& d = max78000();
  // L0: 28 rows + pad 1 -> rcnt_max 29.
  EXPECT_EQ(decode(d, R::Rcnt, 0x0001001D), (M{{"rcnt_max", 29}, {"pad", 1}}));
  EXPECT_EQ(decode(d, R::Ccnt, 0x0001001D), (M{{"ccnt_max", 29}, {"pad", 1}}));
  EXPECT_EQ(decode(d, R::WptrBase, 0x00002800), (M{{"wptr_off", 0x800}, {"wptr_mem", 1}}));
  EXPECT_EQ(decode(d, R::WptrMoff, 0x2000), (M{{"moff", 0x2000}}));
  EXPECT_EQ(decode(d, R::Lctrl0, 0xB60),
            (M{{"master", 1}, {"parallel", 1}, {"maxpl_en", 1}, {"relu", 1}, {"sramlsrc", 1}}));
  // 60 output processors (0..59) x 8 bits.
  EXPECT_EQ(decode(d, R::Lctrl1, 0x1D800), (M{{"xpch_max", 59 * 8}}));
  EXPECT_EQ(decode(d, R::Mcnt, 0x000001D8), (M{{"mcnt_max", 59 * 8}}));
  EXPECT_EQ(decode(d, R::Tptr, 0x1B), (M{{"tptr_max", 27}}));
  EXPECT_EQ(decode(d, R::Post, 0x22000), (M{{"scale_shift", 1}, {"scale_dir", 1}}));
  EXPECT_EQ(decode(d, R::Ena, 0x00010001), (M{{"proc_en", 1}, {"mask_en", 1}}));
  // L1: inputs summed from quadrants 1-3, max pooling.
  EXPECT_EQ(decode(d, R::Lctrl0, 0xEBA0),
            (M{{"master", 1}, {"pool_en", 1}, {"maxpl_en", 1}, {"relu", 1}, {"sramlsrc", 1}, {"cnnsi_en", 0xE}}));
  EXPECT_EQ(decode(d, R::Post, 0x24000), (M{{"scale_shift", 2}, {"scale_dir", 1}}));
  // L4: linear layer with 32-bit output, flattened 192 inputs (12 x 16 - 1 = 191: low bits 15).
  EXPECT_EQ(decode(d, R::Lctrl0, 0x10920), (M{{"master", 1}, {"maxpl_en", 1}, {"sramlsrc", 1}, {"bigdwrt", 1}}));
  EXPECT_EQ(decode(d, R::Lctrl1, 0x480F), (M{{"inpchexp", 15}, {"xpch_max", 9 * 8}}));
  // Kernels at column 128 of 1x1 slots: 128 x 9 x 8 = 9216; 160 kernels -> +159 x 8.
  EXPECT_EQ(decode(d, R::Mcnt, 0x240028F8), (M{{"mcnt_sad", 9216}, {"mcnt_max", 9216 + 159 * 8}}));
  EXPECT_EQ(decode(d, R::Oned, 0x100), (M{{"oned_width", 1}}));
  EXPECT_EQ(decode(d, R::WptrToff, 1), (M{{"toff", 1}}));
  EXPECT_EQ(decode(d, R::Post, 0x1000), (M{{"bptr_en", 1}}));
  // Start sequence (hw-facts §3.1 step 4).
  EXPECT_EQ(decode(d, GlobalRegister::Ctrl, 0x00100808), (M{{"clk_en", 1}, {"ext_sync", 1}, {"mexpress", 1}}));
  EXPECT_EQ(decode(d, GlobalRegister::Ctrl, 0x00100009), (M{{"cnn_en", 1}, {"clk_en", 1}, {"mexpress", 1}}));
  EXPECT_EQ(decode(d, GlobalRegister::Sram, 0x40e), (M{{"rmargin_en", 1}, {"rmargin", 3}, {"wneg_en", 1}}));
  EXPECT_EQ(decode(d, GlobalRegister::LcntMax, 4), (M{{"lcnt_max", 4}}));
  // MAX78002-only registers have no fields here.
  EXPECT_TRUE(fields(d, R::Nxtlyr).empty());
  EXPECT_TRUE(fields(d, R::Ochan).empty());
  EXPECT_TRUE(fields(d, R::Mcnt1).empty());
}

TEST(RegisterFields, GoldenMnistMax78002) {
  const Device& d = max78002();
  // L0: 28 rows, no pooling: stop row 27, diff 1, pad 1 (pad_cnt 0 + enable).
  EXPECT_EQ(decode(d, R::Rcnt, 0x0001801B), (M{{"stop", 27}, {"pad_en", 1}, {"diff", 1}}));
  EXPECT_EQ(decode(d, R::Stride, 0x10), (M{{"mp_stride", 1}}));
  EXPECT_EQ(decode(d, R::WptrBase, 0x8800), (M{{"wptr_off", 0x800}, {"wptr_mem", 1}}));
  EXPECT_EQ(decode(d, R::WptrMoff, 0x8000), (M{{"moff", 0x8000}}));
  EXPECT_EQ(
      decode(d, R::Lctrl0, 0x00880B60),
      (M{{"master", 1}, {"parallel", 1}, {"maxpl_en", 1}, {"relu", 1}, {"sramlsrc", 1}, {"cprime", 2}, {"rprime", 2}}));
  EXPECT_EQ(decode(d, R::Lctrl1, 0x001D8000), (M{{"xpch_max", 59 * 8}}));
  // Kernels at column 5060: start 5060 x 8, 60 kernels -> +59 x 8.
  EXPECT_EQ(decode(d, R::Mcnt2, 0x9E20), (M{{"mcnt_sad", 5060 * 8}}));
  EXPECT_EQ(decode(d, R::Mcnt1, 0x9FF8), (M{{"mcnt_max", 5060 * 8 + 59 * 8}}));
  EXPECT_EQ(decode(d, R::Ochan, 0x3B), (M{{"ochan", 59}}));
  EXPECT_EQ(decode(d, R::Tptr, 0x1B), (M{{"tptr_max", 27}}));
  EXPECT_EQ(decode(d, R::Post, 0x22000), (M{{"scale_shift", 1}, {"scale_dir", 1}}));
  // L1: 28x28 max-pooled 2/2 with pad 2: stop 26, diff 2 + 28 = 30 bytes, pad_cnt 1.
  EXPECT_EQ(decode(d, R::Rcnt, 0x001EA01A), (M{{"stop", 26}, {"pad_cnt", 1}, {"pad_en", 1}, {"diff", 30}}));
  EXPECT_EQ(decode(d, R::Ccnt, 0x0002A01A), (M{{"stop", 26}, {"pad_cnt", 1}, {"pad_en", 1}, {"diff", 2}}));
  EXPECT_EQ(decode(d, R::Stride, 0x21), (M{{"stride", 1}, {"mp_stride", 2}}));
  // Init: clear all memories, wait for bit 25.
  EXPECT_EQ(decode(d, GlobalRegister::Test, 0x1C80), (M{{"zero", 1}, {"mem_sel", 7}}));
  EXPECT_EQ(decode(d, GlobalRegister::Test, 1U << 25), (M{{"zerodone", 1}}));
  EXPECT_EQ(decode(d, GlobalRegister::Ctrl, 0x00000028), (M{{"clk_en", 1}, {"pipeline_dis", 1}}));
  EXPECT_EQ(decode(d, GlobalRegister::Ctrl, 1U << 30), (M{{"binary", 1}}));
  EXPECT_EQ(decode(d, R::Nxtlyr, 0x85), (M{{"next", 5}, {"link_en", 1}}));
  EXPECT_TRUE(fields(d, R::Mcnt).empty());
}

TEST(RegisterFields, UndocumentedBitsAndFormatting) {
  const Device& d = max78000();
  // Bits 10..15 of RCNT belong to no field on MAX78000.
  EXPECT_EQ(decode(d, R::Rcnt, 0x0000fc00), (M{{"?", 0xfc00}}));
  EXPECT_EQ(format_fields(decode_fields(fields(d, R::Rcnt), 0x0001001D)), "rcnt_max=29 pad=1");
  EXPECT_EQ(format_fields(decode_fields(fields(d, R::Lctrl0), 0x0920)), "master maxpl_en sramlsrc");
  EXPECT_EQ(format_fields(decode_fields(fields(d, R::Rcnt), 0x1)), "rcnt_max=1");
  EXPECT_EQ(decode_fields(fields(d, R::Rcnt), 0, true).values.size(), 2U);
  // Fields of every table are disjoint and inside 32 bits.
  for (const Device* dev : {&max78000(), &max78002()}) {
    for (int r = 0; r < kLayerRegisterCount; ++r) {
      uint32_t seen = 0;
      for (const auto& f : fields(*dev, static_cast<R>(r))) {
        ASSERT_LE(f.lsb + f.width, 32) << f.name;
        EXPECT_EQ(seen & f.mask(), 0U) << dev->name << " " << register_name(static_cast<R>(r)) << "." << f.name;
        seen |= f.mask();
      }
    }
  }
}

// ---- the explainer on the shared traces ----

std::set<std::string> register_names() {
  std::set<std::string> names;
  for (int r = 0; r < kLayerRegisterCount; ++r) names.insert(std::string(register_name(static_cast<R>(r))));
  for (int g = 0; g <= static_cast<int>(GlobalRegister::Mlat); ++g) {
    names.insert(std::string(register_name(static_cast<GlobalRegister>(g))));
  }
  return names;
}

// Lines whose body (after the phase and location columns) starts with a register name.
size_t count_register_lines(const std::string& text, const std::set<std::string>& names) {
  size_t n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string word;
    words >> word;  // the phase
    // Skip the location column ("L3", "q1") and test the first word after it.
    while (words >> word && word.size() >= 2 && (word[0] == 'L' || word[0] == 'q') &&
           std::isdigit(static_cast<unsigned char>(word[1])) != 0) {
    }
    if (names.count(word) != 0) ++n;
  }
  return n;
}

TEST(Explain, EverySharedTraceExplainsWithoutUnknowns) {
  const fs::path root = fs::path(AI8X_SHARED_DIR) / "conformance";
  const auto names = register_names();
  int traces = 0;
  for (const auto& e : fs::directory_iterator(root)) {
    const fs::path file = e.path() / "registers.txt";
    if (!fs::exists(file)) continue;
    ++traces;
    const io::Trace trace = io::read_trace(file.string());
    const Device* d = find_device(trace.device);
    ASSERT_NE(d, nullptr) << file;
    const RegisterMap map(*d);
    size_t register_writes = 0;
    for (const auto& op : trace.ops) {
      if (op.kind != io::BusOp::Kind::Write) continue;
      const auto t = map.decode(op.address);
      if (t && (t->kind == AddressTarget::Kind::Global || t->kind == AddressTarget::Kind::Layer)) ++register_writes;
    }
    const std::string text = explain_trace(*d, trace);
    EXPECT_EQ(text.find("unknown"), std::string::npos) << file;
    // Every value the generator writes fits the field tables.
    const size_t undoc = text.find("undocumented");
    EXPECT_EQ(undoc, std::string::npos) << file << ": "
                                        << (undoc == std::string::npos ? ""
                                                                       : text.substr(text.rfind('\n', undoc) + 1, 200));
    EXPECT_EQ(count_register_lines(text, names), register_writes) << file;
  }
  EXPECT_EQ(traces, 523);
}

std::string explain_case(const std::string& name) {
  const io::Trace trace = io::read_trace((fs::path(AI8X_SHARED_DIR) / "conformance" / name / "registers.txt").string());
  return explain_trace(*find_device(trace.device), trace);
}

bool has_line(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(Explain, Demo85MnistBlocks) {
  const std::string text = explain_case("demo85-mnist");
  // hw-facts §4.8: KERNELS starts 0x50180000, 0x87 -> 135 words = 60 kernels of
  // layer 0 (1 input channel, 60 outputs) in processor 0.
  EXPECT_TRUE(has_line(text, "kernels: processor 0 (q0 p0), words 0..59 (mexpress, 135 32-bit writes) at 0x50180000"))
      << text.substr(0, 3000);
  // Only layer 4 has a bias: 10 outputs in quadrant 0 from entry 0.
  EXPECT_TRUE(has_line(text, "bias: q0 entries 0..9 (10 32-bit writes) at 0x50108000"));
  // 1x28x28 CHW input: 784 bytes = 196 words in memory 0.
  EXPECT_TRUE(has_line(text, "input: memory 0 (q0 instance 0) bytes 0x0000..0x030f, 196 words at 0x50400000"));
  EXPECT_TRUE(has_line(
      text, "L0 q0    RCNT        0x50100010  0x0001001d  rcnt_max=29 pad=1  -> rows 30 incl. padding (28 + 2x pad 1)"))
      << text.substr(0, 5000);
  EXPECT_TRUE(has_line(text, "WPTR_BASE   0x50100310  0x00002800  wptr_off=0x800 wptr_mem=1  -> output to memory 1"));
  EXPECT_TRUE(has_line(text, "sleep until the CNN interrupt (q0 CTRL.cnn_irq = 1)"));
  EXPECT_TRUE(has_line(text, "system register GCR PCLKDIV  0x40000018"));
  EXPECT_TRUE(has_line(text, "\n# cnn_configure\n"));
  // Layer 0 kernels of the 60 output channels occupy 60 words of processor 0
  // only; layer 1 reads 60 channels, so processors 0..59 get kernel blocks.
  size_t kernel_blocks = 0;
  for (size_t p = text.find("kernels: processor"); p != std::string::npos; p = text.find("kernels: processor", p + 1)) {
    ++kernel_blocks;
  }
  EXPECT_GE(kernel_blocks, 60U);
}

TEST(Explain, Demo87MnistPollsAndKernels) {
  const std::string text = explain_case("demo87-mnist");
  EXPECT_TRUE(has_line(text, "wait until q0 TEST.zerodone = 1  (R32 0x5100000c & 0x02000000 == 0x02000000)"));
  EXPECT_TRUE(has_line(text, "wait until GCR IPLL_CTRL & 0x2 = 0x2"));
  // Column 5060 = the top of the 5120-word memory (MCNT2 = 5060 x 8).
  EXPECT_TRUE(has_line(text, "kernels: processor 0 (q0 p0), words 5060..5119 (mexpress, 135 32-bit writes)"));
  EXPECT_TRUE(has_line(text, "input: memory 0 (q0 instance 0) bytes 0x0000..0x030f, 196 words at 0x51800000"));
  EXPECT_TRUE(has_line(text, "OCHAN       0x52100040  0x0000003b  ochan=59"));
}

TEST(Explain, HandTraceFifoSystemAndUnknown) {
  const std::string src =
      "# device: MAX78000\n"
      "# load_input\n"
      "R32 0x50000004 0x00000001 0x00000000\n"
      "W32 0x50000008 0x00010203\n"
      "R32 0x50000004 0x00000001 0x00000000\n"
      "W32 0x50000008 0x00040506\n"
      "W32 0x5000000c 0x00000007\n"
      "W32 0x40000018 0x00010000\n"
      "W32 0x5ff00000 0x00000001\n"
      "W32 0x50108010 0x00000005\n"
      "W32 0x50108014 0x00000006\n"
      "W32 0x50400100 0x00000001\n"
      "W32 0x50400104 0x00000002\n"
      "W32 0x50408000 0x00000003\n"
      "W32 0x50100790 0x00022000\n"
      "WAIT_IRQ\n";
  const io::Trace trace = io::parse_trace(src, "hand.txt");
  const std::string text = explain_trace(max78000(), trace);
  EXPECT_TRUE(has_line(text, "FIFO 0: 2 words (2 waits until FIFO_STAT.full0 = 0)")) << text;
  EXPECT_TRUE(has_line(text, "FIFO 1: 1 words"));
  EXPECT_TRUE(has_line(text, "system register GCR PCLKDIV  0x40000018 = 0x00010000"));
  EXPECT_TRUE(has_line(text, "unknown address 0x5ff00000 = 0x00000001"));
  EXPECT_TRUE(has_line(text, "bias: q0 entries 4..5 (2 32-bit writes)"));
  EXPECT_TRUE(has_line(text, "input: memory 0 (q0 instance 0) bytes 0x0100..0x0107, 2 words"));
  EXPECT_TRUE(has_line(text, "input: memory 1 (q0 instance 1) bytes 0x0000..0x0003, 1 words"));
  EXPECT_TRUE(has_line(text, "L0 q0    POST        0x50100790  0x00022000  scale_shift=1 scale_dir  -> shift >> 1"));
  // The unknown address is reported on its line and the rest still explains.
  EXPECT_LT(text.find("unknown address"), text.find("bias: q0"));

  ExplainOptions verbose;
  verbose.field_meanings = true;
  verbose.show_addresses = false;
  const std::string v = explain_trace(max78000(), trace, verbose);
  EXPECT_TRUE(has_line(v, "scale_dir     [17]    = 1       shift direction (1 = right)")) << v;
  EXPECT_FALSE(has_line(v, "0x50100790"));
}

TEST(Explain, Max78002StreamSnoopAndReservedRegisters) {
  const std::string src =
      "# cnn_configure\n"
      "W32 0x51108004 0x00000010\n"   // STRM0 of stream 1
      "W32 0x51108060 0x00000310\n"   // IFRM
      "W32 0x51108064 0x00000000\n"   // reserved slot after IFRM
      "W32 0x51108080 0x00200400\n"   // SNP1_A1
      "W32 0x511080dc 0x00000000\n"   // SNP2_AM
      "W32 0x51100000 0x00000180\n";  // L0 NXTLYR
  const std::string text = explain_trace(max78002(), io::parse_trace(src, "hand87.txt"));
  EXPECT_TRUE(has_line(text, "L1 q0    STRM0       0x51108004  0x00000010  strm_isval=16")) << text;
  EXPECT_TRUE(has_line(text, "q0       IFRM        0x51108060  0x00000310  ifrm=784"));
  EXPECT_TRUE(has_line(text, "q0       +0x108064   0x51108064  0x00000000  reserved register"));
  EXPECT_TRUE(has_line(text, "q0       SNP1_A1     0x51108080  0x00200400  snoop"));
  EXPECT_TRUE(has_line(text, "q0       SNP2_AM     0x511080dc"));
  EXPECT_TRUE(has_line(text, "L0 q0    NXTLYR      0x51100000  0x00000180  link_en stop  -> stop after this layer"));
}

// ---- cnn.c extraction ----

constexpr const char* kSnippet = R"(// t
#include "cnn.h"
void CNN_ISR(void)
{
  // Acknowledge interrupt to all quadrants
  *((volatile uint32_t *) 0x50100000) &= ~((1<<12) | 1);
}

static const uint32_t kernels[] = KERNELS;
static const uint32_t table[] = { 1, 2, 3 };

int cnn_load_weights(void)
{
  uint32_t len;
  volatile uint32_t *addr;
  const uint32_t *ptr = kernels;

  while ((addr = (volatile uint32_t *) *ptr++) != 0) {
    *((volatile uint8_t *) ((uint32_t) addr | 1)) = 0x01; // Set address
    len = *ptr++;
    while (len-- > 0)
      *addr++ = *ptr++;
  }

  return CNN_OK;
}

int cnn_load_bias(void)
{
  memcpy_8to32((uint32_t *) 0x50108000, bias_0, sizeof(uint8_t) * 10);

  return CNN_OK;
}

int cnn_init(void)
{
  /* *((volatile uint32_t *) 0x50100000) = 0x11111111; not code */
  *((volatile uint32_t *) 0x50001000) = 0x00000000; // AON control
  *((volatile uint32_t *) 0x50100000) = 0x00100008; // Stop SM
#ifdef SOMETHING
  *((volatile uint32_t *) 0x50100004) =
      0x0000040e; // SRAM control, split over two lines
#endif
  while ((*((volatile uint32_t *) 0x5010000c) & 0x2000000) != 0x2000000); // Wait for clear
  *((volatile uint8_t *) 0x50180001) = 0x01; // Set address
  MXC_GCFR->reg3 = 0xf; // Reset
  for (i = 0; i < 4; i++) {
    *((volatile uint32_t *) 0x50000008) = 0x00000001; // in a loop: not expanded
  }
  *((volatile uint32_t *) 0x50000008) = *in0++;

  return CNN_OK;
}
)";

TEST(CnnC, ExtractsLiteralWritesInSourceOrder) {
  const io::CnnCExtract x = io::extract_cnn_c(kSnippet, "cnn.c");
  using K = io::BusOp::Kind;
  std::vector<std::string> ops;
  for (const auto& op : x.trace.ops) {
    std::ostringstream s;
    if (op.kind == K::Phase) s << "# " << op.phase << " @" << op.line;
    if (op.kind == K::Write)
      s << "W" << int(op.width) << " " << std::hex << op.address << " " << op.value << std::dec << " @" << op.line;
    if (op.kind == K::Poll)
      s << "R " << std::hex << op.address << " " << op.mask << " " << op.value << std::dec << " @" << op.line;
    ops.push_back(s.str());
  }
  const std::vector<std::string> want = {
      "# CNN_ISR @3",       "# cnn_load_weights @12",  "# cnn_load_bias @28",  "# cnn_init @35",
      "W32 50001000 0 @38", "W32 50100000 100008 @39", "W32 50100004 40e @41", "R 5010000c 2000000 2000000 @44",
      "W8 50180001 1 @45",
  };
  EXPECT_EQ(ops, want);

  std::vector<std::string> notes;
  for (const auto& n : x.notes) notes.push_back(std::to_string(n.line) + " " + n.function + ": " + n.reason);
  const std::vector<std::string> want_notes = {
      "6 CNN_ISR: read-modify-write, not expanded",
      "18 cnn_load_weights: loop not expanded",
      "30 cnn_load_bias: block copy not expanded",
      "46 cnn_init: system register write through a struct, not expanded",
      "47 cnn_init: loop not expanded",
      "50 cnn_init: value is computed at run time, not expanded",
  };
  EXPECT_EQ(notes, want_notes);
  EXPECT_EQ(x.notes[2].statement, "memcpy_8to32((uint32_t *) 0x50108000, bias_0, sizeof(uint8_t) * 10)");
  EXPECT_EQ(io::trace_from_cnn_c(kSnippet, "cnn.c").ops.size(), x.trace.ops.size());
}

TEST(CnnC, ExplainsWithNotes) {
  const std::string text = explain_cnn_c(max78000(), kSnippet, "cnn.c");
  EXPECT_TRUE(has_line(text,
                       "note (line 30): memcpy_8to32((uint32_t *) 0x50108000, bias_0, sizeof(uint8_t) * 10)  -- block "
                       "copy not expanded"))
      << text;
  EXPECT_TRUE(has_line(text, "q0       CTRL        0x50100000  0x00100008  clk_en mexpress"));
  EXPECT_TRUE(has_line(text, "wait until q0 TEST.ballzdone = 1  (R32 0x5010000c & 0x02000000 == 0x02000000)"));
  // The write inside a comment is not code; the one inside a loop is not expanded.
  EXPECT_FALSE(has_line(text, "0x11111111"));
  EXPECT_FALSE(has_line(text, "0x00000001  "));
  EXPECT_TRUE(has_line(text, "kernels: processor 0 (q0 p0), address counter set to word 0 (mexpress)"));
  // Notes appear under their function's phase, in source order.
  EXPECT_LT(text.find("# cnn_load_bias"), text.find("note (line 30)"));
  EXPECT_LT(text.find("note (line 30)"), text.find("# cnn_init"));
}

TEST(CnnC, BadInputIsAnError) {
  EXPECT_THROW(io::extract_cnn_c("int f(void)\n{\n  x = 1;\n", "bad.c"), Error);
  EXPECT_THROW(io::extract_cnn_c("int f(void)\n{\n}\n}\n", "bad.c"), Error);
  try {
    io::extract_cnn_c("int f(void)\n{\n  *((volatile uint32_t *) 0x150100000) = 1;\n}\n", "big.c");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().file, "big.c");
    EXPECT_EQ(e.context().key, "line 3");
  }
  EXPECT_TRUE(io::extract_cnn_c("", "empty.c").trace.ops.empty());
}

}  // namespace
}  // namespace ai8x
