#include "compile/layer_registers.hpp"

#include <algorithm>
#include <bit>

#include "core/error.hpp"

namespace ai8x::compile {

namespace {

int popcount(uint64_t v) {
  return std::popcount(v);
}

// Python-style floor division (the generator's `//`), also for negative operands.
int floor_div(int a, int b) {
  const int q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int round_up_div(int a, int b) {
  return (a + b - 1) / b;
}

uint32_t u32(int v) {
  return static_cast<uint32_t>(v);
}

// The kernel memory column of a calcx4 layer as the mask counters address it:
// the four instances of a memory are interleaved word by word.
int calcx4_column(const Device& dev, int k) {
  const int small = static_cast<int>(dev.kernel_words_small);
  if (k < small) return (k % 4) * (small / 4) + k / 4;
  const int ext = static_cast<int>(dev.kernel_words_large) - small;
  k -= small;
  return (k % 4) * (ext / 4) + k / 4 + small;
}

int eltwise_code(Eltwise e) {
  switch (e) {
    case Eltwise::Sub: return 0b00;
    case Eltwise::Add: return 0b01;
    case Eltwise::Or: return 0b10;
    case Eltwise::Xor: return 0b11;
    case Eltwise::None: break;
  }
  return 0;
}

uint32_t quadrant_bits(uint64_t map, int quadrant) {
  return static_cast<uint32_t>((map >> (16 * quadrant)) & 0xffff);
}

}  // namespace

ProgramTraits program_traits(const Device& dev) {
  ProgramTraits t;
  t.instance_words = static_cast<int>(dev.data_memory_window / 16);
  if (dev.izer_number == 87) {
    t.wide_counts = true;
    t.pad_shift = 13;
    t.write_ptr_shift = 15;
    t.xpch_shift = 12;
    t.pool_dilation = true;
    t.kernel_dims = true;
    t.new_streaming = true;
    t.avgpool_reset = true;
    t.register_clear = true;
    t.pipeline_capable = true;
    t.pll_capable = true;
    t.apb_mhz = 60;
    t.pll_mhz = 200;
    t.bist_zero = 1U << 12 | 1U << 11 | 1U << 10 | 1U << 7;
    t.bist_zero_no_bias = 1U << 12 | 1U << 11 | 1U << 7;
    t.bist_zero_done = 1U << 25;
    t.bist = {{{1U << 12 | 1U << 0, 1U << 18},
               {1U << 13 | 1U << 2, 1U << 19},
               {1U << 13 | 1U << 12 | 1U << 4, 1U << 20},
               {1U << 12 | 1U << 11 | 1U << 10 | 1U << 6, 1U << 21}}};
  } else {
    t.bist = {{{1U << 0, 1U << 27 | 1U << 18},
               {1U << 2, 1U << 27 | 1U << 19},
               {1U << 4, 1U << 27 | 1U << 20},
               {1U << 6, 1U << 27 | 1U << 21}}};
    t.eltwise_emulation = true;
    t.fifo_completion = true;
    t.oneshot_clear = true;
  }
  return t;
}

ProgramModel::ProgramModel(const Network& net, const CompileOptions& opt)
    : net_(net),
      opt_(opt),
      traits_(program_traits(*net.device)),
      regs_(*net.device),
      kernels_(place_kernels(net, opt)),
      biases_(place_biases(net, opt)),
      range_(configured_range(net)) {
  final_layer_ = net.hardware_order.empty() ? range_.end - 1 : net.hardware_order.back();
  hw_.resize(net.layers.size());
  added_.assign(net.layers.size(), 0);
  uint64_t used = 0;
  for (int ll = range_.first; ll < range_.end; ++ll) {
    hw_[static_cast<size_t>(ll)] = derive(net.layers[static_cast<size_t>(ll)]);
    used |= hw_[static_cast<size_t>(ll)].processors;
  }
  used |= net.layers[static_cast<size_t>(final_layer_)].output_processors;
  for (int q = 0; q < net.device->quadrants; ++q) {
    if (quadrant_bits(used, q) != 0) quadrants_.push_back(q);
  }
  if (quadrants_.empty() || quadrants_.front() != 0) {
    throw Error({.file = net.config_file, .key = "processors"},
                "quadrant 0 is not used; the generated code needs it as the master quadrant");
  }
  // Reset layers (MAX78002): an average pool right after an element-wise layer.
  for (size_t i = 0; i < net.hardware_order.size(); ++i) {
    const int ll = net.hardware_order[i];
    const LayerSpec& l = net.layers[static_cast<size_t>(ll)];
    if (traits_.avgpool_reset && i > 0 && l.pool == PoolKind::Avg && l.prev_sequence >= 0 &&
        net.layers[static_cast<size_t>(l.prev_sequence)].operands > 1) {
      hw_[static_cast<size_t>(ll)].avgpool_reset = true;
    }
  }
  for (size_t ll = 0; ll < net.layers.size(); ++ll) {
    if (hw_[ll].avgpool_reset) ++inserted_;
    added_[ll] = inserted_;
  }
}

int ProgramModel::clock_divider() const {
  if (opt_.program.clock_divider) return *opt_.program.clock_divider;
  if (pipeline()) return 1;
  // The smallest power of two that keeps the unpipelined clock in its limit.
  const int mhz = pll() ? traits_.pll_mhz : traits_.apb_mhz;
  const int needed = (mhz + traits_.max_unpipelined_mhz - 1) / traits_.max_unpipelined_mhz;
  int div = 1;
  while (div < needed) div *= 2;
  return div;
}

int ProgramModel::hardware_layer(int layer) const {
  return layer + added_[static_cast<size_t>(layer)];
}

bool ProgramModel::any_streaming() const {
  for (int ll = range_.first; ll < range_.end; ++ll) {
    if (net_.layers[static_cast<size_t>(ll)].streaming) return true;
  }
  return false;
}

bool ProgramModel::binary_weights() const {
  for (int ll = range_.first; ll < range_.end; ++ll) {
    if (net_.layers[static_cast<size_t>(ll)].quantization == -1) return true;
  }
  return false;
}

bool ProgramModel::has_bias() const {
  for (int ll = range_.first; ll < range_.end; ++ll) {
    if (!net_.layers[static_cast<size_t>(ll)].bias.empty()) return true;
  }
  return false;
}

uint64_t ProgramModel::input_processors() const {
  const uint64_t map = net_.layers[static_cast<size_t>(start_layer())].processors;
  return net_.options.fast_fifo_quad ? (map & 0xffff) : map;
}

LayerHardware ProgramModel::derive(const LayerSpec& l) const {
  LayerHardware h;
  h.configured = true;
  h.passthrough = l.op == Op::Passthrough;
  h.op = l.op;
  h.in_dim = l.in_dim;
  h.pooled_dim = l.pooled_dim;
  h.pad = l.pad;
  h.in = input_expansion(net_, l);
  h.out = output_expansion(net_, l);
  h.processors = l.processors;
  h.output_processors = l.output_processors;
  h.calcx4 = opt_.calcx4(l.index);
  h.read_ahead = opt_.read_ahead(l.index);
  const auto tcalc = opt_.program.tcalc.find(l.index);
  h.tcalc = tcalc != opt_.program.tcalc.end() ? tcalc->second : h.read_ahead && h.in.passes > 1;
  h.in_passes_invol = h.tcalc ? (h.in.passes + 3) & ~3 : h.in.passes;
  const KernelPlacement& k = kernels_.layers[static_cast<size_t>(l.index)];
  h.kernel = k.has_kernels ? k.size : l.kernel;
  if (l.op == Op::Conv1d && l.dilation[0] > 1 && (l.kernel[0] - 1) * l.dilation[0] >= 9) {
    // Folded onto a 3×3 Conv2d: [ceil(L/d), d] with pad 1.
    const int d = l.dilation[0];
    h.op = Op::Conv2d;
    h.in_dim = {round_up_div(l.in_dim[0], d), d};
    h.pooled_dim = h.in_dim;
    h.pad = {1, 1};
    h.kernel = {3, 3};
    if (l.kernel[0] == 3) h.out_ignore = 4 * d * h.out.passes;
  } else if (l.kernel == Pair{1, 1} && h.kernel == Pair{3, 3}) {
    h.pad = {1, 1};  // a streaming 1×1 convolution runs on the 3×3 hardware
  }
  if (h.passthrough) {
    h.tram_max = 1;
  } else if (h.op == Op::ConvTranspose2d) {
    h.pad = {l.dilation[0] * (h.kernel[0] - 1) - l.pad[0], l.dilation[1] * (h.kernel[1] - 1) - l.pad[1]};
    h.tram_max = std::max(0, (h.pooled_dim[1] - 1) * l.stride[1] + 1 + l.output_pad + 2 * h.pad[1] - h.kernel[1]) + 1;
  } else {
    h.tram_max = std::max(0, h.pooled_dim[1] + 2 * h.pad[1] - h.kernel[1]) + 1;
  }
  if (l.groups > 1 && l.processors == l.output_processors) h.broadcast = true;
  if (traits_.eltwise_emulation && l.operands > 1 && h.in.passes > 1 &&
      l.operands * h.in.passes != l.operands + h.in.passes) {
    h.emulate_eltwise = true;
  }
  if (l.flatten) h.flatten_count = h.in.passes * h.pooled_dim[0] * h.pooled_dim[1] - 1;
  return h;
}

int ProgramModel::next_layer(int layer) const {
  if (!net_.hardware_order.empty() && layer == final_layer_) return -1;
  const int next = net_.layers[static_cast<size_t>(layer)].next_sequence;
  return next >= 0 && next < static_cast<int>(net_.layers.size()) ? next : -1;
}

// A depthwise layer that moves its channels (output map ≠ input map): the
// output processor the generator points quadrant q's write pointer at. It
// counts channels as if the input processors were contiguous from the first.
int depthwise_write_target(const LayerHardware& h, int q) {
  const int first = first_set(h.processors) / 16;
  int target = (q - first) * 16 + first_set(h.output_processors);
  if (q != first) target -= first_set(h.processors) % 16;
  return target;
}

std::vector<std::string> ProgramModel::depthwise_placement_warnings() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < net_.layers.size(); ++i) {
    const LayerSpec& l = net_.layers[i];
    const LayerHardware& h = hw_[i];
    if (!h.configured || h.passthrough || l.groups <= 1 || h.broadcast) continue;
    for (int q = first_set(h.processors) / 16; q < 4; ++q) {
      const uint64_t mine = quadrant_bits(h.processors, q);
      if (mine == 0) continue;
      // The channel of the quadrant's first processor, and the output processor the network places it at.
      const int channel = popcount(h.processors & ((uint64_t{1} << (16 * q + first_set(mine))) - 1));
      uint64_t outs = h.output_processors;
      for (int k = 0; k < channel && outs != 0; ++k) outs &= outs - 1;
      if (outs == 0) continue;
      const int intended = first_set(outs);
      const int programmed = depthwise_write_target(h, q);
      if (intended / 4 == programmed / 4) continue;
      out.push_back("layer " + std::to_string(i) + ": the generator points quadrant " + std::to_string(q) +
                    "'s write pointer (depthwise, channels from " + std::to_string(channel) +
                    ") at the memory of output processor " + std::to_string(programmed) +
                    ", but the network places those channels at output processor " + std::to_string(intended) +
                    " (it counts the input processors as contiguous); on the chip these channels land elsewhere");
    }
  }
  return out;
}

