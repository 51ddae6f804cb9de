// Cycle model of one accelerator layer, in terms of the counters the layer's
// registers program (hw-facts §3.2). docs/timing.md explains the model.
//
// The hardware walks the padded, pooled input frame row by row. At every
// position it fetches the pooling window of every pass (and element-wise
// operand) from data memory into the TRAM; once the kernel window is full,
// every output pixel takes one clock per output channel and input pass (the 64
// processors multiply-accumulate one output channel per clock).
#include "hw/timing.hpp"

#include <algorithm>

namespace ai8x::hw {
namespace {

// Register fields (hw-facts §3.2).
constexpr uint32_t field(uint32_t value, int low, int bits) {
  return (value >> low) & ((1U << bits) - 1U);
}
constexpr bool bit(uint32_t value, int b) {
  return ((value >> b) & 1U) != 0;
}

constexpr int kCtrlStreamEn = 14;
constexpr int kOnedTscnt = 0;      // [3:0] timeslots - 1
constexpr int kOnedSad = 4;        // [7:4] start byte in the 9-byte kernel word
constexpr int kOnedWidth = 8;      // [11:8] 1-D kernel length (1 for 1×1)
constexpr int kOnedEnable = 12;    // Conv1d
constexpr int kOnedEwise = 13;     // element-wise enable
constexpr int kOnedPrepool = 16;   // pool before the element-wise operation
constexpr int kOnedEwiseCnt = 18;  // [21:18] operands - 1
constexpr int kPostXpmp = 18;      // [21:18] flatten count bits 7:4
constexpr int kPostMaskSize = 22;  // [23:22] weight width
constexpr int kPostTsEn = 24;
constexpr int kPostFlatten = 27;
constexpr int kPostDeconv = 28;
constexpr int kPostCalcx4 = 29;     // MAX78002
constexpr int kPostDepthwise = 30;  // MAX78002

// Data cycles per clock phase of the estimator's counter model: one data
// memory read, one TRAM write, one output write state.
constexpr int64_t kRead = 1;
constexpr int64_t kTramWrite = 1;
constexpr int64_t kWriteState = 1;

// MAX78002 counts rows as "last pooling start + distance to the next" and
// carries the kernel size in LCTRL0; MAX78000 counts padded rows and implies
// the kernel size from ONED.
bool counts_stop_rows(const Device& device) {
  return device.izer_number == 87;
}

int first_enabled_quadrant(const Device& device, const LayerRegisterSet& regs) {
  for (int q = 0; q < std::min(device.quadrants, 4); ++q) {
    if (field(regs.get(q, LayerRegister::Ena), 0, 16) != 0) return q;
  }
  return 0;
}

int weight_bits(uint32_t post) {
  switch (field(post, kPostMaskSize, 2)) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 4;
    default: return 8;
  }
}

struct Extent {
  int positions = 0;  // pooled positions
  int pad = 0;
  int span = 0;  // input rows/columns
};

// MAX78000 RCNT/CCNT: [9:0] = span − 1 + 2·pad, [17:16] = pad.
Extent decode_padded_count(uint32_t value, int pool, int stride) {
  Extent e;
  e.pad = static_cast<int>(field(value, 16, 2));
  e.span = std::max(0, static_cast<int>(field(value, 0, 10)) + 1 - 2 * e.pad);
  e.positions = e.span >= pool ? (e.span - pool) / stride + 1 : 0;
  return e;
}

// MAX78002 RCNT/CCNT: [10:0] = first element of the last pooling window,
// [15] pad enable, [14:13] pad − 1.
Extent decode_stop_count(uint32_t value, int pool, int stride) {
  Extent e;
  e.pad = bit(value, 15) ? static_cast<int>(field(value, 13, 2)) + 1 : 0;
  const int stop = static_cast<int>(field(value, 0, 11));
  e.positions = stop / stride + 1;
  e.span = stop + pool;
  return e;
}

bool layer_streams(const Device& device, const LayerRegisterSet& regs) {
  if (regs.layer < 0 || regs.layer >= kStreamLayers) return false;
  bool enabled = false;
  bool prefill = false;
  for (int q = 0; q < std::min(device.quadrants, 4); ++q) {
    enabled = enabled || bit(regs.ctrl[static_cast<size_t>(q)], kCtrlStreamEn);
    prefill = prefill || regs.get(q, LayerRegister::Strm0) != 0;
  }
  // The streamed chain starts at the input layer; later layers of the chain
  // wait for a prefill count of their predecessor's output (STRM0).
  return enabled && (regs.layer == 0 || prefill);
}

void decode_kernels(const Device& device, const LayerRegisterSet& regs, LayerShape& s) {
  const int q = s.quadrant;
  const uint32_t post = regs.get(q, LayerRegister::Post);
  const uint32_t oned = regs.get(q, LayerRegister::Oned);
  uint32_t start = 0;
  uint32_t max = 0;
  if (counts_stop_rows(device)) {
    max = regs.get(q, LayerRegister::Mcnt1) & 0x7FFFFU;
    start = regs.get(q, LayerRegister::Mcnt2) & 0x7FFFFU;
  } else {
    const uint32_t mcnt = regs.get(q, LayerRegister::Mcnt);
    max = field(mcnt, 0, 16);
    start = field(mcnt, 16, 16);
  }
  if (s.passthrough) {
    // Passthrough: the mask counter counts output passes, 8 per pass (in the
    // mask max field on MAX78000, the start register MCNT2 on MAX78002).
    s.out_passes = static_cast<int>((counts_stop_rows(device) ? start : max) / 8) + 1;
    return;
  }
  const int bits = weight_bits(post);
  s.kernels = max >= start ? (max - start) / static_cast<uint32_t>(bits) + 1 : 0;
  if (counts_stop_rows(device)) {
    // MAX78002: OCHAN holds the output channel steps (÷4 with calcx4,
    // timeslots × passes for depthwise); MCNT does not (calcx4 rounding).
    s.kernels = static_cast<uint64_t>(field(regs.get(q, LayerRegister::Ochan), 0, 16)) + 1;
  }
  const auto passes = static_cast<uint64_t>(s.passes);
  s.out_channels = (s.kernels + passes - 1) / passes;
  // The kernel start is stored as (9-byte slot × 9 / kernel area) words of 8
  // counts, the remainder in ONED.oned_sad.
  const int area = std::max(1, s.kernel_rows * s.kernel_cols);
  s.kernel_offset = static_cast<int>(((start / 8) * static_cast<uint32_t>(area) + field(oned, kOnedSad, 4)) / 9U);
}

int64_t conv_cycles(const Device& device, const LayerShape& s) {
  const int64_t passes = s.passes;
  const int64_t operands = s.operands;
  const int64_t window = static_cast<int64_t>(s.pool_rows) * s.pool_cols;
  // Cycles to bring one position into the TRAM, for all passes and operands:
  // a zero-padding position is one read state; a data position reads the
  // whole pooling window. Pooling after the element-wise operation
  // ("pool last") combines the operands before the TRAM write, and runs the
  // column counter once per pass.
  int64_t fetch_pad = 0;
  int64_t fetch_data = 0;
  int64_t column_repeat = 1;
  if (s.pool_first) {
    fetch_pad = passes * operands * (kRead + kTramWrite);
    fetch_data = passes * operands * (window * kRead + kTramWrite);
  } else {
    fetch_pad = passes * (kRead + kTramWrite);
    fetch_data = passes * (operands * window * kRead + kTramWrite);
    column_repeat = passes;
  }
  const int64_t wp = s.pooled_cols;
  const int64_t hp = s.pooled_rows;
  const int64_t pad_r = s.pad_rows;
  const int64_t pad_c = s.pad_cols;
  const int64_t out_c = s.out_cols;
  const int64_t channels = static_cast<int64_t>(s.out_channels);

  if (s.passthrough) {
    // Every pooled position is fetched and written out in `timeslots` write
    // cycles per pass; nothing waits for a kernel window.
    return hp * wp * (fetch_data + passes * s.timeslots);
  }

  // Rows and columns read before the kernel window first covers an output.
  const int64_t lead_rows = s.kernel_rows - 1 - pad_r;
  const int64_t lead_cols = s.kernel_cols - 1 - pad_c;
  // A position that produces no output spends one more cycle in the write
  // state; one producing an output overlaps it with the output channels.
  const int64_t idle_pad = fetch_pad + kWriteState;
  const int64_t idle_data = fetch_data + kWriteState;
  const int64_t side_pads = 2 * pad_c * idle_pad;
  const int64_t top_pad_row = side_pads + column_repeat * wp * idle_pad;
  const int64_t lead_row = side_pads + column_repeat * wp * idle_data;
  const int64_t out_row_fetch = pad_c * idle_pad + column_repeat * lead_cols * idle_data +
                                column_repeat * (out_c - pad_c) * fetch_data + pad_c * fetch_pad;
  const int64_t bottom_row_fetch = pad_c * idle_pad + column_repeat * lead_cols * idle_pad +
                                   column_repeat * (out_c - pad_c) * fetch_pad + pad_c * fetch_pad;
  // One clock per output channel and pass for each output pixel; a single
  // output channel (one pass) costs one more clock per row.
  const int64_t compute_row = passes * out_c * channels + (channels == 1 && passes == 1 ? channels : 0);

  int64_t total = pad_r * top_pad_row + lead_rows * lead_row + (hp - lead_rows) * (out_row_fetch + compute_row) +
                  pad_r * (bottom_row_fetch + compute_row);
  if (s.flatten) total += 1;
  // MAX78000 with pooling after a multi-pass or element-wise operation: the
  // vendor's model charges the kernel offset (in kernel slots) once per
  // output position on the padded border ("pre-read"; the device needs extra
  // kernel-offset writes there). Not exercised by the corpus.
  if (!s.pool_first && !counts_stop_rows(device) && (passes > 1 || operands > 1)) {
    const int64_t rows_out = hp + 2 * pad_r - s.kernel_cols + 1;
    const int64_t cols_out = wp + 2 * pad_c - s.kernel_rows + 1;
    total += (rows_out * pad_c + cols_out * pad_r - pad_r * pad_c) * s.kernel_offset;
  }
  return total;
}

}  // namespace

