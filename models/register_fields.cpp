#include "register_fields.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

namespace ai8x {
namespace {

using F = RegisterField;

// One field on both devices: where it sits on each (width 0: the device does
// not have it). The two devices share most fields, so each is listed once.
struct Row {
  std::string_view name;
  uint8_t lsb85 = 0;
  uint8_t width85 = 0;
  uint8_t lsb87 = 0;
  uint8_t width87 = 0;
  std::string_view meaning;
};

constexpr Row both(std::string_view n, uint8_t lsb, uint8_t width, std::string_view m) {
  return {n, lsb, width, lsb, width, m};
}
constexpr Row widths(std::string_view n, uint8_t lsb, uint8_t width85, uint8_t width87, std::string_view m) {
  return {n, lsb, width85, lsb, width87, m};
}
constexpr Row moved(std::string_view n, uint8_t lsb85, uint8_t width85, uint8_t lsb87, uint8_t width87,
                    std::string_view m) {
  return {n, lsb85, width85, lsb87, width87, m};
}
constexpr Row only85(std::string_view n, uint8_t lsb, uint8_t width, std::string_view m) {
  return {n, lsb, width, 0, 0, m};
}
constexpr Row only87(std::string_view n, uint8_t lsb, uint8_t width, std::string_view m) {
  return {n, 0, 0, lsb, width, m};
}

// ---- Global (per-quadrant) registers, hw-facts §3.1 ----

// MAX78002: bit 5 disables the pipeline, bit 6 marks a streaming CHW first
// layer and bit 30 selects binary (+1/-1) weights (the generator's usage).
constexpr Row kCtrl[] = {
    both("cnn_en", 0, 1, "enable; a 0->1 edge starts processing"),
    both("rdy_sel", 1, 2, "APB wait states"),
    both("clk_en", 3, 1, "clock enable"),
    both("ext_rdy", 4, 1, "calcmax / external ready"),
    only85("pool_en", 5, 1, "pool enable (user guide)"),
    only87("pipeline_dis", 5, 1, "pipeline disable"),
    only85("bigdata", 6, 1, "big data (user guide)"),
    only87("stream_chw", 6, 1, "streaming with a CHW first layer"),
    both("apbclk_en", 7, 1, "APB clock always on (snoop loop)"),
    both("oneshot", 8, 1, "one-shot: stop after each layer"),
    both("sync_master", 9, 2, "index of the master quadrant"),
    both("ext_sync", 11, 1, "start in sync with the master quadrant"),
    both("cnn_irq", 12, 1, "completion interrupt flag (cleared by software)"),
    both("poolrnd", 13, 1, "average-pool rounding"),
    both("stream_en", 14, 1, "streaming mode"),
    both("fifo_en", 15, 1, "input from a FIFO"),
    both("mlat_ld", 16, 1, "load the mlator read pointer"),
    both("mlatch_sel", 17, 2, "mlator channel select"),
    both("lilbuf", 19, 1, "little buffer (FIFO + streaming)"),
    both("mexpress", 20, 1, "packed (express) kernel loading"),
    both("simple1b", 21, 1, "simple 1-bit mode"),
    both("ffifo_en", 22, 1, "fast FIFO enable"),
    both("fifogrp", 23, 1, "FIFO group mode"),
    both("fclk_dly", 24, 6, "FIFO clock delay"),
    only85("timeshft", 30, 1, "time shift"),
    only87("binary", 30, 1, "binary +1/-1 weights"),
    both("qupac", 31, 1, "fast-FIFO quad mode"),
};

// Memory timing/power controls (the generator always writes 0x40e).
constexpr Row kSram[] = {
    both("extacc", 0, 1, "extended SRAM access time"),
    both("rmargin_en", 1, 1, "use the read margin field"),
    both("rmargin", 2, 4, "read margin (3 = fastest)"),
    both("ra", 6, 2, "read assist voltage"),
    both("wneg_vol", 8, 2, "write negative voltage level"),
    both("wneg_en", 10, 1, "write negative voltage enable"),
    both("wpulse", 11, 3, "write pulse width"),
    both("ds", 15, 1, "memories in deep sleep"),
    both("pd", 16, 1, "memories powered down"),
    both("lsdram", 19, 1, "data RAM light sleep"),
    both("lsmram", 20, 1, "kernel RAM light sleep"),
    both("lstram", 21, 1, "TRAM light sleep"),
    both("lsbram", 22, 1, "bias RAM light sleep"),
};

constexpr Row kLcnt[] = {
    widths("lcnt_max", 0, 5, 7, "index of the last layer"),
    only87("start_layer", 8, 7, "index of the first layer"),
};

// MAX78002 (the generator's constants): bits 10..13 select the memories, bit
// 7 zeroes them ("clear registers" = 0x1c80), bit 25 reports the clear done.
constexpr Row kTest[] = {
    both("sbistrun", 0, 1, "run data SRAM BIST"),
    only85("sramz", 1, 1, "zero the data SRAM"),
    both("mbistrun", 2, 1, "run kernel RAM BIST"),
    only85("mramz", 3, 1, "zero the kernel RAM"),
    both("tbistrun", 4, 1, "run TRAM BIST"),
    only85("tramz", 5, 1, "zero the TRAM"),
    both("bbistrun", 6, 1, "run bias RAM BIST"),
    only85("bramz", 7, 1, "zero the bias RAM"),
    only87("zero", 7, 1, "zero the selected memories"),
    only85("bistsel", 8, 6, "BIST controller status select"),
    only87("mem_sel", 10, 4, "memory select (data 4, mask 8, TRAM 12, clear 6/7)"),
    both("sallbfail", 14, 1, "data SRAM BIST failed"),
    both("mallbfail", 15, 1, "kernel RAM BIST failed"),
    both("tallbfail", 16, 1, "TRAM BIST failed"),
    both("ballbfail", 17, 1, "bias RAM BIST failed"),
    both("sallbdone", 18, 1, "data SRAM BIST done"),
    both("mallbdone", 19, 1, "kernel RAM BIST done"),
    both("tallbdone", 20, 1, "TRAM BIST done"),
    both("ballbdone", 21, 1, "bias RAM BIST done"),
    only85("sallzdone", 22, 1, "data SRAM zeroed"),
    only85("mallzdone", 23, 1, "kernel RAM zeroed"),
    only85("tallzdone", 24, 1, "TRAM zeroed"),
    only85("ballzdone", 25, 1, "bias RAM zeroed"),
    only87("zerodone", 25, 1, "clear complete"),
    only85("bistfail", 26, 1, "a BIST failed"),
    only85("bistdone", 27, 1, "BIST complete"),
    only85("zerodone", 28, 1, "zeroization complete"),
};

constexpr Row kIfrm[] = {
    widths("ifrm", 0, 20, 22, "input frame size in FIFO words"),
};

constexpr Row kMlat[] = {
    both("mlatdat", 0, 32, "packed channel data (read only)"),
};

// ---- Per-layer registers, hw-facts §3.2 ----

constexpr Row kNxtlyr[] = {
    only87("next", 0, 7, "next layer"),
    only87("link_en", 7, 1, "follow the next-layer pointer"),
    only87("stop", 8, 1, "stop after this layer"),
};

constexpr Row kRcnt[] = {
    only85("rcnt_max", 0, 10, "rows - 1 + 2*pad"), only87("stop", 0, 11, "stop row (0-based last pooling start)"),
    only87("pad_cnt", 13, 2, "pad - 1"),           only87("pad_en", 15, 1, "padding enabled"),
    only85("pad", 16, 2, "padding rows"),          only87("diff", 16, 16, "bytes to the next start element"),
};

constexpr Row kCcnt[] = {
    only85("ccnt_max", 0, 10, "columns - 1 + 2*pad"),
    only87("stop", 0, 11, "stop column (0-based last pooling start)"),
    only87("pad_cnt", 13, 2, "pad - 1"),
    only87("pad_en", 15, 1, "padding enabled"),
    only85("pad", 16, 2, "padding columns"),
    only87("diff", 16, 16, "elements to the next start"),
};

constexpr Row kOned[] = {
    both("tscnt_max", 0, 4, "timeslots - 1"),
    both("oned_sad", 4, 4, "start byte in the 9-byte kernel word"),
    both("oned_width", 8, 4, "1D kernel length (1 for 1x1)"),
    both("oned_en", 12, 1, "Conv1d"),
    both("ewise_en", 13, 1, "element-wise operation"),
    both("ewise_func", 14, 2, "0 sub, 1 add, 2 or, 3 xor"),
    both("prepool", 16, 1, "pool before the element-wise op"),
    both("ewise_conv", 17, 1, "convolution after the element-wise op"),
    both("ewise_cnt", 18, 4, "operands - 1"),
};

constexpr Row kPcnt[] = {
    both("pcnt_max", 0, 4, "(pool - 1) * pool dilation"),
    only87("pool_dil", 4, 4, "pool dilation - 1"),
};

constexpr Row kStride[] = {
    both("stride", 0, 4, "pool stride - 1 (or conv stride - 1)"),
    only87("mp_stride", 4, 28, "multi-pass stride: stride*operands*passes*(read_gap+1)"),
};

constexpr Row kWptrBase[] = {
    widths("wptr_off", 0, 13, 15, "output word offset"),
    moved("wptr_mem", 13, 4, 15, 6, "target data memory (first output processor / 4)"),
};

constexpr Row kToff[] = {
    widths("toff", 0, 17, 21, "write pointer timeslot offset"),
};

constexpr Row kMoff[] = {
    widths("moff", 0, 17, 21, "write pointer mask offset (next memory)"),
};

constexpr Row kChoff[] = {
    widths("choff", 0, 17, 21, "multi-pass output channel offset"),
};

constexpr Row kRptr[] = {
    widths("rptr", 0, 17, 21, "input word offset in each memory"),
};

constexpr Row kLctrl0[] = {
    both("sslave", 0, 4, "slave select"),
    both("mslave", 4, 1, "master slave"),
    both("master", 5, 1, "master (always set)"),
    both("parallel", 6, 1, "CHW (big data) input"),
    both("pool_en", 7, 1, "pooling"),
    both("maxpl_en", 8, 1, "max pooling (set unless average)"),
    both("relu", 9, 1, "ReLU activation"),
    both("cpad_only", 10, 1, "column padding only"),
    both("sramlsrc", 11, 1, "global write bus"),
    both("cnnsi_en", 12, 4, "sum inputs from these quadrants"),
    both("bigdwrt", 16, 1, "32-bit output"),
    only87("rd_ahead", 17, 1, "read ahead"),
    only87("cprime", 18, 4, "kernel columns - 1"),
    only87("rprime", 22, 4, "kernel rows - 1"),
    only87("shift_cnt", 26, 3, "read-ahead shift count"),
    only87("dw_broadcast", 29, 1, "depthwise broadcast"),
    only87("bypass", 30, 1, "kernel bypass"),
};

constexpr Row kLctrl1[] = {
    both("inpchexp", 0, 4, "input passes - 1 (flatten: low bits of the count)"),
    widths("wptr_inc", 4, 4, 8, "out passes * (write_gap + 1) - 1"),
    moved("xpch_max", 8, 9, 12, 9, "output processor span * weight bits"),
};

constexpr Row kMcnt[] = {
    only85("mcnt_max", 0, 16, "last kernel slot (8 per kernel)"),
    only85("mcnt_sad", 16, 16, "first kernel slot (8 per kernel)"),
};

constexpr Row kMcnt1[] = {
    only87("mcnt_max", 0, 19, "last kernel slot (8 per kernel)"),
};

constexpr Row kMcnt2[] = {
    only87("mcnt_sad", 0, 19, "first kernel slot (8 per kernel)"),
};

constexpr Row kOchan[] = {
    only87("ochan", 0, 16, "output channels - 1"),
};

constexpr Row kTptr[] = {
    widths("tptr_max", 0, 12, 14, "TRAM pointer max"),
    widths("tptr_sad", 16, 12, 14, "TRAM pointer start"),
};

constexpr Row kEna[] = {
    both("proc_en", 0, 16, "processors enabled in this quadrant"),
    both("mask_en", 16, 16, "kernel masks enabled"),
};

constexpr Row kPost[] = {
    both("bptr_sad", 0, 12, "first bias entry"),
    both("bptr_en", 12, 1, "bias enabled"),
    both("scale_shift", 13, 4, "output shift magnitude"),
    both("scale_dir", 17, 1, "shift direction (1 = right)"),
    both("xpmp_cnt", 18, 4, "flatten count bits 7:4"),
    both("mask_size", 22, 2, "weight bits: 0 8-bit, 1 1-bit, 2 2-bit, 3 4-bit"),
    both("ts_en", 24, 1, "timeslot enable"),
    both("onexone_en", 25, 1, "1x1 / pass-through"),
    both("abs", 26, 1, "Abs activation"),
    both("flatten_en", 27, 1, "flatten"),
    both("deconv_en", 28, 1, "ConvTranspose2d"),
    only87("calcx4", 29, 1, "kernels spread over 4 instances"),
    only87("dw_en", 30, 1, "depthwise"),
    only87("tcalc", 31, 1, "tcalc"),
};

constexpr Row kStrm0[] = {
    widths("strm_isval", 0, 14, 15, "stream start count (prefill)"),
    only87("fifo_go", 25, 1, "start from the FIFO"),
};

constexpr Row kStrm1[] = {
    both("strm_invol", 0, 4, "input volume offset"),
    both("strm_dsval1", 4, 5, "in-row delta count"),
    widths("strm_dsval2", 16, 12, 14, "row-crossing delta count"),
};

constexpr Row kFbuf[] = {
    widths("fbuf_max", 0, 17, 18, "circular input buffer length"),
};

bool is87(const Device& d) {
  return d.izer_number == 87;
}

// The fields of one device, lowest bit first; built once per table.
template <const auto& Rows>
std::span<const F> table(const Device& d) {
  static const std::array<std::vector<F>, 2> built = [] {
    std::array<std::vector<F>, 2> t;
    for (const Row& r : Rows) {
      if (r.width85 > 0) t[0].push_back({r.name, r.lsb85, r.width85, r.meaning});
      if (r.width87 > 0) t[1].push_back({r.name, r.lsb87, r.width87, r.meaning});
    }
    for (auto& v : t) std::stable_sort(v.begin(), v.end(), [](const F& a, const F& b) { return a.lsb < b.lsb; });
    return t;
  }();
  return built[is87(d) ? 1 : 0];
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
    case GlobalRegister::Ctrl: return table<kCtrl>(d);
    case GlobalRegister::Sram: return table<kSram>(d);
    case GlobalRegister::LcntMax: return table<kLcnt>(d);
    case GlobalRegister::Test: return table<kTest>(d);
    case GlobalRegister::Ifrm: return table<kIfrm>(d);
    case GlobalRegister::Mlat: return table<kMlat>(d);
  }
  return {};
}

std::span<const RegisterField> fields(const Device& d, LayerRegister reg) {
  using R = LayerRegister;
  switch (reg) {
    case R::Nxtlyr: return table<kNxtlyr>(d);
    case R::Rcnt: return table<kRcnt>(d);
    case R::Ccnt: return table<kCcnt>(d);
    case R::Oned: return table<kOned>(d);
    case R::Prcnt:
    case R::Pccnt: return table<kPcnt>(d);
    case R::Stride: return table<kStride>(d);
    case R::WptrBase: return table<kWptrBase>(d);
    case R::WptrToff: return table<kToff>(d);
    case R::WptrMoff: return table<kMoff>(d);
    case R::WptrChoff: return table<kChoff>(d);
    case R::RptrBase: return table<kRptr>(d);
    case R::Lctrl0: return table<kLctrl0>(d);
    case R::Lctrl1: return table<kLctrl1>(d);
    case R::Mcnt: return table<kMcnt>(d);
    case R::Mcnt1: return table<kMcnt1>(d);
    case R::Mcnt2: return table<kMcnt2>(d);
    case R::Ochan: return table<kOchan>(d);
    case R::Tptr: return table<kTptr>(d);
    case R::Ena: return table<kEna>(d);
    case R::Post: return table<kPost>(d);
    case R::Strm0: return table<kStrm0>(d);
    case R::Strm1: return table<kStrm1>(d);
    case R::Fbuf: return table<kFbuf>(d);
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
