#pragma once
// A layer as the hardware sees it, decoded from the register files of the
// four quadrants (hw-facts §3.2, with the generator's encodings, which are
// what runs on silicon). Nothing here knows about YAML: every field is a
// counter, pointer or enable the layer's registers hold.
#include <array>
#include <cstdint>
#include <string>

#include "core/eltwise.hpp"
#include "core/quantize.hpp"
#include "device.hpp"
#include "hw/timing.hpp"

namespace ai8x::hw {

class Quadrant;

enum class LayerOp : uint8_t { Conv2d, Conv1d, ConvTranspose2d, Passthrough };

struct LayerConfig {
  int layer = 0;
  LayerOp op = LayerOp::Conv2d;
  int kernel_rows = 3, kernel_cols = 3;

  // Input: which processors read, from where, in which packing.
  uint64_t processors = 0;    // bit p = processor p (0..63) enabled
  uint64_t mask_enables = 0;  // bit p = processor p's kernels enabled
  bool chw = false;           // LCTRL0.parallel: one channel per memory, 4 pixels per word
  bool fifo_input = false;    // the first layer reads the FIFOs
  bool fast_fifo = false;     // ... the RISC-V fast FIFO (CTRL[22])
  bool stream_input = false;  // reads a streaming predecessor's output
  int in_passes = 1;          // words per pixel per operand (flatten: the whole vector)
  int operands = 1;           // element-wise operands, interleaved per pass
  int read_gap = 0;           // MAX78002: words skipped after each input word (HWC)
  bool flatten = false;
  int rows = 0, cols = 0;  // input rows/columns the counters cover
  int pad_rows = 0, pad_cols = 0;
  uint32_t rptr = 0;      // word offset in every processor's own memory
  uint32_t rollover = 0;  // FBUF: a streamed input's circular buffer length in words (0: none)

  // Pooling before the operator (and around the element-wise op).
  bool pool_enable = false;
  bool pool_avg = false;
  bool pool_round = false;  // CTRL.poolrnd
  std::array<int, 2> pool{1, 1}, pool_dilation{1, 1};
  int pool_stride = 1;
  int pooled_rows = 0, pooled_cols = 0;

  bool eltwise = false;
  core::EltwiseOp eltwise_op = core::EltwiseOp::Add;
  bool pool_first = true;  // ONED.prepool: pool each operand, then combine

  // Kernels.
  int weight_bits = 8;
  bool binary = false;
  uint32_t mask_start = 0, mask_max = 0;
  int oned_sad = 0;
  int positions = 1;   // output processor positions per pass (from xpch_max)
  int out_passes = 1;  // output passes
  bool depthwise = false;
  bool broadcast = false;  // depthwise: LCTRL0[29] broadcast mode
  bool quad = false;    // fast-FIFO quad mode (CTRL[31]): every quadrant sees the FIFO data, output o from quadrant o%4
  bool calcx4 = false;  // MAX78002 POST[29]: four outputs at once from the four kernel memory instances
  bool bypass = false;  // MAX78002 kernel bypass (LCTRL0[30]): every weight is 1

  // Output stage.
  bool wide = false;  // 32-bit output
  int shift = 0;      // total shift, including the weight-size compensation
  core::Activation act = core::Activation::None;
  int bias_quadrant = -1;
  uint32_t bias_start = 0;

  // Write pointer (in words; the data memory index sits at bit `wptr_shift`).
  std::array<uint32_t, 4> wptr_base{};  // per quadrant
  std::array<uint32_t, 4> toff{};
  uint32_t moff = 0;
  uint32_t choff = 0;
  int wptr_inc = 0;

  LayerRegisterSet regs;  // the raw registers (for timing and reports)

  [[nodiscard]] std::string summary() const;
};

// Device constants the decoder and executor need that are not in Device.
struct HwParams {
  int wptr_shift = 13;        // data memory index position in a write pointer
  uint32_t memory_words = 0;  // valid words per data memory instance
  bool new_counters = false;  // MAX78002 RCNT/CCNT layout (stop + diff)
};
HwParams hw_params(const Device& device);

// Decodes layer `layer` from the quadrants' register files. Throws ai8x::Error
// (naming the layer, quadrant, register and value) for configurations that
// make no sense.
// `master` is the quadrant that started the CNN: its CTRL holds the global
// modes (FIFO, streaming, binary weights, ...).
LayerConfig decode_layer_config(const Device& device, const std::array<const Quadrant*, 4>& quadrants, int layer,
                                bool first_layer, int master = 0);

}  // namespace ai8x::hw