// Timeslots − 1 of passthrough and depthwise layers: the largest over the used quadrants.
int ProgramModel::timeslot_max(int layer) const {
  const LayerSpec& l = net_.layers[static_cast<size_t>(layer)];
  const LayerHardware& h = hw(layer);
  int t = 0;
  for (int q : quadrants_) {
    const int pop = popcount(quadrant_bits(h.processors, q));
    if (h.passthrough) {
      if (pop != 0) t = std::max(t, floor_div(pop * l.output_width / 8 - 1, 4));
    } else if (l.groups > 1) {
      if (h.broadcast)
        t = std::max(t, (std::min(pop - 1, 3) + 1) * (l.output_width / 8) - 1);
      else
        t = std::max(t, floor_div(pop * l.output_width + 7, 8) - 1);
    }
  }
  return t;
}

// Non-uniform gaps in a quadrant's output map (or any gap in a passthrough
// layer) make the layer write through its local output bus.
bool ProgramModel::local_source(int layer) const {
  const LayerHardware& h = hw(layer);
  for (int q : quadrants_) {
    const uint64_t m = h.output_processors & (uint64_t{0xffff} << (16 * q));
    if (popcount(m) <= 1) continue;
    int gap_min = 64, gap_max = 0;
    int p = first_set(m);
    while (p < last_set(m)) {
      const uint64_t above = m & ~((uint64_t{2} << p) - 1);
      const int gap = first_set(above) - p - 1;
      gap_min = std::min(gap_min, gap);
      gap_max = std::max(gap_max, gap);
      p += gap + 1;
    }
    if (gap_min != gap_max || (gap_max > 0 && h.passthrough)) return true;
  }
  return false;
}

