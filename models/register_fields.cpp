#include "register_fields.hpp"

#include <cstdio>

namespace ai8x {
namespace {

using F = RegisterField;

// ---- Global (per-quadrant) registers, hw-facts §3.1 ----

constexpr F kCtrl85[] = {
    {"cnn_en", 0, 1, "enable; a 0->1 edge starts processing"},
    {"rdy_sel", 1, 2, "APB wait states"},
    {"clk_en", 3, 1, "clock enable"},
    {"ext_rdy", 4, 1, "calcmax / external ready"},
    {"pool_en", 5, 1, "pool enable (user guide)"},
    {"bigdata", 6, 1, "big data (user guide)"},
    {"apbclk_en", 7, 1, "APB clock always on (snoop loop)"},
    {"oneshot", 8, 1, "one-shot: stop after each layer"},
    {"sync_master", 9, 2, "index of the master quadrant"},
    {"ext_sync", 11, 1, "start in sync with the master quadrant"},
    {"cnn_irq", 12, 1, "completion interrupt flag (cleared by software)"},
    {"poolrnd", 13, 1, "average-pool rounding"},
    {"stream_en", 14, 1, "streaming mode"},
    {"fifo_en", 15, 1, "input from a FIFO"},
    {"mlat_ld", 16, 1, "load the mlator read pointer"},
    {"mlatch_sel", 17, 2, "mlator channel select"},
    {"lilbuf", 19, 1, "little buffer (FIFO + streaming)"},
    {"mexpress", 20, 1, "packed (express) kernel loading"},
    {"simple1b", 21, 1, "simple 1-bit mode"},
    {"ffifo_en", 22, 1, "fast FIFO enable"},
    {"fifogrp", 23, 1, "FIFO group mode"},
    {"fclk_dly", 24, 6, "FIFO clock delay"},
    {"timeshft", 30, 1, "time shift"},
    {"qupac", 31, 1, "fast-FIFO quad mode"},
};

// MAX78002: bit 5 disables the pipeline, bit 6 marks a streaming CHW first
// layer and bit 30 selects binary (+1/-1) weights (the generator's usage).
constexpr F kCtrl87[] = {
    {"cnn_en", 0, 1, "enable; a 0->1 edge starts processing"},
    {"rdy_sel", 1, 2, "APB wait states"},
    {"clk_en", 3, 1, "clock enable"},
    {"ext_rdy", 4, 1, "calcmax / external ready"},
    {"pipeline_dis", 5, 1, "pipeline disable"},
    {"stream_chw", 6, 1, "streaming with a CHW first layer"},
    {"apbclk_en", 7, 1, "APB clock always on (snoop loop)"},
    {"oneshot", 8, 1, "one-shot: stop after each layer"},
    {"sync_master", 9, 2, "index of the master quadrant"},
    {"ext_sync", 11, 1, "start in sync with the master quadrant"},
    {"cnn_irq", 12, 1, "completion interrupt flag (cleared by software)"},
    {"poolrnd", 13, 1, "average-pool rounding"},
    {"stream_en", 14, 1, "streaming mode"},
    {"fifo_en", 15, 1, "input from a FIFO"},
    {"mlat_ld", 16, 1, "load the mlator read pointer"},
    {"mlatch_sel", 17, 2, "mlator channel select"},
    {"lilbuf", 19, 1, "little buffer (FIFO + streaming)"},
    {"mexpress", 20, 1, "packed (express) kernel loading"},
    {"simple1b", 21, 1, "simple 1-bit mode"},
    {"ffifo_en", 22, 1, "fast FIFO enable"},
    {"fifogrp", 23, 1, "FIFO group mode"},
    {"fclk_dly", 24, 6, "FIFO clock delay"},
    {"binary", 30, 1, "binary +1/-1 weights"},
    {"qupac", 31, 1, "fast-FIFO quad mode"},
};

// Memory timing/power controls (the generator always writes 0x40e).
constexpr F kSram[] = {
    {"extacc", 0, 1, "extended SRAM access time"},
    {"rmargin_en", 1, 1, "use the read margin field"},
    {"rmargin", 2, 4, "read margin (3 = fastest)"},
    {"ra", 6, 2, "read assist voltage"},
    {"wneg_vol", 8, 2, "write negative voltage level"},
    {"wneg_en", 10, 1, "write negative voltage enable"},
    {"wpulse", 11, 3, "write pulse width"},
    {"ds", 15, 1, "memories in deep sleep"},
    {"pd", 16, 1, "memories powered down"},
    {"lsdram", 19, 1, "data RAM light sleep"},
    {"lsmram", 20, 1, "kernel RAM light sleep"},
    {"lstram", 21, 1, "TRAM light sleep"},
    {"lsbram", 22, 1, "bias RAM light sleep"},
};

constexpr F kLcnt85[] = {
    {"lcnt_max", 0, 5, "index of the last layer"},
};
constexpr F kLcnt87[] = {
    {"lcnt_max", 0, 7, "index of the last layer"},
    {"start_layer", 8, 7, "index of the first layer"},
};

constexpr F kTest85[] = {
    {"sbistrun", 0, 1, "run data SRAM BIST"},
    {"sramz", 1, 1, "zero the data SRAM"},
    {"mbistrun", 2, 1, "run kernel RAM BIST"},
    {"mramz", 3, 1, "zero the kernel RAM"},
    {"tbistrun", 4, 1, "run TRAM BIST"},
    {"tramz", 5, 1, "zero the TRAM"},
    {"bbistrun", 6, 1, "run bias RAM BIST"},
    {"bramz", 7, 1, "zero the bias RAM"},
    {"bistsel", 8, 6, "BIST controller status select"},
    {"sallbfail", 14, 1, "data SRAM BIST failed"},
    {"mallbfail", 15, 1, "kernel RAM BIST failed"},
    {"tallbfail", 16, 1, "TRAM BIST failed"},
    {"ballbfail", 17, 1, "bias RAM BIST failed"},
    {"sallbdone", 18, 1, "data SRAM BIST done"},
    {"mallbdone", 19, 1, "kernel RAM BIST done"},
    {"tallbdone", 20, 1, "TRAM BIST done"},
    {"ballbdone", 21, 1, "bias RAM BIST done"},
    {"sallzdone", 22, 1, "data SRAM zeroed"},
    {"mallzdone", 23, 1, "kernel RAM zeroed"},
    {"tallzdone", 24, 1, "TRAM zeroed"},
    {"ballzdone", 25, 1, "bias RAM zeroed"},
    {"bistfail", 26, 1, "a BIST failed"},
    {"bistdone", 27, 1, "BIST complete"},
    {"zerodone", 28, 1, "zeroization complete"},
};

// MAX78002 (the generator's constants): bits 10..13 select the memories, bit
// 7 zeroes them ("clear registers" = 0x1c80), bit 25 reports the clear done.
constexpr F kTest87[] = {
    {"sbistrun", 0, 1, "run data SRAM BIST"},
    {"mbistrun", 2, 1, "run kernel RAM BIST"},
    {"tbistrun", 4, 1, "run TRAM BIST"},
    {"bbistrun", 6, 1, "run bias RAM BIST"},
    {"zero", 7, 1, "zero the selected memories"},
    {"mem_sel", 10, 4, "memory select (data 4, mask 8, TRAM 12, clear 6/7)"},
    {"sallbfail", 14, 1, "data SRAM BIST failed"},
    {"mallbfail", 15, 1, "kernel RAM BIST failed"},
    {"tallbfail", 16, 1, "TRAM BIST failed"},
    {"ballbfail", 17, 1, "bias RAM BIST failed"},
    {"sallbdone", 18, 1, "data SRAM BIST done"},
    {"mallbdone", 19, 1, "kernel RAM BIST done"},
    {"tallbdone", 20, 1, "TRAM BIST done"},
    {"ballbdone", 21, 1, "bias RAM BIST done"},
    {"zerodone", 25, 1, "clear complete"},
};

constexpr F kIfrm85[] = {{"ifrm", 0, 20, "input frame size in FIFO words"}};
constexpr F kIfrm87[] = {{"ifrm", 0, 22, "input frame size in FIFO words"}};
constexpr F kMlat[] = {{"mlatdat", 0, 32, "packed channel data (read only)"}};

// ---- Per-layer registers, hw-facts §3.2 ----

constexpr F kNxtlyr87[] = {
    {"next", 0, 7, "next layer"},
    {"link_en", 7, 1, "follow the next-layer pointer"},
    {"stop", 8, 1, "stop after this layer"},
};

constexpr F kRcnt85[] = {
    {"rcnt_max", 0, 10, "rows - 1 + 2*pad"},
    {"pad", 16, 2, "padding rows"},
};
constexpr F kCcnt85[] = {
    {"ccnt_max", 0, 10, "columns - 1 + 2*pad"},
    {"pad", 16, 2, "padding columns"},
};
constexpr F kRcnt87[] = {
    {"stop", 0, 11, "stop row (0-based last pooling start)"},
    {"pad_cnt", 13, 2, "pad - 1"},
    {"pad_en", 15, 1, "padding enabled"},
    {"diff", 16, 16, "bytes to the next start element"},
};
constexpr F kCcnt87[] = {
    {"stop", 0, 11, "stop column (0-based last pooling start)"},
    {"pad_cnt", 13, 2, "pad - 1"},
    {"pad_en", 15, 1, "padding enabled"},
    {"diff", 16, 16, "elements to the next start"},
};

constexpr F kOned[] = {
    {"tscnt_max", 0, 4, "timeslots - 1"},
    {"oned_sad", 4, 4, "start byte in the 9-byte kernel word"},
    {"oned_width", 8, 4, "1D kernel length (1 for 1x1)"},
    {"oned_en", 12, 1, "Conv1d"},
    {"ewise_en", 13, 1, "element-wise operation"},
    {"ewise_func", 14, 2, "0 sub, 1 add, 2 or, 3 xor"},
    {"prepool", 16, 1, "pool before the element-wise op"},
    {"ewise_conv", 17, 1, "convolution after the element-wise op"},
    {"ewise_cnt", 18, 4, "operands - 1"},
};

constexpr F kPcnt85[] = {{"pcnt_max", 0, 4, "(pool - 1) * pool dilation"}};
constexpr F kPcnt87[] = {
    {"pcnt_max", 0, 4, "(pool - 1) * pool dilation"},
    {"pool_dil", 4, 4, "pool dilation - 1"},
};

constexpr F kStride85[] = {{"stride", 0, 4, "pool stride - 1 (or conv stride - 1)"}};
constexpr F kStride87[] = {
    {"stride", 0, 4, "pool stride - 1 (or conv stride - 1)"},
    {"mp_stride", 4, 28, "multi-pass stride: stride*operands*passes*(read_gap+1)"},
};

constexpr F kWptrBase85[] = {
    {"wptr_off", 0, 13, "output word offset"},
    {"wptr_mem", 13, 4, "target data memory (first output processor / 4)"},
};
constexpr F kWptrBase87[] = {
    {"wptr_off", 0, 15, "output word offset"},
    {"wptr_mem", 15, 6, "target data memory (first output processor / 4)"},
};
constexpr F kToff85[] = {{"toff", 0, 17, "write pointer timeslot offset"}};
constexpr F kToff87[] = {{"toff", 0, 21, "write pointer timeslot offset"}};
constexpr F kMoff85[] = {{"moff", 0, 17, "write pointer mask offset (next memory)"}};
constexpr F kMoff87[] = {{"moff", 0, 21, "write pointer mask offset (next memory)"}};
constexpr F kChoff85[] = {{"choff", 0, 17, "multi-pass output channel offset"}};
constexpr F kChoff87[] = {{"choff", 0, 21, "multi-pass output channel offset"}};
constexpr F kRptr85[] = {{"rptr", 0, 17, "input word offset in each memory"}};
constexpr F kRptr87[] = {{"rptr", 0, 21, "input word offset in each memory"}};

constexpr F kLctrl0_85[] = {
    {"sslave", 0, 4, "slave select"},
    {"mslave", 4, 1, "master slave"},
    {"master", 5, 1, "master (always set)"},
    {"parallel", 6, 1, "CHW (big data) input"},
    {"pool_en", 7, 1, "pooling"},
    {"maxpl_en", 8, 1, "max pooling (set unless average)"},
    {"relu", 9, 1, "ReLU activation"},
    {"cpad_only", 10, 1, "column padding only"},
    {"sramlsrc", 11, 1, "global write bus"},
    {"cnnsi_en", 12, 4, "sum inputs from these quadrants"},
    {"bigdwrt", 16, 1, "32-bit output"},
};
constexpr F kLctrl0_87[] = {
    {"sslave", 0, 4, "slave select"},
    {"mslave", 4, 1, "master slave"},
    {"master", 5, 1, "master (always set)"},
    {"parallel", 6, 1, "CHW (big data) input"},
    {"pool_en", 7, 1, "pooling"},
    {"maxpl_en", 8, 1, "max pooling (set unless average)"},
    {"relu", 9, 1, "ReLU activation"},
    {"cpad_only", 10, 1, "column padding only"},
    {"sramlsrc", 11, 1, "global write bus"},
    {"cnnsi_en", 12, 4, "sum inputs from these quadrants"},
    {"bigdwrt", 16, 1, "32-bit output"},
    {"rd_ahead", 17, 1, "read ahead"},
    {"cprime", 18, 4, "kernel columns - 1"},
    {"rprime", 22, 4, "kernel rows - 1"},
    {"shift_cnt", 26, 3, "read-ahead shift count"},
    {"dw_broadcast", 29, 1, "depthwise broadcast"},
    {"bypass", 30, 1, "kernel bypass"},
};

constexpr F kLctrl1_85[] = {
    {"inpchexp", 0, 4, "input passes - 1 (flatten: low bits of the count)"},
    {"wptr_inc", 4, 4, "out passes * (write_gap + 1) - 1"},
    {"xpch_max", 8, 9, "output processor span * weight bits"},
};
constexpr F kLctrl1_87[] = {
    {"inpchexp", 0, 4, "input passes - 1 (flatten: low bits of the count)"},
    {"wptr_inc", 4, 8, "out passes * (write_gap + 1) - 1"},
    {"xpch_max", 12, 9, "output processor span * weight bits"},
};

constexpr F kMcnt85[] = {
    {"mcnt_max", 0, 16, "last kernel slot (8 per kernel)"},
    {"mcnt_sad", 16, 16, "first kernel slot (8 per kernel)"},
};
constexpr F kMcnt1_87[] = {{"mcnt_max", 0, 19, "last kernel slot (8 per kernel)"}};
constexpr F kMcnt2_87[] = {{"mcnt_sad", 0, 19, "first kernel slot (8 per kernel)"}};
constexpr F kOchan87[] = {{"ochan", 0, 16, "output channels - 1"}};

constexpr F kTptr85[] = {
    {"tptr_max", 0, 12, "TRAM pointer max"},
    {"tptr_sad", 16, 12, "TRAM pointer start"},
};
constexpr F kTptr87[] = {
    {"tptr_max", 0, 14, "TRAM pointer max"},
    {"tptr_sad", 16, 14, "TRAM pointer start"},
};

constexpr F kEna[] = {
    {"proc_en", 0, 16, "processors enabled in this quadrant"},
    {"mask_en", 16, 16, "kernel masks enabled"},
};

constexpr F kPost85[] = {
    {"bptr_sad", 0, 12, "first bias entry"},
    {"bptr_en", 12, 1, "bias enabled"},
    {"scale_shift", 13, 4, "output shift magnitude"},
    {"scale_dir", 17, 1, "shift direction (1 = right)"},
    {"xpmp_cnt", 18, 4, "flatten count bits 7:4"},
    {"mask_size", 22, 2, "weight bits: 0 8-bit, 1 1-bit, 2 2-bit, 3 4-bit"},
    {"ts_en", 24, 1, "timeslot enable"},
    {"onexone_en", 25, 1, "1x1 / pass-through"},
    {"abs", 26, 1, "Abs activation"},
    {"flatten_en", 27, 1, "flatten"},
    {"deconv_en", 28, 1, "ConvTranspose2d"},
};
constexpr F kPost87[] = {
    {"bptr_sad", 0, 12, "first bias entry"},
    {"bptr_en", 12, 1, "bias enabled"},
    {"scale_shift", 13, 4, "output shift magnitude"},
    {"scale_dir", 17, 1, "shift direction (1 = right)"},
    {"xpmp_cnt", 18, 4, "flatten count bits 7:4"},
    {"mask_size", 22, 2, "weight bits: 0 8-bit, 1 1-bit, 2 2-bit, 3 4-bit"},
    {"ts_en", 24, 1, "timeslot enable"},
    {"onexone_en", 25, 1, "1x1 / pass-through"},
    {"abs", 26, 1, "Abs activation"},
    {"flatten_en", 27, 1, "flatten"},
    {"deconv_en", 28, 1, "ConvTranspose2d"},
    {"calcx4", 29, 1, "kernels spread over 4 instances"},
    {"dw_en", 30, 1, "depthwise"},
    {"tcalc", 31, 1, "tcalc"},
};

constexpr F kStrm0_85[] = {{"strm_isval", 0, 14, "stream start count (prefill)"}};
constexpr F kStrm0_87[] = {
    {"strm_isval", 0, 15, "stream start count (prefill)"},
    {"fifo_go", 25, 1, "start from the FIFO"},
};
constexpr F kStrm1_85[] = {
    {"strm_invol", 0, 4, "input volume offset"},
    {"strm_dsval1", 4, 5, "in-row delta count"},
    {"strm_dsval2", 16, 12, "row-crossing delta count"},
};
constexpr F kStrm1_87[] = {
    {"strm_invol", 0, 4, "input volume offset"},
    {"strm_dsval1", 4, 5, "in-row delta count"},
    {"strm_dsval2", 16, 14, "row-crossing delta count"},
};
constexpr F kFbuf85[] = {{"fbuf_max", 0, 17, "circular input buffer length"}};
constexpr F kFbuf87[] = {{"fbuf_max", 0, 18, "circular input buffer length"}};

bool is87(const Device& d) {
  return d.izer_number == 87;
}

template <size_t N85, size_t N87>
std::span<const F> pick(const Device& d, const F (&a)[N85], const F (&b)[N87]) {
  return is87(d) ? std::span<const F>(b) : std::span<const F>(a);
}

template <size_t N>
std::span<const F> only87(const Device& d, const F (&b)[N]) {
  return is87(d) ? std::span<const F>(b) : std::span<const F>();
}

template <size_t N>
std::span<const F> only85(const Device& d, const F (&a)[N]) {
  return is87(d) ? std::span<const F>() : std::span<const F>(a);
}

std::string number(uint32_t v) {
  char buf[16];
  if (v < 1024) {
    std::snprintf(buf, sizeof buf, "%u", v);
  } else {
    std::snprintf(buf, sizeof buf, "0x%x", v);
  }
  return buf;
}

}  // namespace

std::span<const RegisterField> fields(const Device& d, GlobalRegister reg) {
  switch (reg) {
    case GlobalRegister::Ctrl: return pick(d, kCtrl85, kCtrl87);
    case GlobalRegister::Sram: return kSram;
    case GlobalRegister::LcntMax: return pick(d, kLcnt85, kLcnt87);
    case GlobalRegister::Test: return pick(d, kTest85, kTest87);
    case GlobalRegister::Ifrm: return pick(d, kIfrm85, kIfrm87);
    case GlobalRegister::Mlat: return kMlat;
  }
  return {};
}

std::span<const RegisterField> fields(const Device& d, LayerRegister reg) {
  using R = LayerRegister;
  switch (reg) {
    case R::Nxtlyr: return only87(d, kNxtlyr87);
    case R::Rcnt: return pick(d, kRcnt85, kRcnt87);
    case R::Ccnt: return pick(d, kCcnt85, kCcnt87);
    case R::Oned: return kOned;
    case R::Prcnt:
    case R::Pccnt: return pick(d, kPcnt85, kPcnt87);
    case R::Stride: return pick(d, kStride85, kStride87);
    case R::WptrBase: return pick(d, kWptrBase85, kWptrBase87);
    case R::WptrToff: return pick(d, kToff85, kToff87);
    case R::WptrMoff: return pick(d, kMoff85, kMoff87);
    case R::WptrChoff: return pick(d, kChoff85, kChoff87);
    case R::RptrBase: return pick(d, kRptr85, kRptr87);
    case R::Lctrl0: return pick(d, kLctrl0_85, kLctrl0_87);
    case R::Lctrl1: return pick(d, kLctrl1_85, kLctrl1_87);
    case R::Mcnt: return only85(d, kMcnt85);
    case R::Mcnt1: return only87(d, kMcnt1_87);
    case R::Mcnt2: return only87(d, kMcnt2_87);
    case R::Ochan: return only87(d, kOchan87);
    case R::Tptr: return pick(d, kTptr85, kTptr87);
    case R::Ena: return kEna;
    case R::Post: return pick(d, kPost85, kPost87);
    case R::Strm0: return pick(d, kStrm0_85, kStrm0_87);
    case R::Strm1: return pick(d, kStrm1_85, kStrm1_87);
    case R::Fbuf: return pick(d, kFbuf85, kFbuf87);
  }
  return {};
}

const RegisterField* find_field(std::span<const RegisterField> table, std::string_view name) {
  for (const auto& f : table) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

DecodedFields decode_fields(std::span<const RegisterField> table, uint32_t value, bool all) {
  DecodedFields out;
  uint32_t covered = 0;
  for (const auto& f : table) {
    covered |= f.mask();
    const uint32_t v = f.extract(value);
    if (v != 0 || all) out.values.push_back({&f, v});
  }
  out.undocumented = value & ~covered;
  return out;
}

std::string format_fields(const DecodedFields& decoded) {
  std::string s;
  for (const auto& fv : decoded.values) {
    if (!s.empty()) s += ' ';
    s += fv.field->name;
    if (fv.field->width != 1 || fv.value != 1) s += "=" + number(fv.value);
  }
  if (decoded.undocumented != 0) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "undocumented=0x%x", decoded.undocumented);
    if (!s.empty()) s += ' ';
    s += buf;
  }
  return s;
}

}  // namespace ai8x
