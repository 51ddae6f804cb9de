#include "check/kat.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <tuple>

#include "core/error.hpp"

namespace ai8x {

namespace {

constexpr int kMaxProcessors = 64;

ErrorContext layer_context(const LayerSpec& layer) {
  return {.layer = layer.index, .layer_name = layer.name};
}

const Device& device_of(const Network& net) {
  if (net.device == nullptr) throw Error("network has no device");
  return *net.device;
}

uint32_t byte_mask(int lanes, int first_lane) {
  const uint64_t bytes = (uint64_t{1} << (8 * lanes)) - 1;
  return static_cast<uint32_t>(bytes << (8 * first_lane));
}

void check_output_shape(const LayerSpec& layer, const Tensor& output) {
  if (output.c < 0 || output.h < 0 || output.w < 0 ||
      output.v.size() != static_cast<size_t>(output.c) * output.h * output.w) {
    throw Error(layer_context(layer), "output tensor shape does not match its data");
  }
  if (layer.output_width != 8 && layer.output_width != 32) {
    throw Error(layer_context(layer), "output_width must be 8 or 32, not " + std::to_string(layer.output_width));
  }
  if (layer.write_gap < 0) throw Error(layer_context(layer), "negative write_gap");
}

void place_narrow(const Network& net, const LayerSpec& layer, const Tensor& output, const OutputQuad& quad, int pixel,
                  int passes, std::vector<PlacedWord>& out) {
  PlacedWord word;
  const uint64_t index =
      (static_cast<uint64_t>(pixel) * passes + quad.pass) * (static_cast<uint64_t>(layer.write_gap) + 1);
  word.addr = output_address(net, quad.processor, layer.out_offset + 4 * index);
  word.layer = layer.index;
  word.pass = quad.pass;
  word.row = pixel / output.w;
  word.col = pixel % output.w;
  word.lane_channel = quad.lane_channel;
  for (int lane = 0; lane < 4; ++lane) {
    const int ch = quad.lane_channel[lane];
    if (ch < 0) continue;
    const auto byte = static_cast<uint32_t>(output.at(ch, word.row, word.col) & 0xff);
    word.data |= byte << (8 * lane);
    word.write_mask |= 0xffU << (8 * lane);
  }
  word.mask = byte_mask(quad.channels, quad.first_lane);
  word.value = word.data & word.mask;
  out.push_back(word);
}

// 32-bit output: lane i is the word at +4i. The izer lists words 0..n-1 with
// lane i's value, which equals the hardware's writes when the quad's lanes
// start at lane 0.
void place_wide(const Network& net, const LayerSpec& layer, const Tensor& output, const OutputQuad& quad, int pixel,
                int passes, std::vector<PlacedWord>& out) {
  const uint64_t first =
      (static_cast<uint64_t>(pixel) * passes * 4 + quad.pass * 4ULL) * (static_cast<uint64_t>(layer.write_gap) + 1);
  for (int i = 0; i < 4; ++i) {
    const int ch = quad.lane_channel[i];
    const bool listed = i < quad.channels;
    if (!listed && ch < 0) continue;
    PlacedWord word;
    word.addr = output_address(net, quad.processor, layer.out_offset + 4 * (first + i));
    word.layer = layer.index;
    word.pass = quad.pass;
    word.row = pixel / output.w;
    word.col = pixel % output.w;
    word.wide = true;
    word.lane_channel = {ch, -1, -1, -1};
    if (ch >= 0) {
      word.data = static_cast<uint32_t>(output.at(ch, word.row, word.col) & 0xffffffff);
      word.write_mask = 0xffffffff;
    }
    if (listed) {
      word.mask = 0xffffffff;
      word.value = word.data;
    }
    out.push_back(word);
  }
}

std::vector<int> executed_layers(const Network& net) {
  std::vector<int> run;
  if (!net.order.empty()) {
    run = net.order;
  } else {
    for (int l = 0; l <= net.final_layer; ++l) run.push_back(l);
  }
  for (int l : run) {
    if (l < 0 || static_cast<size_t>(l) >= net.layers.size()) {
      throw Error("execution order names layer " + std::to_string(l) + ", which does not exist");
    }
  }
  return run;
}

WordLocation locate(const PlacedWord& word, uint32_t expected, uint32_t got, uint32_t mask) {
  WordLocation where{.layer = word.layer, .pass = word.pass, .row = word.row, .col = word.col};
  if (word.wide) {
    if (word.lane_channel[0] >= 0) where.channels.push_back(word.lane_channel[0]);
    return where;
  }
  const uint32_t diff = (expected ^ got) & mask;
  for (int lane = 0; lane < 4; ++lane) {
    if (word.lane_channel[lane] >= 0 && ((diff >> (8 * lane)) & 0xff) != 0) {
      where.channels.push_back(word.lane_channel[lane]);
    }
  }
  if (where.channels.empty()) {
    for (int ch : word.lane_channel) {
      if (ch >= 0) where.channels.push_back(ch);
    }
  }
  return where;
}

}  // namespace

Expansion output_expansion(const LayerSpec& layer, int channels) {
  if (layer.out_per_pass > 0) return {std::max(layer.out_passes, 1), layer.out_per_pass};
  return expansion(channels);
}

std::vector<OutputQuad> output_quads(const LayerSpec& layer, int channels) {
  std::vector<OutputQuad> quads;
  if (channels <= 0) return quads;
  const uint64_t map = layer.output_processors;
  if (map == 0) throw Error(layer_context(layer), "output processor map is empty");
  const int per_pass = output_expansion(layer, channels).per_pass;
  const int start = std::countr_zero(map) & ~3;
  int quad = start;
  int c = 0;
  while (c < channels) {
    if (c % per_pass == 0) quad = start;  // next pass: back to the first quad
    if (quad >= kMaxProcessors) {
      throw Error(layer_context(layer),
                  "output processor map has too few processors for " + std::to_string(per_pass) + " channels per pass");
    }
    OutputQuad q{.processor = quad, .pass = c / per_pass};
    q.lanes = static_cast<unsigned>((map >> quad) & 0xf);
    if (q.lanes != 0) {
      q.first_lane = std::countr_zero(q.lanes);
      const int first_channel = c;
      for (int lane = 0; lane < 4; ++lane) {
        if (((q.lanes >> lane) & 1U) == 0) continue;
        if (c < channels) q.lane_channel[lane] = c;
        ++c;
      }
      q.channels = std::min(c, channels) - first_channel;
      quads.push_back(q);
    }
    quad += 4;
  }
  return quads;
}

uint32_t output_address(const Network& net, int processor, uint64_t offset) {
  const Device& dev = device_of(net);
  const uint64_t apb = net.options.apb_base.value_or(dev.apb_base);
  const uint64_t addr = uint64_t{dev.data_memory_address(processor, 0)} - dev.apb_base + apb + offset;
  if (addr > std::numeric_limits<uint32_t>::max()) {
    throw Error("output address of processor " + std::to_string(processor) + " at offset " + std::to_string(offset) +
                " exceeds 32 bits");
  }
  return static_cast<uint32_t>(addr);
}

std::vector<PlacedWord> place_layer_output(const Network& net, const LayerSpec& layer, const Tensor& output) {
  device_of(net);
  check_output_shape(layer, output);
  const std::vector<OutputQuad> quads = output_quads(layer, output.c);
  const int passes = output_expansion(layer, output.c).passes;
  const bool wide = layer.output_width == 32;
  std::vector<PlacedWord> words;
  const size_t pixels = static_cast<size_t>(output.h) * output.w;
  words.reserve(pixels * quads.size() * (wide ? 4 : 1));
  for (size_t pixel = 0; pixel < pixels; ++pixel) {
    for (const OutputQuad& quad : quads) {
      if (wide) {
        place_wide(net, layer, output, quad, static_cast<int>(pixel), passes, words);
      } else {
        place_narrow(net, layer, output, quad, static_cast<int>(pixel), passes, words);
      }
    }
  }
  return words;
}

std::vector<int> kat_layers(const Network& net) {
  std::vector<int> result;
  for (int l : executed_layers(net)) {
    const bool checked = net.layers[static_cast<size_t>(l)].output || l == net.final_layer;
    if (checked && std::find(result.begin(), result.end(), l) == result.end()) {
      result.push_back(l);
    }
  }
  if (std::find(result.begin(), result.end(), net.final_layer) == result.end() && net.final_layer >= 0 &&
      static_cast<size_t>(net.final_layer) < net.layers.size()) {
    result.push_back(net.final_layer);
  }
  return result;
}

std::vector<PlacedWord> place_outputs(const Network& net, const OutputLookup& outputs) {
  std::vector<PlacedWord> words;
  for (int l : kat_layers(net)) {
    const LayerSpec& layer = net.layers[static_cast<size_t>(l)];
    const Tensor* tensor = outputs(l);
    if (tensor == nullptr) throw Error(layer_context(layer), "no output tensor for a KAT layer");
    std::vector<PlacedWord> placed = place_layer_output(net, layer, *tensor);
    words.insert(words.end(), placed.begin(), placed.end());
  }
  return words;
}

std::vector<PlacedWord> place_outputs(const Network& net, const std::vector<std::optional<Tensor>>& outputs) {
  return place_outputs(net, [&outputs](int l) -> const Tensor* {
    if (l < 0 || static_cast<size_t>(l) >= outputs.size() || !outputs[static_cast<size_t>(l)]) {
      return nullptr;
    }
    return &*outputs[static_cast<size_t>(l)];
  });
}

std::vector<KatBlock> kat_blocks(const std::vector<PlacedWord>& words, std::optional<size_t> max_verify_length) {
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t>> listed;  // mask, addr, value
  listed.reserve(words.size());
  for (const PlacedWord& w : words) {
    if (w.mask != 0) listed.emplace_back(w.mask, w.addr, w.value);
  }
  std::sort(listed.begin(), listed.end());
  if (max_verify_length && listed.size() > *max_verify_length + 1) {
    listed.resize(*max_verify_length + 1);
  }
  std::vector<KatBlock> blocks;
  uint32_t next_addr = 0;
  for (const auto& [mask, addr, value] : listed) {
    if (blocks.empty() || blocks.back().mask != mask || addr != next_addr) {
      blocks.push_back({.addr = addr, .mask = mask, .words = {}});
    }
    blocks.back().words.push_back(value);
    next_addr = addr + 4;
  }
  return blocks;
}

void SparseMemory::write(uint32_t addr, uint32_t data, uint32_t byte_mask) {
  if (byte_mask == 0) return;
  uint32_t& word = words_[addr];
  word = (word & ~byte_mask) | (data & byte_mask);
}

uint32_t SparseMemory::read32(uint32_t addr) const {
  const auto it = words_.find(addr);
  return it == words_.end() ? 0 : it->second;
}

SparseMemory memory_image(const std::vector<PlacedWord>& words) {
  SparseMemory memory;
  for (const PlacedWord& w : words) memory.write(w.addr, w.data, w.write_mask);
  return memory;
}

KatVerdict compare_kat(const std::vector<KatBlock>& expected, const MemoryReader& memory,
                       const std::vector<PlacedWord>& placement, size_t max_reported) {
  std::unordered_map<uint32_t, size_t> origin;  // address -> last placed word there
  origin.reserve(placement.size());
  for (size_t i = 0; i < placement.size(); ++i) origin[placement[i].addr] = i;

  KatVerdict verdict;
  for (const KatBlock& block : expected) {
    for (size_t i = 0; i < block.words.size(); ++i) {
      const uint32_t addr = block.addr + static_cast<uint32_t>(4 * i);
      const uint32_t want = block.words[i];
      const uint32_t got = memory.read32(addr) & block.mask;
      ++verdict.total_words;
      const auto it = origin.find(addr);
      if (it == origin.end()) {
        if (verdict.unplaced_addresses.size() < max_reported) {
          verdict.unplaced_addresses.push_back(addr);
        }
        ++verdict.unplaced_words;
      }
      if (got == want) continue;
      ++verdict.mismatched_words;
      if (verdict.mismatches.size() < max_reported) {
        KatMismatch m{.addr = addr, .mask = block.mask, .expected = want, .got = got};
        if (it != origin.end()) m.where = locate(placement[it->second], want, got, block.mask);
        verdict.mismatches.push_back(std::move(m));
      }
    }
  }
  verdict.pass = verdict.mismatched_words == 0;
  return verdict;
}

}  // namespace ai8x
