#include "check/unload.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "core/error.hpp"

namespace ai8x {

namespace {

struct UnloadShape {
  const LayerSpec* layer = nullptr;
  int c = 0, h = 0, w = 0;
  std::vector<OutputQuad> quads;
  int passes = 1;
  [[nodiscard]] int pixels() const { return h * w; }
};

UnloadShape unload_shape(const LayerSpec& layer) {
  UnloadShape s{.layer = &layer, .c = layer.out_channels, .h = layer.out_dim[0], .w = layer.out_dim[1]};
  if (s.c < 0 || s.h < 0 || s.w < 0) {
    throw Error({.layer = layer.index, .layer_name = layer.name}, "negative output shape");
  }
  s.quads = output_quads(layer, s.c);
  s.passes = output_expansion(layer, s.c).passes;
  return s;
}

int64_t sign_extend(uint32_t value, int bits) {
  const uint32_t sign = 1U << (bits - 1);
  const uint64_t field = bits == 32 ? value : (value & ((1U << bits) - 1));
  return static_cast<int64_t>(field ^ sign) - static_cast<int64_t>(sign);
}

void unload_wide(const Network& net, const UnloadShape& s, const MemoryReader& memory, std::vector<int64_t>& out) {
  const uint64_t gap = static_cast<uint64_t>(s.layer->write_gap) + 1;
  for (const OutputQuad& quad : s.quads) {
    const int enabled = std::popcount(quad.lanes);
    for (int pixel = 0; pixel < s.pixels(); ++pixel) {
      const uint64_t first = (static_cast<uint64_t>(pixel) * s.passes * 4 + quad.pass * 4ULL) * gap;
      for (int j = 0; j < enabled; ++j) {
        const uint32_t addr = output_address(net, quad.processor, s.layer->out_offset + 4 * (first + j));
        out.push_back(sign_extend(memory.read32(addr), 32));
      }
    }
  }
}

// Byte `pos` of the output buffer; the buffer is only as large as the layers'
// C·H·W bytes, later stores overwrite earlier ones.
void store(std::vector<int64_t>& buffer, size_t pos, uint32_t byte) {
  if (pos < buffer.size()) buffer[pos] = sign_extend(byte, 8);
}

void unload_narrow(const Network& net, const UnloadShape& s, const MemoryReader& memory, size_t base,
                   std::vector<int64_t>& buffer) {
  const uint64_t gap = static_cast<uint64_t>(s.layer->write_gap) + 1;
  const size_t xy = static_cast<size_t>(s.pixels());
  size_t before = 0;  // enabled lanes of the quads already read
  for (const OutputQuad& quad : s.quads) {
    for (size_t pixel = 0; pixel < xy; ++pixel) {
      const uint64_t index = (pixel * s.passes + static_cast<uint64_t>(quad.pass)) * gap;
      const uint32_t word = memory.read32(output_address(net, quad.processor, s.layer->out_offset + 4 * index));
      size_t j = 0;
      for (int lane = 0; lane < 4; ++lane) {
        if (((quad.lanes >> lane) & 1U) == 0) continue;
        const uint32_t byte = (word >> (8 * lane)) & 0xff;
        // 1×1: bytes in walk order; otherwise indexed by lane (see header).
        const size_t pos = xy == 1 ? base + before + j : base + xy * (before + lane) + pixel;
        store(buffer, pos, byte);
        ++j;
      }
    }
    before += static_cast<size_t>(std::popcount(quad.lanes));
  }
}

}  // namespace

std::vector<int> unload_layers(const Network& net) {
  std::vector<int> run = net.order;
  if (run.empty()) {
    for (int l = 0; l <= net.final_layer; ++l) run.push_back(l);
  }
  std::vector<int> flagged;
  for (int l : run) {
    if (l < 0 || static_cast<size_t>(l) >= net.layers.size()) {
      throw Error("execution order names layer " + std::to_string(l) + ", which does not exist");
    }
    if (net.layers[static_cast<size_t>(l)].output) flagged.push_back(l);
  }
  std::sort(flagged.begin(), flagged.end());
  flagged.erase(std::unique(flagged.begin(), flagged.end()), flagged.end());
  if (flagged.empty()) {
    if (net.final_layer < 0 || static_cast<size_t>(net.final_layer) >= net.layers.size()) {
      throw Error("final layer " + std::to_string(net.final_layer) + " does not exist");
    }
    flagged.push_back(net.final_layer);
  }
  return flagged;
}

std::vector<int64_t> unload_outputs(const Network& net, const MemoryReader& memory) {
  if (net.device == nullptr) throw Error("network has no device");
  std::vector<UnloadShape> shapes;
  bool any_narrow = false;
  bool any_wide = false;
  for (int l : unload_layers(net)) {
    const LayerSpec& layer = net.layers[static_cast<size_t>(l)];
    if (layer.output_width != 8 && layer.output_width != 32) {
      throw Error({.layer = layer.index, .layer_name = layer.name},
                  "output_width must be 8 or 32, not " + std::to_string(layer.output_width));
    }
    (layer.output_width == 32 ? any_wide : any_narrow) = true;
    shapes.push_back(unload_shape(layer));
  }
  if (any_narrow && any_wide) {
    throw Error("cnn_unload() emulation does not support mixing 8- and 32-bit output layers");
  }
  size_t total = 0;
  for (const UnloadShape& s : shapes) total += static_cast<size_t>(s.c) * s.pixels();
  // Each output value occupies 1 or 4 bytes of data memory; more cannot be real.
  const Device& dev = *net.device;
  const size_t capacity = static_cast<size_t>(dev.processors() / dev.processors_per_memory) * dev.data_memory_bytes;
  if (total * (any_wide ? 4 : 1) > capacity) {
    throw Error("unload layers hold " + std::to_string(total) + " values, more than the data memories can (" +
                std::to_string(capacity) + " bytes)");
  }
  std::vector<int64_t> out;
  if (any_wide) {
    out.reserve(total);
    for (const UnloadShape& s : shapes) unload_wide(net, s, memory, out);
    return out;
  }
  out.assign(total, 0);
  size_t base = 0;
  for (const UnloadShape& s : shapes) {
    unload_narrow(net, s, memory, base, out);
    base += static_cast<size_t>(s.c) * s.pixels();
  }
  return out;
}

}  // namespace ai8x
