#include "compile/input_loading.hpp"

#include <bit>

namespace ai8x::compile {

namespace {

// The sample's byte for channel c at flat pixel index `pixel` of the start
// layer's input (reshaped row-major like the generator's data array).
uint32_t sample_byte(const Network& net, int c, int pixel) {
  const Tensor& t = net.input;
  const size_t per_channel = static_cast<size_t>(t.h) * static_cast<size_t>(t.w);
  const size_t i = static_cast<size_t>(c) * per_channel + static_cast<size_t>(pixel);
  if (c < 0 || c >= t.c || static_cast<size_t>(pixel) >= per_channel || i >= t.v.size()) return 0;
  return static_cast<uint32_t>(t.v[i]) & 0xff;
}

struct InputShape {
  int channels = 0;
  int pixels = 0;
  int operands = 1;
  Expansion expansion;
};

InputShape input_shape(const ProgramModel& m) {
  const LayerSpec& l = m.net().layers[static_cast<size_t>(m.start_layer())];
  const LayerHardware& h = m.hw(m.start_layer());
  return {.channels = l.in_channels, .pixels = l.in_dim[0] * l.in_dim[1], .operands = l.operands, .expansion = h.in};
}

// HWC: per quad of processors, one word per pixel, pass and operand.
std::vector<InputBlock> hwc_blocks(const ProgramModel& m, const InputShape& s, uint64_t map) {
  const Network& net = m.net();
  const Device& dev = *net.device;
  const uint32_t offset = net.layers[static_cast<size_t>(m.start_layer())].in_offset;
  const int procs = dev.processors();
  const int per_pass = s.expansion.per_pass;
  const int passes = s.expansion.passes;
  struct Pending {
    uint32_t address = 0;
    std::vector<std::vector<uint32_t>> passes;  // per pass: pixel·operands + operand
  };
  std::vector<Pending> pending(static_cast<size_t>(procs));
  std::vector<InputBlock> out;
  int c = 0;
  for (int ch = 0; ch < dev.max_channels; ch += 4) {
    const int proc = ch % procs;
    const uint32_t lanes = static_cast<uint32_t>((map >> proc) & 0xf);
    if (lanes == 0) continue;
    const int pass = per_pass > 0 ? c / per_pass : 0;
    Pending& p = pending[static_cast<size_t>(proc)];
    if (p.passes.empty()) p.address = dev.data_memory_address(proc, offset);
    std::vector<uint32_t> words;
    words.reserve(static_cast<size_t>(s.pixels) * static_cast<size_t>(s.operands));
    for (int px = 0; px < s.pixels; ++px) {
      for (int op = 0; op < s.operands; ++op) {
        uint32_t v = 0;
        int this_c = c;
        for (int i = 0; i < 4; ++i) {
          if ((lanes >> i & 1U) == 0) continue;
          if (this_c < s.channels) v |= sample_byte(net, this_c + op * s.channels, px) << (8 * i);
          ++this_c;
        }
        words.push_back(v);
      }
    }
    p.passes.push_back(std::move(words));
    if (pass == passes - 1) {
      InputBlock b{.address = p.address, .processor = proc, .words = {}};
      const size_t per = static_cast<size_t>(s.pixels) * static_cast<size_t>(s.operands);
      b.words.assign(per * p.passes.size(), 0);
      for (size_t e = 0; e < p.passes.size(); ++e) {
        for (size_t j = 0; j < p.passes[e].size(); ++j) {
          const size_t pixel = j / static_cast<size_t>(s.operands);
          const size_t op = j % static_cast<size_t>(s.operands);
          const size_t target =
              e * static_cast<size_t>(s.operands) + pixel * static_cast<size_t>(passes * s.operands) + op;
          if (target < b.words.size()) b.words[target] = p.passes[e][j];
        }
      }
      out.push_back(std::move(b));
    }
    c += std::popcount(lanes);
    if (c >= per_pass * passes) break;
  }
  return out;
}

// CHW: one channel per processor's memory, four pixels per word.
std::vector<InputBlock> chw_blocks(const ProgramModel& m, const InputShape& s, uint64_t map) {
  const Network& net = m.net();
  const Device& dev = *net.device;
  const uint32_t offset = net.layers[static_cast<size_t>(m.start_layer())].in_offset;
  const int procs = dev.processors();
  std::vector<InputBlock> out;
  int c = 0;
  for (int ch = 0; ch < dev.max_channels; ++ch) {
    const int proc = ch % procs;
    if ((map >> proc & 1U) == 0) continue;
    InputBlock b{.address = dev.data_memory_address(proc, offset), .processor = proc, .words = {}};
    for (int px = 0; px < s.pixels; px += 4) {
      uint32_t v = 0;
      for (int i = 0; i < 4 && px + i < s.pixels; ++i) v |= sample_byte(net, c, px + i) << (8 * i);
      b.words.push_back(v);
    }
    out.push_back(std::move(b));
    ++c;
    if (c >= s.expansion.per_pass * s.expansion.passes) break;
  }
  return out;
}

// FIFO n feeds quadrant n: CHW one channel per FIFO, HWC four channels per FIFO.
std::vector<std::vector<uint32_t>> fifo_streams(const ProgramModel& m, const InputShape& s, uint64_t map, bool chw) {
  const Network& net = m.net();
  const int fifos = chw ? s.channels : (s.channels + 3) / 4;
  const int length = chw ? (s.pixels + 3) / 4 : s.pixels;
  std::vector<std::vector<uint32_t>> out(static_cast<size_t>(fifos),
                                         std::vector<uint32_t>(static_cast<size_t>(length)));
  auto store = [&](int fifo, int index, uint32_t v) {
    if (fifo >= 0 && fifo < fifos) out[static_cast<size_t>(fifo)][static_cast<size_t>(index)] = v;
  };
  if (chw) {
    for (int px = 0; px < s.pixels; px += 4) {
      uint64_t pmap = 0;
      int fifo = 0;
      for (int c = 0; c < s.channels; ++c) {
        if (pmap == 0) {
          pmap = map;
          fifo = 0;
        }
        while (pmap != 0 && (pmap & 1U) == 0) {
          pmap >>= 16;
          ++fifo;
        }
        uint32_t v = 0;
        for (int b = 0; b < 4 && px + b < s.pixels; ++b) v |= sample_byte(net, c, px + b) << (8 * b);
        store(fifo, px / 4, v);
        pmap >>= 16;
        ++fifo;
      }
    }
  } else {
    for (int px = 0; px < s.pixels; ++px) {
      uint64_t pmap = 0;
      int fifo = 0;
      for (int c = 0; c < s.channels; c += 4) {
        if (pmap == 0) {
          pmap = map;
          fifo = 0;
        }
        while (pmap != 0 && (pmap & 0xf) == 0) {
          pmap >>= 16;
          ++fifo;
        }
        uint32_t v = 0;
        for (int b = 0; b < 4; ++b) {
          if ((pmap & 1U) != 0 && c + b < s.channels) v |= sample_byte(net, c + b, px) << (8 * b);
          pmap >>= 1;
        }
        store(fifo, px, v);
        pmap >>= 12;
        ++fifo;
      }
    }
  }
  return out;
}

}  // namespace

InputLoad input_load(const ProgramModel& m) {
  const Network& net = m.net();
  const LayerSpec& l = net.layers[static_cast<size_t>(m.start_layer())];
  const InputShape s = input_shape(m);
  const uint64_t map = m.input_processors();
  InputLoad load;
  load.fifo = net.options.fifo;
  load.fast_fifo = net.options.fast_fifo;
  if (load.fifo)
    load.fifos = fifo_streams(m, s, map, l.chw_input);
  else
    load.blocks = l.chw_input ? chw_blocks(m, s, map) : hwc_blocks(m, s, map);
  return load;
}

}  // namespace ai8x::compile