namespace {

// The register writes of one layer in one quadrant, register group by
// register group, in the generator's order.
class LayerProgrammer {
 public:
  LayerProgrammer(const ProgramModel& m, int layer, int quadrant)
      : m_(m),
        t_(m.traits()),
        net_(m.net()),
        l_(net_.layers[static_cast<size_t>(layer)]),
        h_(m.hw(layer)),
        kp_(m.kernels().layers[static_cast<size_t>(layer)]),
        bp_(m.biases().layers[static_cast<size_t>(layer)]),
        ll_(layer),
        q_(quadrant),
        hl_(m.hardware_layer(layer)),
        start_(layer == m.start_layer()),
        fifo_(net_.options.fifo),
        reset_(h_.avgpool_reset && quadrant == m.quadrants().front()),
        pool_(l_.pool_size),
        pstride_(l_.pool_stride),
        pdil_(l_.pool_dilation),
        pooling_(pool_[0] > 1 || pool_[1] > 1),
        local_(m.local_source(layer)),
        tscnt_(m.timeslot_max(layer)) {
    if (bp_.where == BiasPlacement::Where::Quadrant) bias_quadrant_ = bp_.quadrant;
  }

  std::vector<RegisterWrite> run() {
    next_layer();
    counts();
    pointers();
    control();
    masks();
    post_processing();
    streaming();
    return std::move(w_);
  }

