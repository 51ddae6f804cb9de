#include "hw/quadrant.hpp"

#include "hw/layer_config.hpp"

namespace ai8x::hw {
namespace {

// TEST status: MAX78002 code waits on bit 25 after the clear-all request.
uint32_t test_done_mask(const Device& d) {
  return d.izer_number == 87 ? 1U << 25 : 0U;
}

}  // namespace

Quadrant::Quadrant(const Device& device, int index)
    : regs(device.max_layers, test_done_mask(device)), bias(device.bias_entries_per_quadrant), index_(index) {
  const int ppq = device.processors_per_quadrant;
  for (int p = 0; p < ppq; ++p) {
    kernels.emplace_back(device.kernel_words(index * ppq + p));
    trams.emplace_back(device.tram_entries_per_processor);
  }
  const uint32_t words = hw_params(device).memory_words;
  for (int k = 0; k < ppq / device.processors_per_memory; ++k) data.emplace_back(words);
}

void Quadrant::clear() {
  regs.clear();
  bias.clear();
  for (auto& k : kernels) k.clear();
  for (auto& t : trams) t.clear();
  for (auto& d : data) d.clear();
}

}  // namespace ai8x::hw
