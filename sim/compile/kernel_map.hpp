#pragma once
// Kernel memory placement: where every layer's kernels live in the 72-bit
// kernel memory words of each processor, exactly as the vendor generator
// places them (hw-facts §4.8), and the bytes each word holds.
//
// Each processor has its own kernel memory (MAX78000: 768 words; MAX78002:
// 4096, 5120 on processors 0/16/32/48). A layer's kernels sit in the
// memories of its input processors, starting at the same column in each.
#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "compile/options.hpp"
#include "spec/network.hpp"

namespace ai8x::compile {

// One 72-bit kernel memory word, byte[0..8] as hw-facts §4.8 numbers them.
using KernelWord = std::array<uint8_t, 9>;

struct KernelPlacement {
  bool has_kernels = false;  // placed kernels (its own or shared_with's); false: passthrough, bypass, not configured
  int shared_with = -1;      // uses the kernels of this (earlier) layer: identical kernels are stored once
  int column = 0;            // "Kernel offset": first kernel memory column (72-bit word index)
  int length = 0;            // "Kernel length": words per processor
  int count = 0;             // "Kernel count": kernel slots per processor (skipped output slots included)
  Pair reported{1, 1};       // "Kernel dimensions"
  Pair size{1, 1};           // kernel size in hardware (after Conv1d dilation and 1×1 streaming substitutions)
  bool calcx4 = false;       // words spread over the four memory instances (the image holds physical words)
  std::vector<int> words;    // words this layer occupies in each processor's memory (one entry per processor)
};

struct KernelMap {
  std::vector<KernelPlacement> layers;  // indexed like Network::layers
  // Per processor: word index (physical, as the kernel loader addresses it) → contents.
  std::vector<std::map<int, KernelWord>> memory;
  std::vector<int> words_used;  // per processor: occupied words
  // Per processor: (physical word, contents) in the generator's load order. A
  // calcx4 layer can load words an earlier layer also loaded (the generator
  // writes both), so this can differ from `memory`, which holds the final words.
  std::vector<std::vector<std::pair<int, KernelWord>>> loads;
};

// Words of one processor that two loads fill with different contents: the
// kernels loaded first are lost on the chip (a calcx4 layer placed over a
// non-calcx4 layer's words).
struct KernelOverlap {
  int processor = 0;
  int first_word = 0;
  int last_word = 0;
};
std::vector<KernelOverlap> kernel_overlaps(const KernelMap& map);

// Places the kernels of the layers the generator configures, in its order:
// layers using all 64 processors first, then the others, each by layer index.
// Throws ai8x::Error naming the layer and processor when a kernel memory is
// exhausted.
KernelMap place_kernels(const Network& net, const CompileOptions& opt = {});

}  // namespace ai8x::compile