 private:
  void put(LayerRegister r, uint32_t v, int layer) {
    w_.push_back({.target = RegisterWrite::Target::Layer, .quadrant = q_, .layer = layer, .reg = r, .value = v});
  }
  void write(LayerRegister r, uint32_t v) { put(r, v, hl_); }
  // A reset layer (MAX78002 average pool after an element-wise layer) is
  // programmed just before this layer, in the first quadrant.
  void reset(LayerRegister r, uint32_t v) {
    if (reset_) put(r, v, hl_ - 1);
  }

  // NXTLYR (MAX78002): link to a non-sequential next layer, or stop.
  void next_layer() {
    if (!m_.registers().has(LayerRegister::Nxtlyr)) return;
    const ProgramSwitches& ps = m_.options().program;
    uint32_t v = 0;
    if (ps.link_layer) {
      v = ll_ != m_.final_layer() ? (1U << 7 | u32(ll_ + 1)) : 1U << 8;
    } else if (const int next = m_.next_layer(ll_); next == -1) {
      if (ll_ != m_.range().end - 1) v = 1U << 8;
    } else if (next != ll_ + 1) {
      v = 1U << 7 | u32(m_.hardware_layer(next));
    } else if (const auto snoop = ps.snoop_sequence.find(ll_); snoop != ps.snoop_sequence.end()) {
      v = 1U << 7 | u32(m_.hardware_layer(snoop->second));
    }
    write(LayerRegister::Nxtlyr, v);
  }

  // Elements after the last pooling start in a row/column of n.
  int tail(int n, int dim) const {
    const int s = std::max(1, pstride_[dim]);
    return n - floor_div(n - pool_[dim] - pdil_[dim] + 1, s) * s;
  }
  uint32_t pad_bits(int pad) const { return pad > 0 ? (1U << 15 | u32(pad - 1) << t_.pad_shift) : 0U; }

  // RCNT, CCNT (rows and columns the counters walk), pooling counts, stride.
  void counts() {
    int in_row = h_.in_dim[0];
    int in_col = h_.in_dim[1];
    if (l_.flatten) {
      in_row = pool_[0];
      in_col = pool_[1];
    } else if (h_.op == Op::ConvTranspose2d) {
      in_row = l_.stride[0] * h_.in_dim[0];
      in_col = l_.stride[1] * h_.in_dim[1];
    } else if (h_.passthrough && h_.emulate_eltwise) {
      in_row = h_.in_dim[0] * h_.in.passes;
    }
    uint32_t rcnt = 0;
    uint32_t ccnt = 0;
    if (t_.wide_counts) {
      // Stop position, pad, and the distance in bytes to the next start element.
      const int col_tail = h_.op == Op::Conv1d ? 1 : tail(in_col, 1);
      const int next_start = (col_tail + (pstride_[0] - 1) * in_col) * (l_.read_gap + 1) * l_.operands * h_.in.passes;
      rcnt = u32(in_row - tail(in_row, 0)) | u32(next_start) << 16 | pad_bits(h_.pad[0]);
      ccnt = u32(in_col - tail(in_col, 1)) | u32(tail(in_col, 1)) << 16 | pad_bits(h_.pad[1]);
    } else {
      rcnt = (u32(in_row - 1) | u32(h_.pad[0]) << t_.pad_shift) + u32(2 * h_.pad[0]);
      ccnt = (u32(in_col - 1) | u32(h_.pad[1]) << t_.pad_shift) + u32(2 * h_.pad[1]);
    }
    reset(LayerRegister::Rcnt, 1U << 16);
    write(LayerRegister::Rcnt, rcnt);
    reset(LayerRegister::Ccnt, 1U << 16);
    write(LayerRegister::Ccnt, ccnt);

    for (int dim = 0; dim < 2; ++dim) {
      uint32_t v = u32((pool_[dim] - 1) * pdil_[dim]);
      if (t_.pool_dilation) v |= u32(pdil_[dim] - 1) << 4;
      write(dim == 0 ? LayerRegister::Prcnt : LayerRegister::Pccnt, v);
    }
    uint32_t stride = 0;
    if (h_.op != Op::ConvTranspose2d) stride = u32(pstride_[0] > 1 ? pstride_[0] - 1 : l_.stride[0] - 1);
    if (t_.pool_dilation) stride |= u32(pstride_[0] * l_.operands * h_.in.passes * (l_.read_gap + 1)) << 4;
    reset(LayerRegister::Stride, 0x10);
    write(LayerRegister::Stride, stride);
  }