LayerShape decode_layer(const Device& device, const LayerRegisterSet& regs) {
  LayerShape s;
  s.quadrant = first_enabled_quadrant(device, regs);
  const int q = s.quadrant;
  const uint32_t oned = regs.get(q, LayerRegister::Oned);
  const uint32_t post = regs.get(q, LayerRegister::Post);
  const uint32_t lctrl0 = regs.get(q, LayerRegister::Lctrl0);
  const uint32_t lctrl1 = regs.get(q, LayerRegister::Lctrl1);
  const bool ai87 = counts_stop_rows(device);

  s.calcx4 = ai87 && bit(post, kPostCalcx4);
  s.passthrough = bit(post, kPostTsEn) && !(ai87 && bit(post, kPostDepthwise));
  s.conv1d = bit(oned, kOnedEnable);
  s.deconv = bit(post, kPostDeconv);
  s.flatten = bit(post, kPostFlatten);
  s.timeslots = static_cast<int>(field(oned, kOnedTscnt, 4)) + 1;
  s.operands = bit(oned, kOnedEwise) ? static_cast<int>(field(oned, kOnedEwiseCnt, 4)) + 1 : 1;
  // Input passes; a flattening layer counts its pixels as passes, with the
  // upper bits of the count in POST.
  uint32_t passes = field(lctrl1, 0, 4);
  if (s.flatten) passes |= field(post, kPostXpmp, 4) << 4;
  s.passes = static_cast<int>(passes) + 1;

  // Pooling window (MAX78002 stores (pool − 1)·dilation and dilation − 1).
  const uint32_t prcnt = regs.get(q, LayerRegister::Prcnt);
  const uint32_t pccnt = regs.get(q, LayerRegister::Pccnt);
  if (ai87) {
    s.pool_rows = static_cast<int>(field(prcnt, 0, 4) / (field(prcnt, 4, 4) + 1)) + 1;
    s.pool_cols = static_cast<int>(field(pccnt, 0, 4) / (field(pccnt, 4, 4) + 1)) + 1;
  } else {
    s.pool_rows = static_cast<int>(field(prcnt, 0, 4)) + 1;
    s.pool_cols = static_cast<int>(field(pccnt, 0, 4)) + 1;
  }
  s.pool_stride = static_cast<int>(field(regs.get(q, LayerRegister::Stride), 0, 4)) + 1;
  const bool pooling = s.pool_rows > 1 || s.pool_cols > 1;
  // "Pool last" is only possible with pooling and several operands.
  s.pool_first = !(pooling && s.operands > 1 && !bit(oned, kOnedPrepool));

  const uint32_t rcnt = regs.get(q, LayerRegister::Rcnt);
  const uint32_t ccnt = regs.get(q, LayerRegister::Ccnt);
  const Extent r = ai87 ? decode_stop_count(rcnt, s.pool_rows, s.pool_stride)
                        : decode_padded_count(rcnt, s.pool_rows, s.pool_stride);
  const Extent c = ai87 ? decode_stop_count(ccnt, s.pool_cols, s.pool_stride)
                        : decode_padded_count(ccnt, s.pool_cols, s.pool_stride);
  s.rows = r.span;
  s.cols = c.span;
  s.pad_rows = r.pad;
  s.pad_cols = c.pad;
  s.pooled_rows = r.positions;
  s.pooled_cols = c.positions;

  // Kernel size: MAX78002 programs it (LCTRL0 rprime/cprime); MAX78000 has
  // 3×3 kernels unless ONED says 1-D (length k) or 1×1 (width 1).
  const bool one_by_one = !ai87 && !s.conv1d && field(oned, kOnedWidth, 4) == 1;
  if (s.passthrough || one_by_one) {
    s.kernel_rows = s.kernel_cols = 1;
  } else if (ai87) {
    s.kernel_rows = static_cast<int>(field(lctrl0, 22, 4)) + 1;
    s.kernel_cols = static_cast<int>(field(lctrl0, 18, 4)) + 1;
  } else if (s.conv1d) {
    s.kernel_rows = std::max(1, static_cast<int>(field(oned, kOnedWidth, 4)));
    s.kernel_cols = 1;
  } else {
    s.kernel_rows = s.kernel_cols = 3;
  }
  if (s.passthrough) {
    s.out_rows = s.pooled_rows;
    s.out_cols = s.pooled_cols;
  } else {
    s.out_rows = std::max(0, s.pooled_rows + 2 * s.pad_rows - s.kernel_rows + 1);
    s.out_cols = std::max(0, s.pooled_cols + 2 * s.pad_cols - s.kernel_cols + 1);
  }
  decode_kernels(device, regs, s);
  s.streaming = layer_streams(device, regs);
  return s;
}

