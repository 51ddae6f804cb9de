#include "compile/kernel_packing.hpp"

#include <bit>
#include <cstdlib>
#include <string>

#include "compile/configured_layers.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

[[noreturn]] void fail(const Network& net, const LayerSpec& l, const std::string& key, const std::string& message) {
  throw Error({.file = net.config_file, .layer = l.index, .layer_name = l.name, .key = key}, message);
}

// The kernels of one layer in the order the slots consume them.
class KernelSource {
 public:
  KernelSource(const LayerKernels& k, const PackingGeometry& g)
      : k_(k), g_(g), per_output_(k.count / g.out_channels), mask_((int64_t{1} << g.bits) - 1) {
    rows_ = g.flatten ? static_cast<int64_t>(g.out_channels) * g.in_per_pass : k.count;
  }

  [[nodiscard]] int64_t rows() const { return rows_; }
  [[nodiscard]] int64_t row_length() const { return g_.flatten ? g_.flat_length : g_.area; }

  // Element `e` of kernel `r`, reduced to its `bits`-bit memory code.
  [[nodiscard]] int64_t code(int64_t r, int64_t e) const {
    int64_t v = g_.flatten ? flattened(r, e) : k_.values[static_cast<size_t>(index(r) * g_.area + e)];
    if (g_.binary) v = v < 0 ? 1 : 0;  // −1 → 1, +1 → 0
    return v & mask_;
  }

 private:
  // Kernel r of the list in the layer's own (output, input) order.
  [[nodiscard]] int64_t index(int64_t r) const {
    const int64_t o = r / per_output_;
    const int64_t c = r % per_output_;
    return output(o) * per_output_ + c;
  }

  // calcx4 visits output channels 0, 4, 8, …, 1, 5, …; the fast-FIFO quad
  // mode interleaves groups of 4·per_byte so each quadrant gets its own.
  [[nodiscard]] int64_t output(int64_t o) const {
    const int64_t n = g_.out_channels;
    if (g_.output_order == OutputOrder::Calcx4) return 4 * (o % (n / 4)) + o / (n / 4);
    if (g_.output_order == OutputOrder::QuadInterleave) {
      const int64_t q = g_.per_byte;
      const int64_t block = o / (4 * q), within = o % (4 * q);
      return block * 4 * q + (within % q) * 4 + within / q;
    }
    return o;
  }

  // Flattened Linear: kernel r = (output o, input processor j) holds that
  // processor's weights pixel by pixel, the input passes of one pixel together.
  [[nodiscard]] int64_t flattened(int64_t r, int64_t e) const {
    const int64_t o = r / g_.in_per_pass;
    const int64_t j = r % g_.in_per_pass;
    const int64_t f = j * g_.flat_length + e;
    const int64_t passes = g_.in_passes_layer;
    const int64_t column = (f % passes) * (per_output_ / passes) + f / passes;
    return k_.values[static_cast<size_t>(o * per_output_ + column)];
  }

  const LayerKernels& k_;
  const PackingGeometry& g_;
  int64_t per_output_;
  int64_t mask_;
  int64_t rows_ = 0;
};

// Fills the kernel words of one input processor, one byte at a time.
class ProcessorPacker {
 public:
  ProcessorPacker(KernelMemories& mem, const LayerSpec& l, const PackingGeometry& g, int processor, int column,
                  int per_quadrant)
      : mem_(mem), l_(l), g_(g), processor_(processor), column_(column), per_quadrant_(per_quadrant) {}

  // `slot` is the word being filled, relative to the layer's column.
  void put(int64_t byte) {
    int target = processor_;
    int word = slot;
    if (g_.quad) {  // consecutive words go to the four quadrants in turn
      word = slot / 4;
      target += slot % 4 * per_quadrant_;
    }
    if (mem_.append(l_, target, column_ + word, static_cast<uint8_t>(byte & 0xff))) ++slot;
  }
  void skip_word() { ++slot; }
  [[nodiscard]] bool partial() const {
    const int c = column_ + slot;
    return c < mem_.width(processor_) && mem_.filled(processor_, c) > 0;
  }