  // The data memory index of the first output write of this quadrant.
  uint32_t write_memory() const {
    if (local_) {
      const int instance = first_set(h_.output_processors >> (q_ * 4)) & ~3;
      return u32((instance + q_ * 4) * t_.instance_words);
    }
    if (!h_.passthrough && l_.groups > 1 && !h_.broadcast) {
      // Depthwise moving data: each quadrant targets its own output processors.
      if (q_ < first_set(h_.processors) / 16) return 0;
      return u32(depthwise_write_target(h_, q_) / 4) << t_.write_ptr_shift;
    }
    int instance = 0;
    const uint64_t in_quadrant = h_.output_processors & (uint64_t{0xffff} << (16 * q_));
    if (!h_.passthrough)
      instance = first_set(h_.output_processors) & ~3;
    else if (in_quadrant != 0)
      instance = first_set(in_quadrant) & ~3;
    return u32(instance / 4) << t_.write_ptr_shift;
  }

  // Write pointer base and offsets, read pointer.
  void pointers() {
    uint32_t wptr = u32((static_cast<int>(l_.out_offset) - h_.out_ignore) / 4);
    const bool depthwise_outside =
        !local_ && !h_.passthrough && l_.groups > 1 && !h_.broadcast && q_ < first_set(h_.processors) / 16;
    wptr = depthwise_outside ? 0 : wptr | write_memory();
    reset(LayerRegister::WptrBase, wptr);
    write(LayerRegister::WptrBase, wptr);

    // Timeslot offset: 1×1 convolutions write one word per timeslot; depthwise
    // layers that move data and passthrough layers step whole memories.
    uint32_t toff = 0;
    if (h_.passthrough) {
      const bool wide = std::popcount(h_.processors) > 4 || (l_.operands > 1 && h_.in.passes > 1);
      toff = u32(t_.instance_words * (wide ? 4 : 1));
    } else if (h_.op == Op::Conv2d || h_.op == Op::Linear) {
      if (h_.kernel == Pair{1, 1} && l_.groups == 1)
        toff = 1;
      else if (l_.groups > 1 && !h_.broadcast)
        toff = u32(t_.instance_words * 4);
    }
    reset(LayerRegister::WptrToff, toff);
    write(LayerRegister::WptrToff, toff);
    if (!h_.passthrough) write(LayerRegister::WptrMoff, 1U << t_.write_ptr_shift);
    write(LayerRegister::WptrChoff, h_.out.passes > 1 ? u32(l_.output_width / 8 * (l_.write_gap + 1)) : 0U);
    reset(LayerRegister::RptrBase, l_.in_offset / 4);
    write(LayerRegister::RptrBase, l_.in_offset / 4);
  }

  // LCTRL0 and LCTRL1.
  void control() {
    uint32_t v = 0x20;  // master
    if (l_.activation == Activation::ReLU) v |= 0x200;
    if (l_.pool != PoolKind::Avg) v |= 0x100;
    if (pooling_) v |= 0x80;
    if (l_.chw_input) v |= 0x40;
    if (!local_) v |= 1U << 11;
    if (l_.groups > 1 && h_.broadcast) v |= 1U << 29;
    if (l_.output_width != 8) v |= 1U << 16;
    const int first_quadrant = m_.quadrants().front();
    if ((!start_ || !net_.options.fast_fifo_quad) && !h_.passthrough && q_ == first_quadrant && l_.groups == 1) {
      // The first quadrant sums the other active quadrants and the bias quadrant.
      uint32_t sources = 0;
      for (int g = first_quadrant + 1; g < net_.device->quadrants; ++g) {
        if (quadrant_bits(h_.processors, g) != 0) sources |= 1U << g;
      }
      if (bias_quadrant_ && *bias_quadrant_ != q_) sources |= 1U << *bias_quadrant_;
      v |= sources << 12;
    }
    if (t_.kernel_dims) {
      if (h_.read_ahead) v |= 1U << 17;
      if (!h_.passthrough) v |= u32(h_.kernel[0] - 1) << 22 | u32(h_.kernel[1] - 1) << 18;
      if (h_.read_ahead) v |= u32(h_.tcalc ? (h_.in.passes - 1) / 4 : h_.in.passes - 1) << 26;
    }
    if (l_.bypass) v |= 1U << 30;
    reset(LayerRegister::Lctrl0, 0x920);
    write(LayerRegister::Lctrl0, v);

    int in_exp = h_.in.passes - 1;
    if (l_.flatten)
      in_exp = h_.flatten_count & 0x0f;
    else if (h_.passthrough && h_.emulate_eltwise)
      in_exp = 0;
    const int span = last_set(h_.output_processors) - (first_set(h_.output_processors) & ~3);
    const int wptr_inc = h_.passthrough ? l_.write_gap : h_.out.passes * (l_.write_gap + 1) - 1;
    write(LayerRegister::Lctrl1, u32(span * quant()) << t_.xpch_shift | u32(in_exp) | u32(wptr_inc) << 4);
  }

  int quant() const { return l_.bypass ? 8 : std::abs(l_.quantization); }

