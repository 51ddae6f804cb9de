#pragma once
// Known-answer placement and verdict (conventions §5, hw-facts §5).
//
// place_layer_output() turns a layer's output tensor into the data-memory
// words the accelerator writes and the izer's check_output() compares. The
// words keep their tensor coordinates so a mismatch can be reported as
// "layer 4, channel 7, row 0, column 0" instead of an address.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "check/expected.hpp"
#include "core/tensor.hpp"
#include "spec/network.hpp"

namespace ai8x {

// The processors of one data memory instance ("quad") in one output pass,
// in the order the izer walks them: from the quad of the lowest output
// processor upwards, restarting at that quad whenever the channel count
// reaches a multiple of the per-pass threshold.
struct OutputQuad {
  int processor = 0;  // first processor of the quad (multiple of 4)
  int pass = 0;
  std::array<int, 4> lane_channel{-1, -1, -1, -1};  // channel per enabled lane; -1: none
  int channels = 0;                                 // lanes holding a channel < C (the izer's n)
  int first_lane = 0;                               // lowest enabled lane
  unsigned lanes = 0;                               // enabled lanes (bit i = lane i)
};

// Output passes and channels per pass of a layer (out_passes/out_per_pass, or
// derived from `channels` when the spec leaves them unset).
Expansion output_expansion(const LayerSpec& layer, int channels);

// Throws ai8x::Error when the output map cannot hold `channels` channels.
std::vector<OutputQuad> output_quads(const LayerSpec& layer, int channels);

// Absolute address of byte `offset` in the memory of `processor`, honouring
// IzerOptions::apb_base. Throws if the address does not fit 32 bits.
uint32_t output_address(const Network& net, int processor, uint64_t offset);

// One data-memory word of an output layer.
struct PlacedWord {
  uint32_t addr = 0;
  // The known answer: check (memory & mask) == value. mask == 0 marks a word
  // the hardware writes that the izer does not list (32-bit output on a quad
  // whose first enabled lane isn't lane 0).
  uint32_t mask = 0;
  uint32_t value = 0;
  // What the hardware writes: the bytes of `data` under `write_mask`.
  uint32_t write_mask = 0;
  uint32_t data = 0;
  // Tensor coordinates. 8-bit: channel per byte lane; 32-bit: lane_channel[0].
  int layer = 0;
  int pass = 0;
  int row = 0;
  int col = 0;
  std::array<int, 4> lane_channel{-1, -1, -1, -1};
  bool wide = false;  // 32-bit output word
};

// Places `output` (C×H×W; 8-bit values or raw 32-bit accumulators as the
// layer's output_width says) as conventions §5.2 describes.
std::vector<PlacedWord> place_layer_output(const Network& net, const LayerSpec& layer, const Tensor& output);

// Layers the known answer covers: every executed layer flagged `output` and
// the terminating layer, in execution order.
std::vector<int> kat_layers(const Network& net);

// Output tensor of a layer index, or nullptr if the layer did not run.
using OutputLookup = std::function<const Tensor*(int layer)>;

// Placement of all kat_layers(). Throws ai8x::Error if one has no tensor.
std::vector<PlacedWord> place_outputs(const Network& net, const OutputLookup& outputs);
// Same, with the outputs indexed by layer.
std::vector<PlacedWord> place_outputs(const Network& net, const std::vector<std::optional<Tensor>>& outputs);

// The izer's block form: checked words sorted by (mask, address, value), runs
// of consecutive addresses with equal masks merged. `max_verify_length` N
// keeps the first N + 1 words like --max-verify-length.
std::vector<KatBlock> kat_blocks(const std::vector<PlacedWord>& words,
                                 std::optional<size_t> max_verify_length = std::nullopt);

// A source of data-memory words (the placement here; later the SystemC
// model's memories).
class MemoryReader {
 public:
  virtual ~MemoryReader() = default;
  [[nodiscard]] virtual uint32_t read32(uint32_t addr) const = 0;
};

// Word-addressed sparse memory; unwritten words read as 0.
class SparseMemory final : public MemoryReader {
 public:
  void write(uint32_t addr, uint32_t data, uint32_t byte_mask = 0xffffffff);
  [[nodiscard]] uint32_t read32(uint32_t addr) const override;
  [[nodiscard]] bool written(uint32_t addr) const { return words_.contains(addr); }
  [[nodiscard]] size_t size() const { return words_.size(); }

 private:
  std::unordered_map<uint32_t, uint32_t> words_;
};

// Applies the hardware writes of `words` in order.
SparseMemory memory_image(const std::vector<PlacedWord>& words);

// Where a word came from.
struct WordLocation {
  int layer = 0;
  int pass = 0;
  int row = 0;
  int col = 0;
  std::vector<int> channels;  // the channels whose bytes differ (all channels of the word if none)
};

struct KatMismatch {
  uint32_t addr = 0;
  uint32_t mask = 0;
  uint32_t expected = 0;
  uint32_t got = 0;  // memory & mask, as check_output() prints it
  std::optional<WordLocation> where;
};

struct KatVerdict {
  bool pass = true;
  size_t total_words = 0;
  size_t mismatched_words = 0;
  std::vector<KatMismatch> mismatches;  // the first `max_reported`
  // Expected words at addresses no placed output word covers (a placement or
  // configuration disagreement rather than an arithmetic one).
  size_t unplaced_words = 0;
  std::vector<uint32_t> unplaced_addresses;  // the first `max_reported`
};

// check_output(): (memory[addr] & mask) == value for every expected word, but
// counting all mismatches instead of stopping at the first. `placement`
// supplies the tensor coordinates of mismatching words.
KatVerdict compare_kat(const std::vector<KatBlock>& expected, const MemoryReader& memory,
                       const std::vector<PlacedWord>& placement, size_t max_reported = 10);

}  // namespace ai8x
