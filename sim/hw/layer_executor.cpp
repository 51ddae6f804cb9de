#include "hw/layer_executor.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <string>

#include "core/conv.hpp"
#include "core/error.hpp"
#include "core/pool.hpp"

namespace ai8x::hw {

bool StreamBuffer::read(int memory, uint32_t word, uint32_t& value) const {
  const auto it = words_.find(static_cast<uint64_t>(memory) << 32 | word);
  if (it == words_.end()) return false;
  value = it->second.data;
  return true;
}

void StreamBuffer::write(int memory, uint32_t word, uint32_t data, unsigned byte_mask, int layer) {
  Word& w = words_[static_cast<uint64_t>(memory) << 32 | word];
  for (unsigned i = 0; i < 4; ++i) {
    if ((byte_mask >> i) & 1U) w.data = (w.data & ~(0xFFU << (8 * i))) | (data & (0xFFU << (8 * i)));
  }
  w.lanes |= byte_mask;
  w.layer = layer;
}

std::vector<std::pair<uint32_t, StreamBuffer::Word>> StreamBuffer::take(int memory, int layer) {
  std::vector<std::pair<uint32_t, Word>> out;
  for (auto it = words_.begin(); it != words_.end();) {
    if (static_cast<int>(it->first >> 32) == memory && it->second.layer == layer) {
      out.emplace_back(static_cast<uint32_t>(it->first), it->second);
      it = words_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

int64_t sign8(uint32_t byte) {
  return static_cast<int8_t>(static_cast<uint8_t>(byte & 0xFF));
}

// The enabled processors in ascending order; hardware channel ip·n + i is
// processor procs[i] in input pass ip.
std::vector<int> processor_list(uint64_t map) {
  std::vector<int> v;
  for (int p = 0; p < 64; ++p) {
    if ((map >> p) & 1U) v.push_back(p);
  }
  return v;
}

class LayerRun {
 public:
  LayerRun(const Device& d, std::array<Quadrant*, 4>& q, FifoSet fifos, StreamBuffer& stream, const LayerConfig& c,
           bool stream_output, AccessLog* log, std::span<WatchedWord> watch = {})
      : d_(d),
        q_(q),
        fifos_(fifos),
        stream_(stream),
        c_(c),
        stream_output_(stream_output),
        log_(log),
        watch_(watch),
        hp_(hw_params(d)),
        procs_(processor_list(c.processors)),
        np_(static_cast<int>(procs_.size())) {}

  // What the layer did that the program probably did not mean (reported, not fatal).
  [[nodiscard]] std::vector<std::string> take_warnings() { return std::move(warnings_); }

  // A streaming layer has read its producer's stream: the producer's writes
  // land in this layer's rollover buffer (FBUF words from RPTR_BASE in each
  // input memory; no FBUF: a plain buffer), as the chip leaves them.
  // Returns the buffer's extent in each memory.
  std::vector<StreamRegion> fold_stream(int producer) {
    std::vector<StreamRegion> regions;
    if (!c_.stream_input || producer < 0) return regions;
    if (c_.rollover > 0 && static_cast<uint64_t>(c_.rptr) + c_.rollover > hp_.memory_words) {
      fail(LayerRegister::Fbuf, "the rollover buffer from word " + std::to_string(c_.rptr) + " (" +
                                    std::to_string(c_.rollover) + " words) runs past the data memory's " +
                                    std::to_string(hp_.memory_words) + " words");
    }
    for (int memory = 0; memory < 16; ++memory) {
      if (((c_.processors >> (4 * memory)) & 0xFU) == 0) continue;
      StreamRegion region{.layer = c_.layer, .memory = memory, .first = c_.rptr, .last = c_.rptr};
      bool any = false;
      for (const auto& [word, w] : stream_.take(memory, producer)) {
        uint32_t slot = word;
        if (c_.rollover > 0 && word >= c_.rptr) slot = c_.rptr + (word - c_.rptr) % c_.rollover;
        if (slot >= hp_.memory_words) {
          fail(LayerRegister::Fbuf, "the rollover buffer from word " + std::to_string(c_.rptr) + " of data memory " +
                                        std::to_string(memory) + " (" + std::to_string(c_.rollover) +
                                        " words) runs past the memory's " + std::to_string(hp_.memory_words) +
                                        " words");
        }
        q_[static_cast<size_t>(memory / 4)]->data[static_cast<size_t>(memory % 4)].write(slot, w.data, w.lanes);
        region.first = std::min(region.first, slot);
        region.last = std::max(region.last, slot);
        any = true;
        if (log_ != nullptr) {
          log_->push_back({.layer = w.layer,
                           .is_write = true,
                           .memory = memory,
                           .byte_offset = slot * 4,
                           .lanes = static_cast<uint8_t>(w.lanes)});
        }
      }
      if (any) {
        if (c_.rollover > 0) region.last = std::max(region.last, c_.rptr + c_.rollover - 1);
        regions.push_back(region);
      }
    }
    return regions;
  }

  void run() {
    std::vector<Tensor> operands = gather();
    Tensor pooled = pool_and_combine(std::move(operands));
    Tensor out = operate(pooled);
    scatter(out);
  }

 private:
  [[noreturn]] void fail(LayerRegister r, const std::string& message) const {
    const int q = std::countr_zero(c_.processors) / 16;
    throw Error(
        {.layer = c_.layer,
         .key = "quadrant " + std::to_string(q) + " " + std::string(register_name(r)) + " = " + hex(c_.regs.get(q, r))},
        message);
  }

  // ---- input -------------------------------------------------------------
  [[nodiscard]] int input_rows() const {
    if (c_.op == LayerOp::ConvTranspose2d) return c_.rows / 2;
    return c_.rows;
  }
  [[nodiscard]] int input_cols() const {
    if (c_.op == LayerOp::ConvTranspose2d) return c_.cols / 2;
    return c_.cols;
  }

  uint32_t read_word(int memory, uint32_t word) const {
    if (c_.stream_input) {
      uint32_t v = 0;
      if (stream_.read(memory, word, v)) return v;
    }
    if (memory >= 16 || word >= hp_.memory_words) {
      fail(LayerRegister::RptrBase, "the layer reads word " + std::to_string(word) + " of data memory " +
                                        std::to_string(memory) + ", beyond its " + std::to_string(hp_.memory_words) +
                                        " words");
    }
    return q_[static_cast<size_t>(memory / 4)]->data[static_cast<size_t>(memory % 4)].read(word);
  }

  void log_read(int memory, uint32_t word, unsigned lanes, int channel, int row, int col, int operand) const {
    if (log_ == nullptr) return;
    log_->push_back({.layer = c_.layer,
                     .is_write = false,
                     .memory = memory,
                     .byte_offset = word * 4,
                     .lanes = static_cast<uint8_t>(lanes),
                     .channel = channel,
                     .row = row,
                     .col = col,
                     .operand = operand});
  }

  std::vector<Tensor> gather() {
    const int rows = input_rows();
    const int cols = input_cols();
    if (rows < 1 || cols < 1) fail(LayerRegister::Rcnt, "the layer has no input pixels");
    const int channels = np_ * c_.in_passes;
    std::vector<Tensor> ops(static_cast<size_t>(c_.operands), Tensor(channels, rows, cols));
    if (c_.fifo_input) {
      gather_fifo(ops[0]);
    } else if (c_.chw) {
      gather_chw(ops);
    } else {
      gather_hwc(ops);
    }
    return ops;
  }

  // HWC: per pixel `passes·operands` consecutive words, operand fastest; lane i
  // of memory k belongs to processor 4k+i.
  void gather_hwc(std::vector<Tensor>& ops) const {
    const int rows = input_rows(), cols = input_cols();
    const auto pixels = static_cast<uint32_t>(rows * cols);
    const auto passes = static_cast<uint32_t>(c_.in_passes);
    const auto operands = static_cast<uint32_t>(c_.operands);
    for (int memory = 0; memory < 16; ++memory) {
      const unsigned lanes = static_cast<unsigned>((c_.processors >> (4 * memory)) & 0xF);
      if (lanes == 0) continue;
      int index[4] = {-1, -1, -1, -1};
      for (int i = 0; i < 4; ++i) {
        if ((lanes >> i) & 1U)
          index[i] = static_cast<int>(std::find(procs_.begin(), procs_.end(), 4 * memory + i) - procs_.begin());
      }
      for (uint32_t n = 0; n < pixels; ++n) {
        for (uint32_t ip = 0; ip < passes; ++ip) {
          for (uint32_t k = 0; k < operands; ++k) {
            const uint32_t word =
                c_.rptr + ((n * passes + ip) * operands + k) * (static_cast<uint32_t>(c_.read_gap) + 1);
            const uint32_t v = read_word(memory, word);
            Tensor& t = ops[k];
            for (int i = 0; i < 4; ++i) {
              if (index[i] < 0) continue;
              const int ch = static_cast<int>(ip) * np_ + index[i];
              t.v[static_cast<size_t>(ch) * pixels + n] = sign8(v >> (8 * i));
            }
            if (log_ != nullptr) {
              log_read(memory, word, lanes, static_cast<int>(ip) * np_, static_cast<int>(n) / t.w,
                       static_cast<int>(n) % t.w, static_cast<int>(k));
            }
          }
        }
      }
    }
  }

  // CHW ("parallel"): one channel per memory, four consecutive pixels per word.
  void gather_chw(std::vector<Tensor>& ops) const {
    const int rows = input_rows(), cols = input_cols();
    const auto pixels = static_cast<uint32_t>(rows * cols);
    const uint32_t words = (pixels + 3) / 4;
    for (size_t k = 0; k < ops.size(); ++k) {
      for (int ip = 0; ip < c_.in_passes; ++ip) {
        for (int i = 0; i < np_; ++i) {
          const int memory = procs_[static_cast<size_t>(i)] / 4;
          const int ch = ip * np_ + i;
          const uint32_t base = c_.rptr + static_cast<uint32_t>((ip * c_.operands + static_cast<int>(k))) * words;
          for (uint32_t n = 0; n < pixels; ++n) {
            const uint32_t v = read_word(memory, base + n / 4);
            ops[k].v[static_cast<size_t>(ch) * pixels + n] = sign8(v >> (8 * (n % 4)));
            if (log_ != nullptr && n % 4 == 0) {
              log_read(memory, base + n / 4, 0xF, ch, static_cast<int>(n) / cols, static_cast<int>(n) % cols,
                       static_cast<int>(k));
            }
          }
        }
      }
    }
  }

  struct FifoPlan {
    int fifo = 0;                                // 0..3 standard, 4 fast
    std::array<std::vector<int>, 4> lane_index;  // hardware channel indices (pass 0) each byte feeds
    bool chw = false;
  };
  void add_lane(FifoPlan& f, int lane, int processor) const {
    const int idx = index_of(processor);
    if (idx >= 0) f.lane_index[static_cast<size_t>(lane)].push_back(idx);
  }

  [[nodiscard]] bool fast_fifo() const { return c_.fast_fifo; }
  [[nodiscard]] bool fast_quad() const { return c_.quad; }

  [[nodiscard]] int index_of(int p) const {
    const auto it = std::find(procs_.begin(), procs_.end(), p);
    return it == procs_.end() ? -1 : static_cast<int>(it - procs_.begin());
  }

  // Which FIFO carries which processors (hw-facts §5 "FIFO input").
  [[nodiscard]] std::vector<FifoPlan> fifo_plan() const {
    std::vector<FifoPlan> plan;
    if (fast_fifo()) {
      FifoPlan f{.fifo = 4, .chw = c_.chw};
      if (c_.chw) {
        add_lane(f, 0, std::countr_zero(c_.processors));
      } else {
        // Quad mode: the same word reaches processors 0-3 of every quadrant;
        // otherwise byte i feeds processor i.
        for (int i = 0; i < 4; ++i) {
          for (int g = 0; g < (fast_quad() ? 4 : 1); ++g) add_lane(f, i, 16 * g + i);
        }
      }
      plan.push_back(f);
      return plan;
    }
    for (int fifo = 0; fifo < 4; ++fifo) {
      const auto quad = static_cast<unsigned>((c_.processors >> (16 * fifo)) & 0xFFFF);
      if (quad == 0) continue;
      FifoPlan f{.fifo = fifo, .chw = c_.chw};
      if (c_.chw) {
        add_lane(f, 0, 16 * fifo + std::countr_zero(quad));
      } else {
        for (int i = 0; i < 4; ++i) add_lane(f, i, 16 * fifo + i);
      }
      plan.push_back(f);
    }
    return plan;
  }

 public:
  [[nodiscard]] std::array<size_t, 5> words_needed() const {
    std::array<size_t, 5> need{};
    const auto pixels = static_cast<size_t>(input_rows()) * static_cast<size_t>(input_cols());
    for (const FifoPlan& f : fifo_plan()) {
      need[static_cast<size_t>(f.fifo)] = f.chw ? (pixels + 3) / 4 : pixels * static_cast<size_t>(c_.in_passes);
    }
    return need;
  }

 private:
  void gather_fifo(Tensor& t) {
    const auto pixels = static_cast<size_t>(t.h) * static_cast<size_t>(t.w);
    const auto need = words_needed();
    const std::vector<FifoPlan> plan = fifo_plan();
    note_unfed_processors(plan);
    for (const FifoPlan& f : plan) {
      Fifo& fifo = f.fifo == 4 ? fifos_.fast->data : fifos_.standard->fifo(f.fifo);
      const size_t count = need[static_cast<size_t>(f.fifo)];
      if (fifo.size() < count) {
        fail(LayerRegister::Ena, "FIFO " + std::to_string(f.fifo) + " holds " + std::to_string(fifo.size()) +
                                     " words but the layer reads " + std::to_string(count));
      }
      for (size_t w = 0; w < count; ++w) {
        const uint32_t v = *fifo.pop();
        if (f.chw) {
          for (const int idx : f.lane_index[0]) {
            for (size_t b = 0; b < 4 && 4 * w + b < pixels; ++b) {
              t.v[static_cast<size_t>(idx) * pixels + 4 * w + b] = sign8(v >> (8 * b));
            }
          }
          continue;
        }
        const size_t n = w / static_cast<size_t>(c_.in_passes);
        const int ip = static_cast<int>(w % static_cast<size_t>(c_.in_passes));
        for (int i = 0; i < 4; ++i) {
          for (const int idx : f.lane_index[static_cast<size_t>(i)]) {
            t.v[static_cast<size_t>(ip * np_ + idx) * pixels + n] = sign8(v >> (8 * i));
          }
        }
      }
    }
  }

  // Enabled input processors that no FIFO byte lane feeds read zeros: the
  // program's input never reaches their channels.
  void note_unfed_processors(const std::vector<FifoPlan>& plan) {
    std::vector<bool> fed(static_cast<size_t>(np_), false);
    for (const FifoPlan& f : plan) {
      for (const auto& lane : f.lane_index) {
        for (const int idx : lane) fed[static_cast<size_t>(idx)] = true;
      }
    }
    std::string unfed;
    for (int i = 0; i < np_; ++i) {
      if (fed[static_cast<size_t>(i)]) continue;
      unfed += (unfed.empty() ? "" : ", ") + std::to_string(procs_[static_cast<size_t>(i)]);
    }
    if (unfed.empty()) return;
    const std::string rule = !fast_fifo()  ? "byte i of FIFO f feeds processor 16f+i"
                             : fast_quad() ? "byte i of a fast-FIFO word feeds processors i, 16+i, 32+i and 48+i"
                                           : "byte i of a fast-FIFO word feeds processor i";
    warnings_.push_back("input processors " + unfed + " are enabled but no FIFO byte feeds them (" + rule +
                        "); their input channels read as zero");
  }

  // ---- pooling and element-wise --------------------------------------------
  [[nodiscard]] bool pools() const { return c_.pool_enable || c_.pool_stride > 1; }

  Tensor pool(const Tensor& t) const {
    if (!pools()) return t;
    core::PoolParams p;
    p.kind = c_.pool_enable && c_.pool_avg ? core::PoolKind::Avg : core::PoolKind::Max;
    p.size = {c_.pool[0], c_.pool[1]};
    p.stride = {c_.pool_stride, c_.pool_stride};
    p.dilation = {c_.pool_dilation[0], c_.pool_dilation[1]};
    p.rounding = c_.pool_round ? core::AvgRounding::HalfAwayFromZero : core::AvgRounding::TowardZero;
    Tensor out = c_.op == LayerOp::Conv1d ? core::pool1d(t, p) : core::pool2d(t, p);
    if (out.h < c_.pooled_rows || out.w < c_.pooled_cols) fail(LayerRegister::Prcnt, "pooling leaves too few pixels");
    if (out.h == c_.pooled_rows && out.w == c_.pooled_cols) return out;
    Tensor crop(out.c, c_.pooled_rows, c_.pooled_cols);
    for (int ch = 0; ch < out.c; ++ch) {
      for (int y = 0; y < crop.h; ++y) {
        for (int x = 0; x < crop.w; ++x) crop.at(ch, y, x) = out.at(ch, y, x);
      }
    }
    return crop;
  }

  Tensor pool_and_combine(std::vector<Tensor> ops) const {
    if (ops.size() == 1) return pool(ops[0]);
    const bool saturate = !(c_.op == LayerOp::Passthrough && c_.wide);
    if (!c_.pool_first) return pool(core::eltwise(ops, c_.eltwise_op, saturate));
    for (Tensor& t : ops) t = pool(t);
    return core::eltwise(ops, c_.eltwise_op, saturate);
  }

  // ---- operator ------------------------------------------------------------
  [[nodiscard]] int out_channels() const {
    if (c_.op == LayerOp::Passthrough || c_.depthwise) return np_ * c_.in_passes;
    return c_.out_passes * c_.positions;
  }

  // Mask-count steps of one output channel (flattening rows start on a byte).
  [[nodiscard]] int steps_per_output() const {
    if (!c_.flatten) return c_.in_passes;
    const int per_byte = 8 / c_.weight_bits;
    return (c_.in_passes + per_byte - 1) / per_byte * per_byte;
  }

  // Weight of mask-count `count` in processor p's kernel memory, element e.
  std::vector<int64_t> unpack_kernels() const {
    const int area = c_.kernel_rows * c_.kernel_cols;
    const int channels = np_ * c_.in_passes;
    const int outs = out_channels();
    const int per_out = c_.depthwise ? 1 : channels;
    std::vector<int64_t> w(static_cast<size_t>(outs) * static_cast<size_t>(per_out) * static_cast<size_t>(area), 0);
    const auto bits = static_cast<uint32_t>(c_.weight_bits);
    const uint32_t field = (1U << bits) - 1;
    const LayerRegister mreg = d_.izer_number == 87 ? LayerRegister::Mcnt2 : LayerRegister::Mcnt;
    const int steps = steps_per_output();
    if (c_.bypass) {
      // Kernel bypass: the data pass the multipliers unweighted.
      for (int o = 0; o < outs; ++o) {
        for (int ch = 0; ch < per_out; ++ch) {
          if (c_.depthwise && o >= channels) continue;
          for (int e = 0; e < area; ++e) {
            w[(static_cast<size_t>(o) * static_cast<size_t>(per_out) + static_cast<size_t>(ch)) *
                  static_cast<size_t>(area) +
              static_cast<size_t>(e)] = 1;
          }
        }
      }
      return w;
    }
    for (int i = 0; i < np_; ++i) {
      const int p = procs_[static_cast<size_t>(i)];
      if (((c_.mask_enables >> p) & 1U) == 0) continue;
      const KernelMemory& mem = q_[static_cast<size_t>(p / 16)]->kernels[static_cast<size_t>(p % 16)];
      const uint64_t limit = static_cast<uint64_t>(mem.size_words()) * 9;
      for (int o = 0; o < outs; ++o) {
        for (int ip = 0; ip < c_.in_passes; ++ip) {
          const int ch = ip * np_ + i;
          uint64_t s = 0;
          if (c_.depthwise) {
            if (o != ch) continue;
            s = static_cast<uint64_t>(ip);
          } else if (c_.quad) {
            // Quad mode: quadrant g computes outputs g, g+4, g+8, ...
            if (o % 4 != p / 16) continue;
            s = static_cast<uint64_t>(o / 4) * static_cast<uint64_t>(steps) + static_cast<uint64_t>(ip);
          } else if (c_.calcx4) {
            // Output 4t+m comes from kernel memory instance m at step t.
            s = static_cast<uint64_t>(o / 4) * static_cast<uint64_t>(steps) + static_cast<uint64_t>(ip);
          } else {
            s = static_cast<uint64_t>(o) * static_cast<uint64_t>(steps) + static_cast<uint64_t>(ip);
          }
          const uint64_t count = c_.mask_start + s * bits;
          if (count > c_.mask_max && !c_.calcx4) continue;
          const uint64_t slot = count >> 3;
          const uint32_t shift = static_cast<uint32_t>(count & 7);
          uint64_t instance = 0;
          if (c_.calcx4) {
            const uint64_t small = d_.kernel_words_small;
            const uint64_t span = (c_.mask_start >> 3) < small ? small / 4 : (d_.kernel_words_large - small) / 4;
            instance = static_cast<uint64_t>(o % 4) * span * 9;
          }
          for (int e = 0; e < area; ++e) {
            const uint64_t a = instance + slot * static_cast<uint64_t>(area) + static_cast<uint64_t>(c_.oned_sad) +
                               static_cast<uint64_t>(area - 1 - e);
            if (a >= limit) fail(mreg, "the kernels of processor " + std::to_string(p) + " run past its kernel memory");
            const uint32_t raw = (mem.byte(static_cast<uint32_t>(a / 9), 8 - static_cast<int>(a % 9)) >> shift) & field;
            int64_t v = 0;
            if (c_.binary) {
              v = raw != 0 ? -1 : 1;
            } else {
              v = static_cast<int64_t>(raw);
              if (raw & (1U << (bits - 1))) v -= static_cast<int64_t>(1) << bits;
            }
            const size_t col = c_.depthwise ? 0 : static_cast<size_t>(ch);
            w[(static_cast<size_t>(o) * static_cast<size_t>(per_out) + col) * static_cast<size_t>(area) +
              static_cast<size_t>(e)] = v;
          }
        }
      }
    }
    return w;
  }

  std::vector<int64_t> biases(int outs) const {
    if (c_.depthwise) return depthwise_biases();
    if (c_.quad) return quad_biases(outs);
    if (c_.bias_quadrant < 0) return {};
    const BiasMemory& mem = q_[static_cast<size_t>(c_.bias_quadrant)]->bias;
    std::vector<int64_t> b(static_cast<size_t>(outs));
    for (int o = 0; o < outs; ++o) {
      uint32_t entry = c_.bias_start + static_cast<uint32_t>(o);
      if (c_.calcx4) {
        entry = c_.bias_start * 4 + static_cast<uint32_t>(o);  // POST counts groups of four
      }
      if (entry >= mem.size()) fail(LayerRegister::Post, "the bias entries run past the bias memory");
      b[static_cast<size_t>(o)] = mem.read(entry);
    }
    return b;
  }

  // Quad mode: output o's bias is in quadrant o%4, entry POST.bias_start + o/4.
  std::vector<int64_t> quad_biases(int outs) const {
    std::vector<int64_t> b(static_cast<size_t>(outs), 0);
    bool any = false;
    for (int o = 0; o < outs; ++o) {
      const int g = o % 4;
      const uint32_t post = c_.regs.get(g, LayerRegister::Post);
      if ((post & (1U << 12)) == 0) continue;
      any = true;
      const uint32_t entry = (post & 0xFFF) + static_cast<uint32_t>(o / 4);
      const BiasMemory& mem = q_[static_cast<size_t>(g)]->bias;
      if (entry >= mem.size()) fail(LayerRegister::Post, "the bias entries run past the bias memory");
      b[static_cast<size_t>(o)] = mem.read(entry);
    }
    if (!any) return {};
    return b;
  }

  // Depthwise: every quadrant adds its own processors' biases; in broadcast
  // mode POST.bias_start counts groups of four entries.
  std::vector<int64_t> depthwise_biases() const {
    bool any = false;
    for (int g = 0; g < 4; ++g) any = any || (c_.regs.get(g, LayerRegister::Post) & (1U << 12)) != 0;
    if (!any) return {};
    std::vector<int64_t> b(static_cast<size_t>(np_) * static_cast<size_t>(c_.in_passes), 0);
    const std::vector<int> k_of = quadrant_indices();
    int quadrants_used = 0;
    for (int g = 0; g < 4; ++g) quadrants_used += ((c_.processors >> (16 * g)) & 0xFFFF) != 0 ? 1 : 0;
    const int span = quadrants_used > 1 ? 16 : np_;
    for (int ip = 0; ip < c_.in_passes; ++ip) {
      for (int i = 0; i < np_; ++i) {
        const int p = procs_[static_cast<size_t>(i)];
        const uint32_t post = c_.regs.get(p / 16, LayerRegister::Post);
        if ((post & (1U << 12)) == 0) continue;
        // Broadcast mode computes lane t of every memory in time slot t, so
        // the entries run lane by lane.
        const uint32_t scale = c_.broadcast ? 4 : 1;
        // Per pass one entry per processor position of the quadrant (the first
        // quadrant's leading gap moved to its end).
        const int within =
            c_.broadcast ? ip * 16 + (p % 4) * 4 + (p % 16) / 4 : ip * span + k_of[static_cast<size_t>(i)];
        const uint32_t entry = (post & 0xFFF) * scale + static_cast<uint32_t>(within);
        const BiasMemory& mem = q_[static_cast<size_t>(p / 16)]->bias;
        if (entry >= mem.size()) fail(LayerRegister::Post, "the bias entries run past the bias memory");
        b[static_cast<size_t>(ip) * static_cast<size_t>(np_) + static_cast<size_t>(i)] = mem.read(entry);
      }
    }
    return b;
  }

  Tensor operate(const Tensor& in) const {
    if (c_.op == LayerOp::Passthrough) return c_.wide ? core::output32(in) : in;
    const int outs = out_channels();
    const std::vector<int64_t> w = unpack_kernels();
    const std::vector<int64_t> b = biases(outs);
    core::ConvOptions opt;
    opt.width = c_.wide ? 32 : 8;
    opt.shift = c_.shift;
    opt.act = c_.act;
    if (c_.shift < -core::kMaxShift || c_.shift > core::kMaxShift)
      fail(LayerRegister::Post, "the output shift is out of range");
    if (c_.op == LayerOp::Conv1d) {
      core::Conv1dParams p;
      p.in_channels = in.c;
      p.out_channels = outs;
      p.groups = c_.depthwise ? in.c : 1;
      p.kernel = c_.kernel_rows;
      p.pad = c_.pad_rows;
      return core::conv1d(in, p, w, b, opt);
    }
    core::ConvParams p;
    p.in_channels = in.c;
    p.out_channels = outs;
    p.groups = c_.depthwise ? in.c : 1;
    p.kernel = {c_.kernel_rows, c_.kernel_cols};
    p.pad = {c_.pad_rows, c_.pad_cols};
    if (c_.op == LayerOp::ConvTranspose2d) {
      // The hardware inserts a zero after every input sample, then correlates.
      Tensor z(in.c, in.h * 2, in.w * 2);
      for (int ch = 0; ch < in.c; ++ch) {
        for (int y = 0; y < in.h; ++y) {
          for (int x = 0; x < in.w; ++x) z.at(ch, 2 * y, 2 * x) = in.at(ch, y, x);
        }
      }
      return core::conv2d(z, p, w, b, opt);
    }
    return core::conv2d(in, p, w, b, opt);
  }

  // Per enabled processor: its rank among the enabled processors of its quadrant.
  [[nodiscard]] std::vector<int> quadrant_indices() const {
    int count[4] = {0, 0, 0, 0};
    std::vector<int> k(static_cast<size_t>(np_));
    for (int i = 0; i < np_; ++i) k[static_cast<size_t>(i)] = count[procs_[static_cast<size_t>(i)] / 16]++;
    return k;
  }

  // ---- output --------------------------------------------------------------
  // `base` selects the data memory (index at bit wptr_shift) and its first
  // word; `offset` counts words from there. Keeping them apart lets a
  // streamed (unwrapped) buffer run past the memory's end without changing
  // the memory index.
  void write(uint32_t base, uint32_t offset, uint32_t data, unsigned lanes, int channel, int row, int col) {
    const int memory = static_cast<int>(base >> hp_.wptr_shift);
    const uint64_t word64 = static_cast<uint64_t>(base & ((1U << hp_.wptr_shift) - 1)) + offset;
    const auto word = static_cast<uint32_t>(word64);
    if (stream_output_ && memory < 16 && word64 < (uint64_t{1} << 30)) {
      // Logged when the consumer folds it into its rollover buffer.
      stream_.write(memory, word, data, lanes, c_.layer);
      return;
    }
    if (log_ != nullptr) {
      log_->push_back({.layer = c_.layer,
                       .is_write = true,
                       .memory = memory,
                       .byte_offset = word * 4,
                       .lanes = static_cast<uint8_t>(lanes),
                       .channel = channel,
                       .row = row,
                       .col = col});
    }
    if (memory >= 16 || word64 >= hp_.memory_words) {
      fail(LayerRegister::WptrBase, "the layer writes word " + std::to_string(word64) + " of data memory " +
                                        std::to_string(memory) + ", beyond its " + std::to_string(hp_.memory_words) +
                                        " words");
    }
    q_[static_cast<size_t>(memory / 4)]->data[static_cast<size_t>(memory % 4)].write(word, data, lanes);
    for (WatchedWord& w : watch_) {
      if (w.memory == memory && w.word == word) w.written = true;
    }
  }

  void put(uint32_t base, uint32_t offset, int64_t value, int lane, int channel, int n, int cols) {
    if (c_.wide) {
      write(base, offset, static_cast<uint32_t>(value), 0xF, channel, n / cols, n % cols);
    } else {
      write(base, offset, static_cast<uint32_t>(static_cast<uint8_t>(value)) << (8 * lane), 1U << lane, channel,
            n / cols, n % cols);
    }
  }

  // The k-th enabled processor of a quadrant lands in lane k%4 of time slot
  // k/4 (TOFF apart), through the quadrant's own write pointer.
  void scatter_by_time_slot(const Tensor& out, uint32_t stride) {
    const int pixels = out.h * out.w;
    const std::vector<int> k_of = quadrant_indices();
    for (int ch = 0; ch < out.c; ++ch) {
      const int ip = ch / np_;
      const int i = ch % np_;
      const int g = procs_[static_cast<size_t>(i)] / 16;
      const int k = k_of[static_cast<size_t>(i)];
      uint32_t base = c_.wptr_base[static_cast<size_t>(g)] +
                      static_cast<uint32_t>(k / 4) * c_.toff[static_cast<size_t>(g)] +
                      static_cast<uint32_t>(ip) * c_.choff;
      if (c_.wide) base += static_cast<uint32_t>(k % 4);
      for (int n = 0; n < pixels; ++n) {
        put(base, static_cast<uint32_t>(n) * stride,
            out.v[static_cast<size_t>(ch) * static_cast<size_t>(pixels) + static_cast<size_t>(n)], k % 4, ch, n, out.w);
      }
    }
  }

  void scatter(const Tensor& out) {
    const int primary = std::countr_zero(c_.processors) / 16;
    const int pixels = out.h * out.w;
    const uint32_t width = c_.wide ? 4 : 1;
    if (c_.op == LayerOp::Passthrough) {
      // One word per time slot, `passes` words per pixel.
      scatter_by_time_slot(out, static_cast<uint32_t>(c_.wptr_inc + 1) * static_cast<uint32_t>(c_.out_passes) * width);
      return;
    }
    const uint32_t stride = static_cast<uint32_t>(c_.wptr_inc + 1) * width;
    if (c_.depthwise && !c_.broadcast) {
      // Each quadrant writes its own processors' channels through its own
      // write pointer, one processor per time slot.
      scatter_by_time_slot(out, stride);
      return;
    }
    for (int o = 0; o < out.c; ++o) {
      int e = o / c_.positions;
      int j = o % c_.positions;
      if (c_.depthwise) {
        // Broadcast depthwise: each processor writes its channel at its own
        // position (xpch_max spans the processor map, holes included).
        e = o / np_;
        j = procs_[static_cast<size_t>(o % np_)] - procs_.front();
      }
      uint32_t base = c_.wptr_base[static_cast<size_t>(primary)] + static_cast<uint32_t>(j / 4) * c_.moff +
                      static_cast<uint32_t>(e) * c_.choff;
      if (c_.wide) base += static_cast<uint32_t>(j % 4);
      for (int n = 0; n < pixels; ++n) {
        put(base, static_cast<uint32_t>(n) * stride,
            out.v[static_cast<size_t>(o) * static_cast<size_t>(pixels) + static_cast<size_t>(n)], j % 4, o, n, out.w);
      }
    }
  }

  const Device& d_;
  std::array<Quadrant*, 4>& q_;
  FifoSet fifos_;
  StreamBuffer& stream_;
  const LayerConfig& c_;
  bool stream_output_;
  AccessLog* log_;
  std::span<WatchedWord> watch_;
  std::vector<std::string> warnings_;
  HwParams hp_;
  std::vector<int> procs_;
  int np_;
};

}  // namespace

LayerExecutor::LayerExecutor(const Device& device, std::array<Quadrant*, 4> quadrants, FifoSet fifos)
    : device_(device), q_(quadrants), fifos_(fifos) {}

std::array<size_t, 5> LayerExecutor::fifo_words_needed(const LayerConfig& c) const {
  if (!c.fifo_input) return {};
  auto q = q_;
  StreamBuffer unused;
  return LayerRun(device_, q, fifos_, unused, c, false, nullptr).words_needed();
}

std::vector<std::string> LayerExecutor::run(const LayerConfig& c, bool stream_output, AccessLog* log, int producer,
                                            std::span<WatchedWord> watch) {
  try {
    LayerRun run(device_, q_, fifos_, stream_, c, stream_output, log, watch);
    run.run();
    if (!c.stream_input) chain_.clear();
    std::vector<std::string> warnings = run.take_warnings();
    // The rollover buffers of one streaming chain are all live at once.
    for (const StreamRegion& r : run.fold_stream(producer)) {
      for (const StreamRegion& o : chain_) {
        if (o.memory != r.memory || o.last < r.first || r.last < o.first) continue;
        warnings.push_back("its rollover buffer (data memory " + std::to_string(r.memory) + ", words " +
                           std::to_string(r.first) + ".." + std::to_string(r.last) + ") overlaps layer " +
                           std::to_string(o.layer) + "'s (words " + std::to_string(o.first) + ".." +
                           std::to_string(o.last) +
                           "); the streaming layers run together, so on the chip each "
                           "overwrites the other's rows");
      }
      chain_.push_back(r);
    }
    return warnings;
  } catch (Error& e) {
    e.with_layer(c.layer);
    throw;
  }
}

}  // namespace ai8x::hw