  // Mask (kernel memory) start and end in 1/8 kernel slots, output channels,
  // ONED, TRAM pointer.
  void masks() {
    int oned_sad = 0;
    int mask_max = 0;
    int mask_start = 0;
    if (!h_.passthrough) {
      const int count = l_.bypass ? l_.out_channels / l_.groups : kp_.count;
      mask_max = (count - 1) * quant();
      if (start_ && h_.calcx4) mask_max = round_up_div(mask_max + quant(), 4) - quant();
      const int area = h_.kernel[0] * h_.kernel[1];
      mask_start = 9 * kp_.column / area;
      oned_sad = 9 * kp_.column % area;  // start byte inside the 9-byte word
      if (h_.calcx4) mask_start = calcx4_column(*net_.device, mask_start);
      mask_start *= 8;
    }
    if (m_.registers().has(LayerRegister::Mcnt1)) {
      if (!h_.passthrough) {
        write(LayerRegister::Mcnt1, u32(mask_max + mask_start));
        write(LayerRegister::Mcnt2, u32(mask_start));
      } else {
        write(LayerRegister::Mcnt2, u32((h_.out.passes - 1) * 8));
      }
    } else {
      uint32_t v = 0;
      if (!h_.passthrough)
        v = u32(mask_start) << 16 | u32(mask_max + mask_start);
      else if (!h_.emulate_eltwise)
        v = u32((h_.out.passes - 1) * 8);
      write(LayerRegister::Mcnt, v);
    }

    if (m_.registers().has(LayerRegister::Ochan)) {
      int v = tscnt_;
      if (l_.bypass)
        v = l_.out_channels - 1;
      else if (!h_.passthrough && l_.groups == 1)
        v = (kp_.count - 1) / (h_.calcx4 ? 4 : 1);
      else if (l_.groups > 1)
        v = (tscnt_ + 1) * h_.in.passes - 1;
      write(LayerRegister::Ochan, u32(v));
    }

    uint32_t oned = u32(tscnt_);
    const bool conv = h_.op == Op::Conv2d || h_.op == Op::Linear;
    if (h_.op == Op::Conv1d) {
      oned |= u32(h_.kernel[0]) << 8 | 1U << 12;
    } else if ((conv && h_.kernel == Pair{1, 1}) || (h_.passthrough && l_.operands == 1)) {
      oned |= 1U << 8;
    }
    if (l_.operands > 1) {
      oned |= 1U << 13 | u32(eltwise_code(l_.eltwise)) << 14 | u32(l_.operands - 1) << 18;
      if (pooling_ && l_.pool_first) oned |= 1U << 16;
      if (!h_.passthrough) oned |= 1U << 17;
    }
    oned |= u32(oned_sad) << 4;
    reset(LayerRegister::Oned, 0x100);
    write(LayerRegister::Oned, oned);

    // TRAM: 1-D and 1×1 layers need none (unless flattening); streaming layers
    // start after the TRAM the earlier layers use.
    uint32_t tptr = 0;
    if (h_.op == Op::Conv1d || (conv && h_.kernel == Pair{1, 1} && (ll_ == 0 || !l_.streaming))) {
      if (h_.flatten_count >= 16) tptr = u32(h_.flatten_count) << 16 | u32(2 * h_.flatten_count + 1);
    } else {
      tptr = u32(h_.tram_max - 1);
      if (ll_ > 0 && l_.streaming) {
        int before = 0;
        for (int p = 0; p < ll_; ++p) before += m_.hw(p).tram_max * m_.hw(p).in.passes;
        tptr = (tptr + u32(before)) | u32(before) << 16;
      }
    }
    write(LayerRegister::Tptr, tptr);
  }

  // POST (weight size, shift, bias, operation flags) and ENA.
  void post_processing() {
    uint32_t v = 0;
    switch (std::abs(l_.quantization)) {
      case 1: v = 1U << 22; break;
      case 2: v = 2U << 22; break;
      case 4: v = 3U << 22; break;
      default: break;
    }
    if (l_.output_shift < 0)
      v |= (u32(-l_.output_shift) | 16U) << 13;
    else
      v |= u32(l_.output_shift) << 13;
    const size_t qi = static_cast<size_t>(q_);
    const std::optional<int> offset = qi < bp_.offsets.size() ? bp_.offsets[qi] : std::nullopt;
    if (l_.groups == 1 && bias_quadrant_ && *bias_quadrant_ == q_ && offset) {
      v |= 1U << 12 | u32(*offset / (h_.calcx4 ? 4 : 1));
    } else if (offset && (l_.groups > 1 || (net_.options.fast_fifo_quad && ll_ == 0))) {
      v |= 1U << 12 | u32(*offset / (h_.broadcast ? 4 : 1));  // bias in every quadrant
    }
    if (h_.passthrough) v |= l_.operands == 1 ? 3U << 24 : 1U << 24;
    if (l_.activation == Activation::Abs) v |= 1U << 26;
    if (h_.flatten_count >= 16) v |= 1U << 27 | u32(h_.flatten_count >> 4) << 18;
    if (h_.op == Op::ConvTranspose2d) v |= 1U << 28;
    if (l_.groups > 1) v |= 1U << 30 | 1U << 24;
    if (h_.calcx4) v |= 1U << 29;
    if (h_.tcalc) v |= 1U << 31;
    reset(LayerRegister::Post, 0x03000000);
    write(LayerRegister::Post, v);

    uint32_t ena = quadrant_bits(h_.processors, q_);
    if (!h_.passthrough && !l_.bypass) ena |= ena << 16;  // mask enables
    reset(LayerRegister::Ena, 1);
    write(LayerRegister::Ena, ena);
  }

