#pragma once
// Bias memory placement (hw-facts §4.7): every quadrant has its own bias
// memory (MAX78000: 512 entries, MAX78002: 2048). A layer's bias lives in one
// quadrant (the generator's first-fit-descending choice among the used
// quadrants, or `bias_group`); depthwise layers keep each quadrant's
// channels in that quadrant.
#include <cstdint>
#include <optional>
#include <vector>

#include "compile/options.hpp"
#include "spec/network.hpp"

namespace ai8x::compile {

struct BiasPlacement {
  enum class Where { None, Quadrant, AllQuadrants };
  Where where = Where::None;  // None: no bias, an all-zero bias, or a layer not configured
  int quadrant = -1;          // "Quadrant with bias" when `where` is Quadrant
  int shared_with = -1;       // uses the bias entries of this earlier layer (identical bias values)
  // "Bias offset": per quadrant, the first bias entry (the same in every
  // quadrant for a single-quadrant bias; the entry index adds
  // (first output processor % 4)·output passes + channel).
  std::vector<std::optional<int>> offsets;
  int length = 0;  // entries reserved in the quadrant (single-quadrant bias)
};

struct BiasMap {
  std::vector<BiasPlacement> layers;         // indexed like Network::layers
  std::vector<std::vector<uint8_t>> memory;  // per quadrant: entries 0..used-1
};

// Throws ai8x::Error naming the layer and quadrant when a bias memory is
// exhausted, and for a `bias_group` that names an unused quadrant.
BiasMap place_biases(const Network& net, const CompileOptions& opt = {});

// The generator's table spelling: "None", "0".."3", "'all'"; and "[0, 0, 0, 0]" /
// "[None, None, None, None]".
std::string quadrant_text(const BiasPlacement& b);
std::string offsets_text(const BiasPlacement& b);

}  // namespace ai8x::compile
