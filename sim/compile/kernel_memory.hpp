#pragma once
// The kernel memories of all processors while layers are being placed: which
// layer owns each 72-bit word, how many of its 9 bytes are filled, and the
// vendor generator's search for a free column range (hw-facts §4.8).
#include <cstdint>
#include <optional>
#include <vector>

#include "compile/configured_layers.hpp"
#include "compile/kernel_map.hpp"
#include "compile/memory_rules.hpp"

namespace ai8x::compile {

class KernelMemories {
 public:
  explicit KernelMemories(const Network& net);

  [[nodiscard]] int width(int processor) const { return kernel_words(net_, processor); }
  // Words are filled from byte 8 down to byte 0 (hw-facts §4.8).
  [[nodiscard]] bool occupied(int processor, int column) const;
  [[nodiscard]] int filled(int processor, int column) const;
  [[nodiscard]] int owner(int processor, int column) const;
  [[nodiscard]] const KernelWord& word(int processor, int column) const;
  // Appends one byte to the word at `column`; returns true when the word is full.
  // Throws when the column is beyond the processor's memory or the word
  // belongs to another layer.
  bool append(const LayerSpec& layer, int processor, int column, uint8_t byte);

  // A free block of `length` columns in every processor of `processors`, for
  // layer `l`, searched upwards from `start` in steps of 4; throws when the
  // memory is exhausted.
  int search_up(const LayerSpec& l, uint64_t processors, int start, int length) const;
  // The same downwards from the top of the large memories; the block's top
  // column, or nothing.
  std::optional<int> search_down(const LayerSpec& l, uint64_t processors, int length) const;

  [[noreturn]] void exhausted(const LayerSpec& l, int processor, int column, int length) const;

 private:
  [[nodiscard]] int instance_mask(int column) const;
  // Keeps a depthwise layer's block inside one memory instance (MAX78002).
  int fit_instance_up(const LayerSpec& l, int column, int length) const;
  int fit_instance_down(const LayerSpec& l, int column, int length) const;

  const Network& net_;
  const Device& dev_;
  const MemoryRules rules_;
  int columns_;                                // every processor's map spans the largest memory
  std::vector<std::vector<int>> owner_;        // [processor][column] layer, -1 free
  std::vector<std::vector<uint8_t>> filled_;   // bytes written
  std::vector<std::vector<KernelWord>> data_;  // contents
};

}  // namespace ai8x::compile