  // STRM0 (prefill), STRM1 (deltas, input volume), FBUF (rollover), IFRM.
  void streaming() {
    const StreamCounts s = t_.new_streaming ? streaming_max78002() : streaming_max78000();
    int invol = 0;
    if (ll_ > m_.start_layer() && l_.streaming) {
      for (int p = 0; p < ll_; ++p) invol += m_.hw(p).in_passes_invol;
    }
    uint32_t strm0 = u32(s.start);
    if (m_.options().program.fifo_go && start_) strm0 |= 1U << 25;
    write(LayerRegister::Strm0, strm0);
    write(LayerRegister::Strm1, u32(s.delta2) << 16 | u32(s.delta1) << 4 | u32(invol));
    if (fifo_ && l_.streaming) write(LayerRegister::Fbuf, u32(s.rollover));
    if (start_ && fifo_) {
      int frame = h_.in_dim[0] * h_.in_dim[1];
      if (l_.chw_input) frame = round_up_div(frame, 4);
      w_.push_back({.target = RegisterWrite::Target::Global,
                    .quadrant = q_,
                    .global = GlobalRegister::Ifrm,
                    .value = u32(frame)});
    }
  }

  struct StreamCounts {
    int start = 0, delta1 = 0, delta2 = 0, rollover = 0;
  };

  StreamCounts streaming_max78000() const {
    const ProgramSwitches& ps = m_.options().program;
    StreamCounts s;
    const int cols = h_.in_dim[1];
    if (start_ && fifo_) {
      if (ps.override_start) {
        s.start = *ps.override_start;
      } else {
        if (l_.streaming)
          s.start = (pool_[0] - 1) * cols + pool_[1];
        else
          s.start = l_.chw_input ? round_up_div(h_.in_dim[0] * cols, 4) : h_.in_dim[0] * cols;
        s.start *= pool_[0];
      }
      if (l_.streaming) {
        s.delta1 = ps.override_delta1.value_or((pstride_[1] - 1) * l_.operands);
        s.delta2 = ps.override_delta2.value_or((pool_[0] - 1) * cols * l_.operands);
      }
    } else if (ll_ > m_.start_layer() && l_.streaming && l_.prev_sequence >= 0) {
      // The previous layer's padded row, kernel and this layer's pooling.
      const LayerHardware& ph = m_.hw(l_.prev_sequence);
      const int row = ph.pooled_dim[1] + 2 * ph.pad[1];
      s.start = row * (ph.kernel[0] - 1 + pool_[0] - 1) + ph.kernel[1] - 1 + pool_[1] + ps.increase_start;
      s.delta1 = pstride_[1] * l_.operands + ps.increase_delta1;
      s.delta2 = (pstride_[0] - 1) * row + pool_[1] * l_.operands + ps.increase_delta2;
    }
    if (start_ && ps.override_rollover) {
      s.rollover = *ps.override_rollover;
    } else if (l_.chw_input) {
      s.rollover = 12;
    } else {
      s.rollover = s.start + (pool_[0] - 1) * cols + std::max({l_.stride[1], pstride_[1], pool_[1]});
      const int passes = std::max(1, h_.in.passes);  // a multiple of the passes
      if (s.rollover % passes > 0) s.rollover += passes - s.rollover % passes;
    }
    return s;
  }

