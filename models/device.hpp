#pragma once
// A device is data: every limit, address and capability of one accelerator
// variant lives in one Device record (models/max78000.cpp, models/max78002.cpp).
// The network validation, the engine, the KAT placement and later the SystemC
// model all read the same record; a MAX78002 difference is a field, not an `if`.
#include <cstdint>
#include <string>
#include <string_view>

namespace ai8x {

struct Device {
  std::string name;       // "MAX78000"
  std::string izer_name;  // "ai85"
  int izer_number = 0;    // 85

  // Processors and memories (hw-facts §1).
  int quadrants = 4;  // "groups" of 16 processors
  int processors_per_quadrant = 16;
  int processors_per_memory = 4;    // processors sharing one data memory instance
  uint32_t data_memory_bytes = 0;   // usable bytes per instance (offset + size limit)
  uint32_t kernel_words_small = 0;  // 72-bit kernel words per processor
  uint32_t kernel_words_large = 0;  // ... for processors p % 16 == 0
  uint32_t bias_entries_per_quadrant = 0;
  // Kernel memory of one processor is built from instances: below
  // kernel_words_small they hold kernel_instance_words words each, the
  // extension of processors 0/16/32/48 extension_instance_words.
  int kernel_instance_words = 0;
  int extension_instance_words = 0;
  uint32_t tram_entries_per_processor = 0;

  // Address map (hw-facts §2).
  uint32_t apb_base = 0x50000000;
  uint32_t sram_base = 0;           // data memory of quadrant 0, instance 0
  uint32_t quadrant_stride = 0;     // between quadrants, for control, SRAM, ...
  uint32_t instance_stride = 0;     // between the 4 data memory instances of one quadrant
  uint32_t ctl_base = 0;            // quadrant 0 control registers
  uint32_t ctl_stride = 0;          // between the quadrants' control blocks
  uint32_t data_memory_window = 0;  // address space of one data memory instance
  // Offsets from a quadrant's control base (models/register_map.hpp).
  uint32_t layer_reg_offset = 0;  // per-layer register r of layer L at + r·layer_reg_stride + L·layer_stride
  uint32_t layer_reg_stride = 0;
  uint32_t layer_stride = 0;
  uint32_t stream_reg_offset = 0;  // STRM0 of stream s at + 4s; STRM1 at + stream_reg_gap; FBUF at + 2·gap
  uint32_t stream_reg_gap = 0;
  uint32_t ifrm_offset = 0;
  uint32_t snoop_offset = 0;  // MAX78002: SNP1_A1, then SNP1's and SNP2's twelve registers (0 = none)
  uint32_t mlat_offset = 0;
  uint32_t bias_offset = 0;  // bias entry i at + 4i
  uint32_t tram_offset = 0;  // entry i of processor p at + p·tram_processor_stride + 4i
  uint32_t tram_processor_stride = 0;
  uint32_t kernel_offset = 0;  // word w of processor p at + p·kernel_processor_stride + 16w
  uint32_t kernel_processor_stride = 0;

  // Network limits (hw-facts §1, the izer's checks).
  int max_layers = 0;
  int max_dim = 0;              // largest input/output rows or columns
  int max_channels = 1024;      // 16 passes × 64 processors
  uint32_t max_out_offset = 0;  // exclusive upper bound for out_offset
  int max_stream_layers = 8;
  int max_pool = 16;
  int max_pool_dilation = 1;
  int max_conv1d_dilation = 0;
  int max_total_shift = 15;
  int max_conv1d_kernel = 9;
  int max_pad = 2;
  int max_flatten_pixels = 256;
  uint32_t hwc_max_pixels = 0;         // per channel, non-streaming (informational)
  int max_pool_passes = 1;             // passes a pooling passthrough layer may use (unless pooled to 1×1)
  int max_pool_last_operands = 2;      // element-wise operands with `pool_first: false`
  uint32_t frame_size_max = 1U << 21;  // rows · columns · passes

  // Capabilities that only one device has.
  bool binary_weights = false;
  bool depthwise = false;
  bool link_layer = false;  // next_sequence / start layer
  bool read_gap = false;
  bool kernel_bypass = false;
  bool multipass_eltwise_conv_bias = false;
  // MAX78000: an element-wise operation over more than two passes (other than
  // 2 operands x 2 passes) runs as a pass-through by rows: no pooling, no convolution.
  bool eltwise_multipass_emulated = false;
  bool calcx4 = false;                     // kernels spread over the four kernel memory instances
  bool depthwise_in_one_instance = false;  // a depthwise layer's kernels stay in one instance
  bool flatten_bias_first = false;         // the generator allocates flattening layers' bias first
  bool streaming_bias_dummy = false;       // a streaming layer 0 with bias needs a leading zero entry

  [[nodiscard]] int processors() const { return quadrants * processors_per_quadrant; }
  [[nodiscard]] uint32_t kernel_words(int processor) const {
    return processor % processors_per_quadrant == 0 ? kernel_words_large : kernel_words_small;
  }
  // Absolute address of byte `offset` inside the data memory instance that
  // serves `processor`.
  [[nodiscard]] uint32_t data_memory_address(int processor, uint32_t offset) const {
    const int quadrant = processor / processors_per_quadrant;
    const int instance = (processor % processors_per_quadrant) / processors_per_memory;
    return sram_base + static_cast<uint32_t>(quadrant) * quadrant_stride +
           static_cast<uint32_t>(instance) * instance_stride + offset;
  }
};

const Device& max78000();
const Device& max78002();

// Accepts the names the izer accepts: MAX78000, ai85, 85, MAX78002, ai87, 87
// (case-insensitive). Returns nullptr for anything else.
const Device* find_device(std::string_view name);

}  // namespace ai8x
