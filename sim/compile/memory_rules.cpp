#include "compile/memory_rules.hpp"

namespace ai8x::compile {

const MemoryRules& memory_rules(const Device& dev) {
  static const MemoryRules max78000{.kernel_instance_words = 768,
                                    .extension_instance_words = 768,
                                    .depthwise_in_one_instance = false,
                                    .flatten_bias_first = true,
                                    .streaming_bias_dummy = true,
                                    .calcx4 = false};
  static const MemoryRules max78002{.kernel_instance_words = 1024,
                                    .extension_instance_words = 256,
                                    .depthwise_in_one_instance = true,
                                    .flatten_bias_first = false,
                                    .streaming_bias_dummy = false,
                                    .calcx4 = true};
  return dev.izer_number == 87 ? max78002 : max78000;
}

}  // namespace ai8x::compile
