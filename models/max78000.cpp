// MAX78000 ("AI85"): hw-facts §1-2, conventions §0.
#include "device.hpp"

namespace ai8x {

const Device& max78000() {
  static const Device d = [] {
    Device x;
    x.name = "MAX78000";
    x.izer_name = "ai85";
    x.izer_number = 85;
    x.data_memory_bytes = 0x8000;  // 8192 × 32 bit
    x.kernel_words_small = 768;
    x.kernel_words_large = 768;
    x.bias_entries_per_quadrant = 512;
    x.kernel_instance_words = 768;
    x.extension_instance_words = 768;
    x.flatten_bias_first = true;
    x.streaming_bias_dummy = true;
    x.tram_entries_per_processor = 3072;
    x.sram_base = 0x50400000;
    x.quadrant_stride = 0x400000;
    x.instance_stride = 0x8000;
    x.ctl_base = 0x50100000;
    x.ctl_stride = 0x400000;
    x.data_memory_window = 0x8000;
    x.layer_reg_offset = 0x10;
    x.layer_reg_stride = 0x80;
    x.layer_stride = 4;
    x.ifrm_offset = 0x990;
    x.mlat_offset = 0x1000;
    x.bias_offset = 0x8000;
    x.tram_offset = 0x10000;
    x.tram_processor_stride = 0x4000;
    x.kernel_offset = 0x80000;
    x.kernel_processor_stride = 0x4000;
    x.max_layers = 32;
    x.max_dim = 1024;
    x.max_out_offset = 0x20000;
    x.max_pool_dilation = 1;
    x.max_conv1d_dilation = 1023;
    x.hwc_max_pixels = 8192;
    x.multipass_eltwise_conv_bias = true;
    x.eltwise_multipass_emulated = true;
    return x;
  }();
  return d;
}

}  // namespace ai8x