LayerTiming layer_cycles(const Device& device, const LayerShape& shape) {
  LayerShape s = shape;
  // A pooled multi-pass passthrough that writes several output passes reads
  // every pass but the first twice.
  if (s.passthrough && s.out_passes > 1 && (s.pool_rows > 1 || s.pool_cols > 1)) {
    s.passes = 2 * s.passes - 1;
  }
  int64_t cycles = std::max<int64_t>(0, conv_cycles(device, s));
  LayerTiming t;
  // MAX78002 has no vendor timing model to check this one against.
  t.estimate = counts_stop_rows(device);
  if (s.streaming) {
    // A streaming layer also waits for its input (FIFO or previous layer);
    // the vendor's estimate for that is 1.5× the frame time, rounded.
    cycles = (15 * cycles + 9) / 10;
    t.estimate = true;
  }
  t.cycles = static_cast<uint64_t>(cycles);
  return t;
}

LayerTiming layer_cycles(const Device& device, const LayerRegisterSet& regs) {
  return layer_cycles(device, decode_layer(device, regs));
}

// One clock from the cnn_en edge until the first layer's counters run (the
// vendor's estimate; the same on both devices).
uint64_t startup_cycles(const Device& /*device*/) {
  return 1;
}

}  // namespace ai8x::hw
