#pragma once
// The kernel and bias memory rules the placement follows, gathered from the
// device record (models/; facts from hw-facts §1, §4.7-4.8).
#include "device.hpp"

namespace ai8x::compile {

struct MemoryRules {
  // Kernel memory of one processor is built from instances: below
  // Device::kernel_words_small they hold `kernel_instance_words` words each,
  // the extension of processors 0/16/32/48 `extension_instance_words`.
  int kernel_instance_words = 0;
  int extension_instance_words = 0;
  // Depthwise kernels of one layer must not straddle two instances (MAX78002).
  bool depthwise_in_one_instance = false;
  // Bias memory: flattening layers get their bias first (MAX78000).
  bool flatten_bias_first = false;
  // A streaming layer 0 with bias needs one leading zero bias entry (MAX78000).
  bool streaming_bias_dummy = false;
  // calcx4 spreads a layer's kernels over the four kernel memory instances (MAX78002).
  bool calcx4 = false;
};

MemoryRules memory_rules(const Device& dev);

}  // namespace ai8x::compile
