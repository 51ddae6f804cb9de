#include "hw/layer_config.hpp"

#include <bit>
#include <cstdio>
#include <sstream>

#include "core/error.hpp"
#include "hw/quadrant.hpp"

namespace ai8x::hw {
namespace {

uint32_t bits(uint32_t v, int lsb, int width) {
  return (v >> lsb) & ((width >= 32) ? 0xFFFFFFFFU : ((1U << width) - 1));
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Register fields whose position differs between the devices.
struct FieldTable {
  int count_width;  // RCNT/CCNT count
  int wptr_inc_width;
  int xpch_lsb;
};
FieldTable fields(const Device& d) {
  if (d.izer_number == 87) return {.count_width = 11, .wptr_inc_width = 8, .xpch_lsb = 12};
  return {.count_width = 10, .wptr_inc_width = 4, .xpch_lsb = 8};
}

class Decoder {
 public:
  Decoder(const Device& d, const std::array<const Quadrant*, 4>& q, int layer)
      : d_(d), q_(q), layer_(layer), f_(fields(d)), hp_(hw_params(d)) {}

  [[noreturn]] void fail(int quadrant, LayerRegister r, const std::string& message) const {
    throw Error({.layer = layer_,
                 .key = "quadrant " + std::to_string(quadrant) + " " + std::string(register_name(r)) + " = " +
                        hex(reg(quadrant, r))},
                message);
  }

  [[nodiscard]] uint32_t reg(int quadrant, LayerRegister r) const {
    return q_[static_cast<size_t>(quadrant)]->regs.layer(layer_, r);
  }
  [[nodiscard]] uint32_t reg(LayerRegister r) const { return reg(primary_, r); }

  LayerConfig decode(bool first_layer, int master) {
    LayerConfig c;
    c.layer = layer_;
    for (int q = 0; q < d_.quadrants; ++q) {
      c.regs.ctrl[static_cast<size_t>(q)] = q_[static_cast<size_t>(q)]->regs.ctrl();
      c.regs.reg[static_cast<size_t>(q)] = q_[static_cast<size_t>(q)]->regs.layer_row(layer_);
      const uint32_t ena = reg(q, LayerRegister::Ena);
      c.processors |= static_cast<uint64_t>(ena & 0xFFFF) << (16 * q);
      c.mask_enables |= static_cast<uint64_t>(ena >> 16) << (16 * q);
    }
    c.regs.layer = layer_;
    if (c.processors == 0) fail(0, LayerRegister::Ena, "the layer enables no processors");
    primary_ = std::countr_zero(c.processors) / 16;
    if (master < 0 || master >= d_.quadrants) master = 0;
    const uint32_t ctrl = q_[static_cast<size_t>(master)]->regs.ctrl();
    const uint32_t lctrl0 = reg(LayerRegister::Lctrl0);
    const uint32_t lctrl1 = reg(LayerRegister::Lctrl1);
    const uint32_t post = reg(LayerRegister::Post);
    const uint32_t oned = reg(LayerRegister::Oned);

    decode_operator(c, lctrl0, post, oned);
    c.chw = bits(lctrl0, 6, 1) != 0;
    c.wide = bits(lctrl0, 16, 1) != 0;
    c.pool_round = (ctrl & ctrl::kPoolRound) != 0;
    c.fifo_input = first_layer && (ctrl & (ctrl::kFifo | ctrl::kFastFifo)) != 0;
    // A streamed layer has a start count; the generator may program it only
    // in quadrants the layer does not compute in.
    bool start_count = false;
    for (int q = 0; q < d_.quadrants; ++q) start_count = start_count || reg(q, LayerRegister::Strm0) != 0;
    c.stream_input = !first_layer && (ctrl & ctrl::kStream) != 0 && layer_ < kStreamLayers && start_count;
    c.fast_fifo = c.fifo_input && (ctrl & ctrl::kFastFifo) != 0;
    c.quad = c.fast_fifo && (ctrl & ctrl::kFastFifoQuad) != 0;
    c.rptr = reg(LayerRegister::RptrBase);
    if (c.stream_input) {
      for (int q = 0; q < d_.quadrants && c.rollover == 0; ++q) c.rollover = reg(q, LayerRegister::Fbuf);
    }

    // Input passes; a flattening layer reads its whole vector as passes.
    c.flatten = bits(post, 27, 1) != 0;
    c.in_passes = static_cast<int>(bits(lctrl1, 0, 4)) + 1;
    if (c.flatten) c.in_passes = static_cast<int>(bits(post, 18, 4) << 4 | bits(lctrl1, 0, 4)) + 1;
    if (bits(oned, 13, 1) != 0) {
      c.eltwise = true;
      c.operands = static_cast<int>(bits(oned, 18, 4)) + 1;
      constexpr core::EltwiseOp kOps[4] = {core::EltwiseOp::Sub, core::EltwiseOp::Add, core::EltwiseOp::Or,
                                           core::EltwiseOp::Xor};
      c.eltwise_op = kOps[bits(oned, 14, 2)];
      c.pool_first = bits(oned, 16, 1) != 0;
    }

    decode_pooling(c, lctrl0);
    decode_geometry(c);
    decode_kernels(c, ctrl, lctrl1, post, oned);
    decode_output(c, lctrl0, lctrl1, post);
    return c;
  }

 private:
  void decode_operator(LayerConfig& c, uint32_t lctrl0, uint32_t post, uint32_t oned) const {
    c.depthwise = d_.depthwise && bits(post, 30, 1) != 0;
    c.broadcast = c.depthwise && bits(lctrl0, 29, 1) != 0;
    c.bypass = d_.kernel_bypass && bits(lctrl0, 30, 1) != 0;
    c.calcx4 = d_.calcx4 && bits(post, 29, 1) != 0;
    if (bits(post, 28, 1) != 0) {
      c.op = LayerOp::ConvTranspose2d;
    } else if (bits(post, 24, 1) != 0 && !c.depthwise) {
      c.op = LayerOp::Passthrough;
    } else if (bits(oned, 12, 1) != 0) {
      c.op = LayerOp::Conv1d;
    } else {
      c.op = LayerOp::Conv2d;
    }
    if (c.op == LayerOp::Conv1d) {
      c.kernel_rows = static_cast<int>(bits(oned, 8, 4));
      c.kernel_cols = 1;
      if (c.kernel_rows == 0) fail(primary_, LayerRegister::Oned, "a 1-D convolution needs a kernel length");
    } else if (c.op == LayerOp::Passthrough) {
      c.kernel_rows = c.kernel_cols = 1;
    } else if (d_.izer_number == 87) {
      c.kernel_rows = static_cast<int>(bits(lctrl0, 22, 4)) + 1;
      c.kernel_cols = static_cast<int>(bits(lctrl0, 18, 4)) + 1;
    } else {
      const bool one = bits(oned, 8, 4) == 1;
      c.kernel_rows = c.kernel_cols = one ? 1 : 3;
    }
  }

  void decode_pooling(LayerConfig& c, uint32_t lctrl0) const {
    c.pool_enable = bits(lctrl0, 7, 1) != 0;
    c.pool_avg = bits(lctrl0, 8, 1) == 0;
    c.pool_stride = static_cast<int>(bits(reg(LayerRegister::Stride), 0, 4)) + 1;
    if (c.op == LayerOp::ConvTranspose2d) c.pool_stride = 1;
    // MAX78002: STRIDE[31:4] = pool stride · operands · passes · (read_gap + 1).
    const uint32_t mp_stride = d_.izer_number == 87 ? bits(reg(LayerRegister::Stride), 4, 28) : 0;
    const auto per_gap = static_cast<uint32_t>(c.pool_stride * c.operands * c.in_passes);
    if (mp_stride > per_gap && mp_stride % per_gap == 0) c.read_gap = static_cast<int>(mp_stride / per_gap) - 1;
    const LayerRegister pr[2] = {LayerRegister::Prcnt, LayerRegister::Pccnt};
    for (int i = 0; i < 2; ++i) {
      const uint32_t v = reg(pr[i]);
      int dil = 1;
      if (d_.izer_number == 87) dil = static_cast<int>(bits(v, 4, 4)) + 1;
      const int span = static_cast<int>(bits(v, 0, 4));
      if (span % dil != 0) fail(primary_, pr[i], "the pooling count is not a multiple of the pool dilation");
      c.pool[static_cast<size_t>(i)] = c.pool_enable ? span / dil + 1 : 1;
      c.pool_dilation[static_cast<size_t>(i)] = c.pool_enable ? dil : 1;
    }
  }

  void decode_geometry(LayerConfig& c) const {
    const LayerRegister cr[2] = {LayerRegister::Rcnt, LayerRegister::Ccnt};
    int dims[2] = {0, 0};
    int pads[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const uint32_t v = reg(cr[i]);
      const int count = static_cast<int>(bits(v, 0, f_.count_width));
      if (!hp_.new_counters) {
        pads[i] = static_cast<int>(bits(v, 16, 2));
        dims[i] = count + 1 - 2 * pads[i];
      } else {
        pads[i] = bits(v, 15, 1) != 0 ? static_cast<int>(bits(v, 13, 2)) + 1 : 0;
        const auto extent = (c.pool[static_cast<size_t>(i)] - 1) * c.pool_dilation[static_cast<size_t>(i)] + 1;
        // Columns: the stop column plus the distance to the row's end is the
        // width. Rows: the counters stop at the last pooling start, so the
        // rows after the last window are never read.
        dims[i] = i == 1 ? count + static_cast<int>(bits(v, 16, 16)) : count + extent;
      }
      if (dims[i] < 1) fail(primary_, cr[i], "the count leaves no input " + std::string(i == 0 ? "rows" : "columns"));
    }
    c.rows = dims[0];
    c.cols = dims[1];
    c.pad_rows = pads[0];
    c.pad_cols = pads[1];
    if (c.op == LayerOp::Conv1d) c.pad_cols = 0;
    const int ps = c.pool_stride;
    auto pooled = [&](int in, int i) {
      const int extent = (c.pool[static_cast<size_t>(i)] - 1) * c.pool_dilation[static_cast<size_t>(i)] + 1;
      if (in < extent) return 0;
      return (in - extent) / ps + 1;
    };
    c.pooled_rows = pooled(c.rows, 0);
    c.pooled_cols = c.op == LayerOp::Conv1d ? c.cols : pooled(c.cols, 1);
    if (c.pooled_rows < 1 || c.pooled_cols < 1)
      fail(primary_, LayerRegister::Prcnt, "the pooling window exceeds the input");
  }

  void decode_kernels(LayerConfig& c, uint32_t ctrl, uint32_t lctrl1, uint32_t post, uint32_t oned) const {
    constexpr int kBits[4] = {8, 1, 2, 4};
    c.weight_bits = kBits[bits(post, 22, 2)];
    // CTRL[30] turns every 1-bit layer into ±1 weights (it cannot mix with −1/0).
    c.binary = d_.binary_weights && c.weight_bits == 1 && (ctrl & ctrl::kBinary87) != 0;
    c.oned_sad = static_cast<int>(bits(oned, 4, 4));
    if (d_.izer_number == 87) {
      c.mask_start = reg(LayerRegister::Mcnt2);
      c.mask_max = reg(LayerRegister::Mcnt1);
    } else {
      const uint32_t m = reg(LayerRegister::Mcnt);
      c.mask_start = m >> 16;
      c.mask_max = m & 0xFFFF;
    }
    const uint32_t xpch = lctrl1 >> f_.xpch_lsb;
    c.positions = static_cast<int>(xpch / static_cast<uint32_t>(c.weight_bits)) + 1;
    if (c.op == LayerOp::Passthrough) {
      const uint32_t m = d_.izer_number == 87 ? c.mask_start : c.mask_max;
      c.out_passes = static_cast<int>(m / 8) + 1;
      return;
    }
    const LayerRegister mreg = d_.izer_number == 87 ? LayerRegister::Mcnt1 : LayerRegister::Mcnt;
    if (c.mask_max < c.mask_start) fail(primary_, mreg, "the mask count ends before it starts");
    const uint32_t steps = (c.mask_max - c.mask_start) / static_cast<uint32_t>(c.weight_bits) + 1;
    if (c.depthwise) {
      c.out_passes = c.in_passes;
      return;
    }
    uint32_t per_pass = static_cast<uint32_t>(c.positions) * static_cast<uint32_t>(c.in_passes);
    if (c.quad) per_pass = (per_pass + 3) / 4;  // each quadrant's mask counter covers a quarter of the outputs
    c.out_passes = static_cast<int>((steps + per_pass - 1) / per_pass);
    if (c.positions > 64 || c.out_passes > 64) fail(primary_, LayerRegister::Lctrl1, "too many output channels");
  }

  void decode_output(LayerConfig& c, uint32_t lctrl0, uint32_t lctrl1, uint32_t post) const {
    if (bits(lctrl0, 9, 1) != 0) c.act = core::Activation::ReLU;
    if (bits(post, 26, 1) != 0) c.act = core::Activation::Abs;
    const int magnitude = static_cast<int>(bits(post, 13, 4));
    const int shift = bits(post, 17, 1) != 0 ? -magnitude : magnitude;
    c.shift = shift;  // the generator folds the weight-size compensation into the register
    for (int q = 0; q < d_.quadrants; ++q) {
      const uint32_t p = reg(q, LayerRegister::Post);
      if (bits(p, 12, 1) != 0 && c.bias_quadrant < 0 && ((c.processors >> (16 * q)) & 0xFFFF) != 0) {
        c.bias_quadrant = q;
        c.bias_start = bits(p, 0, 12);
      }
      c.wptr_base[static_cast<size_t>(q)] = reg(q, LayerRegister::WptrBase);
      c.toff[static_cast<size_t>(q)] = reg(q, LayerRegister::WptrToff);
    }
    // A bias in a quadrant the layer does not use (the generator may put it anywhere).
    if (c.bias_quadrant < 0) {
      for (int q = 0; q < d_.quadrants; ++q) {
        const uint32_t p = reg(q, LayerRegister::Post);
        if (bits(p, 12, 1) != 0) {
          c.bias_quadrant = q;
          c.bias_start = bits(p, 0, 12);
          break;
        }
      }
    }
    c.moff = reg(LayerRegister::WptrMoff);
    c.choff = reg(LayerRegister::WptrChoff);
    c.wptr_inc = static_cast<int>(bits(lctrl1, 4, f_.wptr_inc_width));
  }

  const Device& d_;
  const std::array<const Quadrant*, 4>& q_;
  int layer_;
  FieldTable f_;
  HwParams hp_;
  int primary_ = 0;
};

const char* op_name(LayerOp op) {
  switch (op) {
    case LayerOp::Conv2d: return "conv2d";
    case LayerOp::Conv1d: return "conv1d";
    case LayerOp::ConvTranspose2d: return "convtranspose2d";
    case LayerOp::Passthrough: return "passthrough";
  }
  return "?";
}

}  // namespace

HwParams hw_params(const Device& device) {
  HwParams p;
  if (device.izer_number == 87) {
    p.wptr_shift = 15;
    p.new_counters = true;
  }
  p.memory_words = device.data_memory_bytes / 4;
  return p;
}

LayerConfig decode_layer_config(const Device& device, const std::array<const Quadrant*, 4>& quadrants, int layer,
                                bool first_layer, int master) {
  return Decoder(device, quadrants, layer).decode(first_layer, master);
}

std::string LayerConfig::summary() const {
  std::ostringstream s;
  s << op_name(op) << ' ' << kernel_rows << 'x' << kernel_cols;
  if (depthwise) s << " depthwise";
  s << ", in " << std::popcount(processors) << " proc x " << in_passes << " pass " << rows << 'x' << cols;
  if (chw) s << " CHW";
  if (fifo_input) s << " FIFO";
  if (stream_input) s << " streamed";
  if (operands > 1) s << ", " << operands << " operands";
  if (pool_enable || pool_stride > 1) {
    s << ", " << (pool_avg && pool_enable ? "avg" : "max") << "pool " << pool[0] << 'x' << pool[1] << '/'
      << pool_stride;
  }
  if (flatten) s << ", flatten";
  if (op != LayerOp::Passthrough) s << ", " << weight_bits << "-bit kernels x " << positions << " x " << out_passes;
  s << ", out " << (wide ? 32 : 8) << "-bit shift " << shift;
  if (bias_quadrant >= 0) s << ", bias q" << bias_quadrant << '@' << bias_start;
  return s.str();
}

}  // namespace ai8x::hw
