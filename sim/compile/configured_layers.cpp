#include "compile/configured_layers.hpp"

#include <algorithm>
#include <bit>

namespace ai8x::compile {

namespace {

bool executed(const Network& net, int layer) {
  return std::find(net.hardware_order.begin(), net.hardware_order.end(), layer) != net.hardware_order.end();
}

}  // namespace

ConfiguredRange configured_range(const Network& net) {
  ConfiguredRange r{.first = net.start_layer, .end = net.start_layer + 1};
  for (int ll : net.hardware_order) r.end = std::max(r.end, ll + 1);
  r.end = std::min(r.end, static_cast<int>(net.layers.size()));
  return r;
}

Expansion input_expansion(const Network& net, const LayerSpec& l) {
  if (executed(net, l.index)) return {.passes = l.in_passes, .per_pass = l.in_per_pass};
  return expansion(l.in_channels, net.options.max_proc.value_or(64));
}

Expansion output_expansion(const Network& net, const LayerSpec& l) {
  if (executed(net, l.index)) return {.passes = l.out_passes, .per_pass = l.out_per_pass};
  return expansion(l.out_channels, net.options.max_proc.value_or(64));
}

uint64_t kernel_processors(const Network& net, const LayerSpec& l) {
  if (l.index == 0 && net.options.fast_fifo_quad) {
    return l.processors & ((uint64_t{1} << quadrant_size(net)) - 1);
  }
  return l.processors;
}

int quadrant_size(const Network& net) {
  return std::min(net.options.max_proc.value_or(net.device->processors()), net.device->processors_per_quadrant);
}

int quadrant_count(const Network& net) {
  const int processors = net.options.max_proc.value_or(net.device->processors());
  return (processors + quadrant_size(net) - 1) / quadrant_size(net);
}

int kernel_words(const Network& net, int processor) {
  return static_cast<int>(processor % quadrant_size(net) == 0 ? net.device->kernel_words_large
                                                              : net.device->kernel_words_small);
}

int first_set(uint64_t map) {
  return map == 0 ? -1 : std::countr_zero(map);
}

int last_set(uint64_t map) {
  return map == 0 ? -1 : 63 - std::countl_zero(map);
}

}  // namespace ai8x::compile