  int slot = 0;

 private:
  KernelMemories& mem_;
  const LayerSpec& l_;
  const PackingGeometry& g_;
  int processor_;
  int column_;
  int per_quadrant_;
};

// One slot's kernels for input pass `pass` of processor channel `ch`,
// starting at output channel m: per_byte output channels share each byte.
void emit_slot(ProcessorPacker& out, const KernelSource& src, const PackingGeometry& g, int64_t first, int64_t m,
               int pass) {
  const int q = g.per_byte;
  std::vector<int64_t> kernel;  // flattening: the concatenated weights
  std::vector<int64_t> bytes(static_cast<size_t>(g.flatten ? 0 : g.area), 0);
  int n = 0;
  for (int i = 0; i < q; ++i) {
    if (m >= g.out_channels) continue;
    // Sub-fields cycle through the input passes before the next output channel.
    const int64_t t = n + static_cast<int64_t>(pass) * q;
    const int64_t r = first + (t % g.in_passes) * g.in_per_pass + (t / g.in_passes) * g.in_stride;
    ++n;
    if (r >= src.rows()) continue;
    for (int64_t e = 0; e < src.row_length(); ++e) {
      if (g.flatten)
        kernel.push_back(src.code(r, e));
      else
        bytes[static_cast<size_t>(e)] |= src.code(r, e) << (i * g.bits);
    }
  }
  if (!g.flatten) {
    for (int e = g.area - 1; e >= 0; --e) out.put(bytes[static_cast<size_t>(e)]);  // last element first
    return;
  }
  while (kernel.size() % static_cast<size_t>(q) != 0) kernel.push_back(0);
  for (size_t i = 0; i < kernel.size(); i += static_cast<size_t>(q)) {
    int64_t b = 0;
    for (int j = 0; j < q; ++j) b |= kernel[i + static_cast<size_t>(j)] << (j * g.bits);
    out.put(b);
  }
}

}  // namespace

PackingGeometry packing_geometry(const Network& net, const LayerSpec& l, const LayerKernels& k, bool calcx4) {
  PackingGeometry g;
  g.processors = kernel_processors(net, l);
  g.output_map = l.output_processors;
  if (g.processors == 0) fail(net, l, "processors", "the layer has kernels but no processors");
  if (g.output_map == 0) fail(net, l, "output_processors", "the layer has kernels but no output processors");
  g.binary = l.quantization == -1;
  g.bits = std::abs(l.quantization);
  if (g.bits != 1 && g.bits != 2 && g.bits != 4 && g.bits != 8)
    fail(net, l, "quantization", "kernels need 1, 2, 4 or 8-bit weights");
  g.per_byte = 8 / g.bits;
  g.area = k.area();
  const Expansion in = input_expansion(net, l);
  const Expansion out = output_expansion(net, l);
  g.in_passes_layer = in.passes;
  g.in_per_pass = in.per_pass;
  g.out_passes = out.passes;
  g.out_per_pass = out.per_pass;
  g.out_channels = l.out_channels;
  g.groups = l.groups;
  g.flatten = l.flatten;
  g.quad = l.index == 0 && net.options.fast_fifo_quad;
  if (g.out_channels <= 0 || k.count % g.out_channels != 0)
    fail(net, l, "out_channels", "the kernels do not divide into the output channels");
  if (g.flatten) {
    const int64_t per_output = k.count / g.out_channels;
    if (per_output % g.in_passes_layer != 0 || per_output % g.in_per_pass != 0)
      fail(net, l, "flatten", "the flattened weights do not divide into the input passes and processors");
    g.flat_length = per_output / g.in_per_pass;
    g.in_passes = 1;
    g.in_stride = g.in_per_pass;
  } else {
    g.in_passes = in.passes;
    g.in_stride = l.in_channels;
    if (calcx4) {
      if (g.out_channels % 4 != 0) fail(net, l, "calcx4", "calcx4 needs a multiple of 4 output channels");
      g.output_order = OutputOrder::Calcx4;
    } else if (g.quad && g.per_byte != 1) {
      if (g.out_channels % (4 * g.per_byte) != 0 || k.count != static_cast<int64_t>(g.out_channels) * l.in_channels)
        fail(net, l, "quantization", "the fast-FIFO quad mode needs output channels in multiples of 4·(8/bits)");
      g.output_order = OutputOrder::QuadInterleave;
    }
  }

  const int first_out = first_set(g.output_map);
  g.leading_slots = first_out % net.device->processors_per_memory;
  const int from = g.out_passes > 1 ? first_out - g.leading_slots : first_out;
  const int64_t span = 1 + last_set(g.output_map) - from;
  int64_t slots = 0;
  int64_t count = 0;
  if (g.groups == 1) {
    slots = span * g.out_passes * g.in_passes;
    count = slots + static_cast<int64_t>(g.leading_slots) * g.out_passes * g.in_passes;
  } else {
    slots = g.in_passes;
    count = slots + static_cast<int64_t>(g.leading_slots) * g.in_passes;
  }
  if (g.flatten) {
    const int64_t unused = static_cast<int64_t>(g.out_passes) * std::popcount(g.output_map) - g.out_channels;
    slots = (slots - unused) * g.flat_length;
    count = (count - unused) * g.flat_length;
  }
  // A partly filled last byte group still takes whole bytes.
  const int64_t padding = (slots % g.per_byte) * g.area * (g.per_byte - 1);
  int64_t length = (slots * g.area * g.bits + padding + 71) / 72;
  if (g.quad) {
    length = (length + 3) / 4;
    count = (count + 3) / 4;
  }
  if (length > (1 << 20) || count > (1 << 24)) fail(net, l, "processors", "the kernels are too large");
  g.length = static_cast<int>(length);
  g.count = static_cast<int>(count);
  return g;
}

