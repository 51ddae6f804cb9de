#include "compile/memory_rules.hpp"

namespace ai8x::compile {

MemoryRules memory_rules(const Device& dev) {
  return {.kernel_instance_words = dev.kernel_instance_words,
          .extension_instance_words = dev.extension_instance_words,
          .depthwise_in_one_instance = dev.depthwise_in_one_instance,
          .flatten_bias_first = dev.flatten_bias_first,
          .streaming_bias_dummy = dev.streaming_bias_dummy,
          .calcx4 = dev.calcx4};
}

}  // namespace ai8x::compile
