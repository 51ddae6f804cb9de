#include "compile/kernel_memory.hpp"

#include <bit>
#include <cstdio>
#include <string>

#include "compile/configured_layers.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

constexpr int kFree = -1;

int round_up4(int column) {
  return (column + 3) & ~3;
}

std::vector<int> processors_of(uint64_t map) {
  std::vector<int> out;
  for (int p = 0; p < 64; ++p)
    if ((map >> p) & 1) out.push_back(p);
  return out;
}

std::string hex4(int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

}  // namespace

KernelMemories::KernelMemories(const Network& net)
    : net_(net),
      dev_(*net.device),
      rules_(memory_rules(*net.device)),
      columns_(static_cast<int>(net.device->kernel_words_large)) {
  const auto n = static_cast<size_t>(dev_.processors());
  owner_.assign(n, std::vector<int>(static_cast<size_t>(columns_), kFree));
  filled_.assign(n, std::vector<uint8_t>(static_cast<size_t>(columns_), 0));
  data_.assign(n, std::vector<KernelWord>(static_cast<size_t>(columns_), KernelWord{}));
}

// Columns above the largest memory are free (a processor's own width is
// checked separately); columns below 0 are taken.
bool KernelMemories::occupied(int processor, int column) const {
  if (column < 0) return true;
  if (column >= columns_) return false;
  return owner_[static_cast<size_t>(processor)][static_cast<size_t>(column)] != kFree;
}

int KernelMemories::filled(int processor, int column) const {
  return filled_[static_cast<size_t>(processor)][static_cast<size_t>(column)];
}

int KernelMemories::owner(int processor, int column) const {
  return owner_[static_cast<size_t>(processor)][static_cast<size_t>(column)];
}

const KernelWord& KernelMemories::word(int processor, int column) const {
  return data_[static_cast<size_t>(processor)][static_cast<size_t>(column)];
}

bool KernelMemories::append(const LayerSpec& layer, int processor, int column, uint8_t byte) {
  if (processor < 0 || processor >= dev_.processors() || column < 0 || column + 1 > width(processor))
    exhausted(layer, processor, column, 1);
  const auto p = static_cast<size_t>(processor);
  const auto c = static_cast<size_t>(column);
  if (filled_[p][c] == 0) {
    if (owner_[p][c] != kFree && owner_[p][c] != layer.index) {
      throw Error({.file = net_.config_file, .layer = layer.index, .layer_name = layer.name, .key = "processors"},
                  "kernels overlap those of layer " + std::to_string(owner_[p][c]) + " in processor " +
                      std::to_string(processor) + ", column " + std::to_string(column));
    }
    owner_[p][c] = layer.index;
  }
  if (filled_[p][c] >= 9) {
    throw Error(
        {.file = net_.config_file, .layer = layer.index, .layer_name = layer.name, .key = "processors"},
        "kernel word " + std::to_string(column) + " of processor " + std::to_string(processor) + " is already full");
  }
  data_[p][c][static_cast<size_t>(8 - filled_[p][c])] = byte;
  return ++filled_[p][c] == 9;
}

void KernelMemories::exhausted(const LayerSpec& l, int processor, int column, int length) const {
  const int available = processor >= 0 && processor < dev_.processors() ? width(processor) : 0;
  throw Error({.file = net_.config_file, .layer = l.index, .layer_name = l.name, .key = "processors"},
              "kernel memory exhausted at processor " + std::to_string(processor) +
                  "; offset: " + std::to_string(column) + " (" + hex4(column) + "), needed: " + std::to_string(length) +
                  " words, the processor has " + std::to_string(available));
}

int KernelMemories::instance_mask(int column) const {
  return column + 1 >= static_cast<int>(dev_.kernel_words_small) ? rules_.extension_instance_words - 1
                                                                 : rules_.kernel_instance_words - 1;
}

int KernelMemories::fit_instance_up(const LayerSpec& l, int column, int length) const {
  if (!rules_.depthwise_in_one_instance || l.groups <= 1) return column;
  int mask = instance_mask(column + 1);
  if (((column + 1) & ~mask) != ((column + length) & ~mask)) column = ((column + mask) & ~mask) - 1;
  mask = instance_mask(column + 1);
  if (((column + 1) & ~mask) != ((column + length) & ~mask)) {
    throw Error(
        {.file = net_.config_file, .layer = l.index, .layer_name = l.name, .key = "groups"},
        "the depthwise kernels (" + std::to_string(length) + " words) do not fit into one kernel memory instance");
  }
  return column;
}

int KernelMemories::fit_instance_down(const LayerSpec& l, int column, int length) const {
  if (!rules_.depthwise_in_one_instance || l.groups <= 1) return column;
  const int mask = instance_mask(column - 1);
  if (((column - 1) & ~mask) != ((column - length) & ~mask)) column &= ~mask;
  return column;
}

int KernelMemories::search_up(const LayerSpec& l, uint64_t processors, int start, int length) const {
  const std::vector<int> used = processors_of(processors);
  if (used.empty()) return start;
  const int first = used.front();
  int column = start;
  while (occupied(first, column)) {
    column += 4;
    if (column + length > width(first)) exhausted(l, first, column, length);
  }
  for (size_t i = 0; i < used.size();) {
    const int p = used[i];
    column = fit_instance_up(l, column, length);
    bool clash = false;
    for (int c = column; c < column + length; ++c) {
      if (occupied(p, c)) {
        column = round_up4(c + 1);
        if (column + length > width(p)) exhausted(l, p, column, length);
        clash = true;
        break;
      }
    }
    i = clash ? 0 : i + 1;  // every processor again from the new column
  }
  return column;
}

std::optional<int> KernelMemories::search_down(const LayerSpec& l, uint64_t processors, int length) const {
  const std::vector<int> used = processors_of(processors);
  if (used.empty()) return std::nullopt;
  const int first = used.front();
  int column = columns_ - 1;
  while (occupied(first, column)) {
    column -= 4;
    if (column < 0) return std::nullopt;
  }
  for (size_t i = 0; i < used.size();) {
    const int p = used[i];
    column = fit_instance_down(l, column, length);
    bool clash = false;
    for (int c = column; c > column - length; --c) {
      if (occupied(p, c)) {
        column = (c - 1) & ~3;
        if (column < 0 || column + length > width(p)) return std::nullopt;
        clash = true;
        break;
      }
    }
    i = clash ? 0 : i + 1;
  }
  return column;
}

}  // namespace ai8x::compile