int pack_layer(KernelMemories& mem, const Network& net, const LayerSpec& l, const LayerKernels& k,
               const PackingGeometry& g, int column) {
  const KernelSource src(k, g);
  const int q = g.per_byte;
  const uint64_t field = (uint64_t{1} << q) - 1;
  const int out_range = g.groups == 1 ? g.out_passes : 1;
  const int64_t in_stride = g.flatten ? static_cast<int64_t>(g.in_stride) * q : g.in_stride;
  int length = g.length;
  int ch = 0;
  for (int p = 0; p < 64; ++p) {
    if (((g.processors >> p) & 1) == 0) continue;
    ProcessorPacker out(mem, l, g, p, column, quadrant_size(net));
    // Leading output slots (first output processor % 4) stay empty.
    const int64_t lead = static_cast<int64_t>(g.leading_slots) * g.area * g.in_passes;
    out.slot = static_cast<int>(lead / 9);
    for (int64_t i = 0; i < (lead % 9) / q; ++i) out.put(0);
    int64_t m = 0;
    for (int pass = 0; pass < out_range; ++pass) {
      uint64_t map = g.output_map >> first_set(g.output_map);
      int64_t slot = g.groups == 1 ? static_cast<int64_t>(pass) * g.out_per_pass : pass;
      const int64_t stop = slot + (g.groups == 1 ? g.out_per_pass : 1);
      while (slot < stop) {
        if (map != 0) {
          while ((map & field) == 0) {  // unused output processors: a whole word each
            out.skip_word();
            map >>= q;
          }
        }
        map >>= q;
        const int64_t first = ch + m * in_stride;
        for (int ie = 0; ie < g.in_passes; ++ie) {
          if (static_cast<int64_t>(ie) * g.in_per_pass + ch < in_stride && first < src.rows()) {
            emit_slot(out, src, g, first, m, ie);
          } else {
            for (int i = 0; i < g.area / q; ++i) out.put(0);
          }
        }
        const int step = g.flatten ? 1 : q;
        slot += step;
        m += step;
      }
    }
    if (g.quad) out.slot = (out.slot - g.leading_slots + 3) / 4 + g.leading_slots;
    if (out.partial()) out.skip_word();
    while (out.slot - g.leading_slots < length) out.put(0);
    if (g.flatten) length = out.slot;
    ++ch;
  }
  return length;
}

}  // namespace ai8x::compile
