#pragma once
// The layers the vendor generator configures, and per-layer facts that kernel
// and bias placement share.
#include <vector>

#include "spec/network.hpp"

namespace ai8x::compile {

// Layers [first, end): from the start layer to the highest layer reached by
// the next_sequence walk (after --stop-after). Layers in between that the walk
// skips are configured too.
struct ConfiguredRange {
  int first = 0;
  int end = 0;
};
ConfiguredRange configured_range(const Network& net);

// A layer's input/output channel expansion. Executed layers carry theirs;
// the generator derives it for skipped layers from the channel counts.
Expansion input_expansion(const Network& net, const LayerSpec& l);
Expansion output_expansion(const Network& net, const LayerSpec& l);

// The processors whose kernel memories a layer's input channels use. The
// fast-FIFO quad mode replicates layer 0's map into all quadrants, but its
// kernels are placed through quadrant 0 (hw-facts §1 "Fast FIFO").
uint64_t kernel_processors(const Network& net, const LayerSpec& l);

// Deduplication: entry i refers to the first earlier entry that is itself not
// a duplicate and equals it; to itself if there is none; -1 if it is absent.
template <class Item, class Equal>
std::vector<int> share_equal(const std::vector<Item>& items, const std::vector<bool>& present, Equal equal) {
  std::vector<int> owner(items.size(), -1);
  for (size_t i = 0; i < items.size(); ++i) {
    if (!present[i]) continue;
    owner[i] = static_cast<int>(i);
    for (size_t j = 0; j < i; ++j) {
      if (owner[j] == static_cast<int>(j) && equal(items[j], items[i], j, i)) {
        owner[i] = static_cast<int>(j);
        break;
      }
    }
  }
  return owner;
}

// Processors per quadrant and quadrants as the generator sees them: --max-proc
// N shrinks both (min(N, 16) processors per quadrant), and with them the
// processors that count as having a large kernel memory (the first of each
// quadrant).
int quadrant_size(const Network& net);
int quadrant_count(const Network& net);
int kernel_words(const Network& net, int processor);

int first_set(uint64_t map);  // index of the lowest set bit, -1 for 0
int last_set(uint64_t map);   // index of the highest set bit, -1 for 0

}  // namespace ai8x::compile
