#pragma once
// Per-layer cycle counts of the accelerator, from the layer's register values
// (what the hardware's counters iterate over), so the model can advance
// SystemC time as the hardware does. Contract shared by the model (which
// fills LayerRegisterSet from its register file) and the timing model.
// docs/timing.md describes what is counted and how well it agrees.
#include <array>
#include <cstdint>
#include <string>

#include "device.hpp"
#include "register_map.hpp"

namespace ai8x::hw {

// Register values of one layer in every quadrant, as the model holds them
// when the layer starts. Strm0/Strm1/Fbuf hold the stream registers of stream
// `layer` (layers < 8; zero otherwise); ctrl is CTRL as written by cnn_start.
struct LayerRegisterSet {
  int layer = 0;
  std::array<uint32_t, 4> ctrl{};                                  // CTRL of each quadrant
  std::array<std::array<uint32_t, kLayerRegisterCount>, 4> reg{};  // [quadrant][LayerRegister]
  [[nodiscard]] uint32_t get(int quadrant, LayerRegister r) const {
    return reg[static_cast<size_t>(quadrant)][static_cast<size_t>(r)];
  }
};

struct LayerTiming {
  uint64_t cycles = 0;
  bool estimate = false;  // true where the model is known to be approximate (e.g. streaming)
};

LayerTiming layer_cycles(const Device& device, const LayerRegisterSet& regs);

// Cycles from cnn_en to the first layer.
uint64_t startup_cycles(const Device& device);

// What the layer's counters iterate over, decoded from the registers of the
// first quadrant with enabled processors (quadrant 0 if none is enabled).
struct LayerShape {
  int quadrant = 0;   // quadrant the shape was read from
  int rows = 0;       // input rows/columns the row/column counters cover,
  int cols = 0;       //   without padding (MAX78002: smallest consistent value)
  int pad_rows = 0;   // zero rows above and below
  int pad_cols = 0;   // zero columns left and right
  int pool_rows = 1;  // pooling window
  int pool_cols = 1;
  int pool_stride = 1;  // window step (the conv stride when not pooling)
  int pooled_rows = 0;  // positions of the pooling window
  int pooled_cols = 0;
  int kernel_rows = 1;  // convolution kernel (1×1 for passthrough)
  int kernel_cols = 1;
  int out_rows = 0;  // output pixels
  int out_cols = 0;
  int passes = 1;             // input passes (flatten: passes × pooled pixels)
  int out_passes = 1;         // passthrough output passes (MCNT)
  int operands = 1;           // element-wise operands
  int timeslots = 1;          // passthrough write timeslots (ONED tscnt_max + 1)
  int kernel_offset = 0;      // first kernel, in 9-byte kernel slots (MCNT start)
  uint64_t kernels = 0;       // kernels per processor the mask counter steps through
  uint64_t out_channels = 0;  // output channels per input pass (kernels / passes)
  bool pool_first = true;     // pooling happens before the element-wise operation
  bool passthrough = false;   // no convolution (POST ts_en without depthwise)
  bool conv1d = false;
  bool deconv = false;     // ConvTranspose2d: zeros inserted (POST deconv_en)
  bool flatten = false;    // POST flatten_en
  bool streaming = false;  // CTRL stream_en and this layer is in the streamed chain
  bool calcx4 = false;     // MAX78002: four output channels per step
};

LayerShape decode_layer(const Device& device, const LayerRegisterSet& regs);

// The counter model applied to an already decoded shape (layer_cycles is
// layer_cycles(device, decode_layer(device, regs))).
LayerTiming layer_cycles(const Device& device, const LayerShape& shape);

}  // namespace ai8x::hw
