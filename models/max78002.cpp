// MAX78002 ("AI87"): hw-facts §1-2, conventions §0.
#include "device.hpp"

namespace ai8x {

const Device& max78002() {
  static const Device d = [] {
    Device x;
    x.name = "MAX78002";
    x.izer_name = "ai87";
    x.izer_number = 87;
    x.data_memory_bytes = 0x14000;  // 5 × 16 KiB sub-instances in a 128 KiB window
    x.kernel_words_small = 4096;
    x.kernel_words_large = 5120;
    x.bias_entries_per_quadrant = 2048;
    x.kernel_instance_words = 1024;
    x.extension_instance_words = 256;
    x.calcx4 = true;
    x.depthwise_in_one_instance = true;
    x.tram_entries_per_processor = 12288;
    x.sram_base = 0x51800000;
    x.quadrant_stride = 0x1000000;
    x.instance_stride = 0x20000;
    x.ctl_base = 0x51000000;
    x.ctl_stride = 0x1000000;
    x.data_memory_window = 0x20000;
    x.layer_reg_offset = 0x100000;
    x.layer_reg_stride = 4;
    x.layer_stride = 0x100;
    x.stream_reg_offset = 0x108000;
    x.stream_reg_gap = 0x20;
    x.ifrm_offset = 0x108060;
    x.snoop_offset = 0x108080;
    x.mlat_offset = 0x110000;
    x.bias_offset = 0x180000;
    x.tram_offset = 0x200000;
    x.tram_processor_stride = 0x10000;
    x.kernel_offset = 0x400000;
    x.kernel_processor_stride = 0x20000;
    x.max_layers = 128;
    x.max_dim = 2048;
    x.max_out_offset = 0x50000;
    x.max_pool_dilation = 16;
    x.max_conv1d_dilation = 2047;
    x.hwc_max_pixels = 20480;
    x.max_pool_passes = 1 << 16;
    x.binary_weights = true;
    x.depthwise = true;
    x.link_layer = true;
    x.read_gap = true;
    x.kernel_bypass = true;
    return x;
  }();
  return d;
}

}  // namespace ai8x