  // The "prefill / delta / buffer" spreadsheet formulas of the MAX78002.
  StreamCounts streaming_max78002() const {
    const ProgramSwitches& ps = m_.options().program;
    StreamCounts s;
    const int cols = h_.in_dim[1];
    const int pad = h_.pad[1];
    const int passes = std::max(1, h_.in.passes);
    const int row_prim = pad != 0 ? pad : pstride_[0];
    const int row_inc = std::max(pool_[0] * pdil_[0], pstride_[0]);
    const int col_inc = std::max(pool_[1] * pdil_[1], pstride_[1]);
    const bool debug = ps.debug_new_streaming && ll_ > 0;
    const bool big = l_.chw_input;
    bool last_layer = false;
    int effective_cols = 0;
    int col_adjust = 0;
    if (l_.streaming) {
      const int next = m_.next_layer(ll_);
      last_layer = ll_ == m_.final_layer() || next < 0 || !net_.layers[static_cast<size_t>(next)].streaming;
      if (debug) {
        effective_cols = cols / std::max(1, col_inc);
        if (effective_cols * pstride_[1] + pool_[1] > cols) --effective_cols;
        col_adjust = col_inc == 1 ? 0 : cols - effective_cols * col_inc;
      } else {
        effective_cols = cols / std::max(1, pstride_[1]);
        if (effective_cols * pstride_[1] + pool_[1] - 1 > cols) --effective_cols;
        col_adjust = cols - effective_cols * col_inc;
      }
    }
    // Prefill (in HWC pixels; CHW counts words of four).
    int prefill = 0;
    if (start_ && ps.override_start) {
      s.start = prefill = *ps.override_start;
    } else if (start_ && fifo_) {
      if (!l_.streaming)
        prefill = h_.in_dim[0] * h_.in_dim[1];
      else if (pstride_[0] == 1 && pool_[0] == 1)
        prefill = col_inc;
      else
        prefill = (row_inc * (cols + 2 * pad) + pad + 2 * col_inc) * l_.operands + (h_.read_ahead ? pstride_[1] : 0);
      s.start = big ? round_up_div(prefill, 4) : prefill;
    } else if (ll_ > m_.start_layer() && l_.streaming) {
      prefill =
          (debug ? row_prim : pad) * (cols + 2 * pad) + (row_inc * (cols + 2 * pad) + pad + 2 * col_inc) * l_.operands;
      if (h_.read_ahead) prefill += pstride_[1];
      if (last_layer && ps.debug_new_streaming) prefill += col_adjust * pstride_[1];
      s.start = big ? round_up_div(prefill, 4) : prefill;
    }
    if (l_.streaming) {
      const int skipped_cols = std::max(0, cols - effective_cols * pstride_[1]);
      if (start_) {
        if (ps.override_delta1) {
          s.delta1 = *ps.override_delta1;
        } else {
          s.delta1 = pstride_[1] * l_.operands - (pstride_[0] == 1 && pool_[0] == 1 ? 1 : 0);
          if (big) s.delta1 = round_up_div(s.delta1, 4);
        }
        if (ps.override_delta2) {
          s.delta2 = *ps.override_delta2;
        } else {
          if (debug)
            s.delta2 = pstride_[0] == 1 ? s.delta1 + col_adjust : (pstride_[0] - 1) * cols + col_adjust;
          else
            s.delta2 =
                pstride_[0] == 1 ? s.delta1 + skipped_cols : (pstride_[0] - 1) * cols + skipped_cols + pool_[1] - 1;
          if (big) s.delta2 = round_up_div(s.delta2, 4);
          if (m_.pipeline() && s.delta2 > 0) ++s.delta2;
        }
      } else {
        s.delta1 = pstride_[1] * l_.operands;
        if (big) s.delta1 = round_up_div(s.delta1, 4);
        s.delta1 += ps.increase_delta1;
        if (debug)
          s.delta2 = pstride_[0] == 1 ? s.delta1 + col_adjust : (pstride_[0] - 1) * cols + col_adjust;
        else
          s.delta2 = pstride_[0] == 1 ? s.delta1 + skipped_cols : (pstride_[0] - 1) * cols + skipped_cols;
        if (big) s.delta2 = round_up_div(s.delta2, 4);
        s.delta2 += ps.increase_delta2;
      }
    }
    // Buffer (rollover) from the prefill.
    if (start_ && ps.override_rollover) {
      s.rollover = *ps.override_rollover;
    } else if (start_) {
      s.rollover = prefill + col_inc + (pstride_[1] - 1) * (cols + pad * 2);
      if (big) s.rollover *= pstride_[1] * 4;
    } else {
      s.rollover = prefill + (passes - 1) * (row_inc * cols + pad + col_inc) + col_inc;
      s.rollover += (passes - s.rollover % passes) % passes;
      if (big) s.rollover = round_up_div(s.rollover, 4);
    }
    return s;
  }

  const ProgramModel& m_;
  const ProgramTraits& t_;
  const Network& net_;
  const LayerSpec& l_;
  const LayerHardware& h_;
  const KernelPlacement& kp_;
  const BiasPlacement& bp_;
  const int ll_, q_, hl_;
  const bool start_, fifo_, reset_;
  const Pair pool_, pstride_, pdil_;
  const bool pooling_, local_;
  const int tscnt_;
  std::optional<int> bias_quadrant_;
  std::vector<RegisterWrite> w_;
};

}  // namespace

std::vector<RegisterWrite> ProgramModel::layer_writes(int layer, int quadrant) const {
  return LayerProgrammer(*this, layer, quadrant).run();
}

}  // namespace ai8x::compile
