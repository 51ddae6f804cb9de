#include "hw/accelerator.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"
#include "hw/timing.hpp"

namespace ai8x::hw {
namespace {

// Bounds that turn a broken configuration into an error instead of a hang.
constexpr size_t kMaxSequenceLength = 1 << 16;
constexpr uint64_t kFifoTimeoutCycles = uint64_t{1} << 32;

}  // namespace

Accelerator::Accelerator(const sc_core::sc_module_name& name, const Device& device)
    : sc_core::sc_module(name), socket("socket"), irq("irq"), device_(device), map_(device) {
  for (int q = 0; q < device.quadrants; ++q) quadrants_.push_back(std::make_unique<Quadrant>(device, q));
  std::array<Quadrant*, 4> qs{};
  for (size_t q = 0; q < quadrants_.size() && q < 4; ++q) qs[q] = quadrants_[q].get();
  executor_ = std::make_unique<LayerExecutor>(device, qs, FifoSet{&fifos_, &fast_fifo_});
  socket.register_b_transport(this, &Accelerator::b_transport);
  socket.register_transport_dbg(this, &Accelerator::transport_dbg);
  SC_THREAD(sequencer_thread);
  SC_METHOD(irq_method);
  sensitive << irq_update_;
  dont_initialize();
}

void Accelerator::reset() {
  for (auto& q : quadrants_) q->clear();
  fifos_.clear();
  fast_fifo_.clear();
  executor_->stream().clear();
  records_.clear();
  log_.clear();
  busy_cycles_ = 0;
  error_ = nullptr;
  next_layer_ = -1;
  previous_layer_ = -1;
  busy_ = false;
  if (irq_level_) {
    irq_level_ = false;
    irq_update_.notify(sc_core::SC_ZERO_TIME);
  }
}

// ---- bus ----------------------------------------------------------------

void Accelerator::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& /*delay*/) {
  const unsigned len = trans.get_data_length();
  const auto address = static_cast<uint32_t>(trans.get_address());
  if (len != 1 && len != 2 && len != 4) {
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  uint32_t value = 0;
  bool ok = false;
  if (trans.is_write()) {
    std::memcpy(&value, trans.get_data_ptr(), len);
    ok = write(address, value, len);
  } else {
    ok = read(address, value);
    if (ok) std::memcpy(trans.get_data_ptr(), &value, len);
  }
  trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

unsigned Accelerator::transport_dbg(tlm::tlm_generic_payload& trans) {
  const unsigned len = trans.get_data_length();
  auto address = static_cast<uint32_t>(trans.get_address());
  unsigned done = 0;
  while (done + 4 <= len) {
    uint32_t value = 0;
    if (trans.is_read()) {
      if (!read(address, value)) break;
      std::memcpy(trans.get_data_ptr() + done, &value, 4);
    } else {
      std::memcpy(&value, trans.get_data_ptr() + done, 4);
      if (!write(address, value, 4)) break;
    }
    done += 4;
    address += 4;
  }
  trans.set_response_status(done == len ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return done;
}

bool Accelerator::peek32(uint32_t address, uint32_t& value) const {
  return read(address, value);
}

bool Accelerator::write(uint32_t address, uint32_t value, unsigned bytes) {
  const auto t = map_.decode(address);
  if (!t) return false;
  using Kind = AddressTarget::Kind;
  Quadrant& q = *quadrants_[static_cast<size_t>(t->quadrant)];
  switch (t->kind) {
    case Kind::Global:
      if (t->global == GlobalRegister::Mlat) return true;  // read-only
      write_global(t->quadrant, t->global, value);
      return true;
    case Kind::Layer: q.regs.set_layer(t->layer, t->reg, value); return true;
    case Kind::Bias: q.bias.write(t->index, value); return true;
    case Kind::Tram: q.trams[static_cast<size_t>(t->processor)].write(t->index, value); return true;
    case Kind::Kernel: write_kernel(*t, value, bytes); return true;
    case Kind::Data: {
      // index is the byte offset; narrow writes land in their byte lanes.
      const uint32_t word = t->index / 4;
      const uint32_t lane = t->index % 4;
      unsigned mask = bytes == 4 ? 0xF : bytes == 2 ? 0x3U << lane : 1U << lane;
      q.data[static_cast<size_t>(t->processor / 4)].write(word, value << (8 * lane), mask & 0xF);
      return true;
    }
    case Kind::FifoCtrl:
      if (t->index == 0) fifos_.ctrl = value;
      return true;
    case Kind::FifoWrite:
      fifos_.fifo(static_cast<int>(t->index)).push(value);
      fifo_event_.notify(sc_core::SC_ZERO_TIME);
      update_fifo_probes();
      return true;
    case Kind::FastFifo:
      switch (t->index) {
        case 0x0: fast_fifo_.cr = value; break;
        case 0x8: fast_fifo_.ie = value; break;
        case 0xC: fast_fifo_.is = value; break;
        case 0x10:
          fast_fifo_.data.push(value);
          fifo_event_.notify(sc_core::SC_ZERO_TIME);
          update_fifo_probes();
          break;
        case 0x14: fast_fifo_.dma = value; break;
        default: break;
      }
      return true;
    case Kind::AlwaysOn: return true;
    case Kind::Reserved: q.regs.set_reserved(t->index, value); return true;
  }
  return false;
}

bool Accelerator::read(uint32_t address, uint32_t& value) const {
  const auto t = map_.decode(address);
  if (!t) return false;
  using Kind = AddressTarget::Kind;
  const Quadrant& q = *quadrants_[static_cast<size_t>(t->quadrant)];
  switch (t->kind) {
    case Kind::Global: value = q.regs.read_global(t->global); return true;
    case Kind::Layer: value = q.regs.layer(t->layer, t->reg); return true;
    case Kind::Bias: value = static_cast<uint8_t>(q.bias.read(t->index)); return true;
    case Kind::Tram: value = q.trams[static_cast<size_t>(t->processor)].read(t->index); return true;
    case Kind::Kernel:
      value = q.kernels[static_cast<size_t>(t->processor)].read_normal(t->index, t->byte & ~3U);
      return true;
    case Kind::Data:
      value = q.data[static_cast<size_t>(t->processor / 4)].read(t->index / 4) >> (8 * (t->index % 4));
      return true;
    case Kind::FifoCtrl: value = t->index == 0 ? fifos_.ctrl : fifos_.stat(); return true;
    case Kind::FifoWrite: value = 0; return true;
    case Kind::FastFifo:
      switch (t->index) {
        case 0x0: value = fast_fifo_.cr; break;
        case 0x4: value = fast_fifo_.sr(); break;
        case 0x8: value = fast_fifo_.ie; break;
        case 0xC: value = fast_fifo_.is; break;
        case 0x14: value = fast_fifo_.dma; break;
        default: value = 0; break;
      }
      return true;
    case Kind::AlwaysOn: value = 0; return true;
    case Kind::Reserved: value = q.regs.reserved(t->index); return true;
  }
  return false;
}

void Accelerator::write_global(int q, GlobalRegister r, uint32_t value) {
  RegisterFile& regs = quadrants_[static_cast<size_t>(q)]->regs;
  const uint32_t old = regs.global(r);
  regs.set_global(r, value);
  if (r != GlobalRegister::Ctrl) return;
  if (q == master_ && irq_level_ && (value & ctrl::kIrq) == 0) {
    irq_level_ = false;  // software acknowledged the interrupt
    irq_update_.notify(sc_core::SC_ZERO_TIME);
  }
  // A 0→1 edge of cnn_en on the master quadrant (the one CTRL.ext_sync[10:9]
  // names) starts the CNN; the other quadrants are enabled first and follow it.
  const bool edge = (old & ctrl::kCnnEnable) == 0 && (value & ctrl::kCnnEnable) != 0;
  const bool master = static_cast<int>((value >> 9) & 3U) == q;
  if (edge && master && !busy_) {
    master_ = q;
    busy_ = true;
    for (auto& quadrant : quadrants_) {
      for (auto& k : quadrant->kernels) k.begin_run();
    }
    start_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Accelerator::write_kernel(const AddressTarget& t, uint32_t value, unsigned bytes) {
  Quadrant& q = *quadrants_[static_cast<size_t>(t.quadrant)];
  KernelMemory& mem = q.kernels[static_cast<size_t>(t.processor)];
  const bool mexpress = (q.regs.ctrl() & ctrl::kMexpress) != 0;
  if (bytes == 1) {
    // mexpress: (MRAM_p + 4·column) | 1 loads the address counter with the column.
    const uint32_t rel = t.index * 16 + t.byte;
    mem.load_counter((rel & ~3U) / 4);
    return;
  }
  if (mexpress) {
    if (!mem.stream(value)) {
      throw Error({.key = "kernel memory of quadrant " + std::to_string(t.quadrant) + " processor " +
                          std::to_string(t.processor)},
                  "the mexpress kernel stream runs past the end of the kernel memory");
    }
    return;
  }
  mem.write_normal(t.index, t.byte & ~3U, value);
}

// ---- sequencer ------------------------------------------------------------

void Accelerator::irq_method() {
  irq.write(irq_level_);
}

void Accelerator::raise_irq() {
  RegisterFile& regs = quadrants_[static_cast<size_t>(master_)]->regs;
  regs.set_global(GlobalRegister::Ctrl, regs.ctrl() | ctrl::kIrq);
  irq_level_ = true;
  irq_update_.notify(sc_core::SC_ZERO_TIME);
}

std::vector<KernelOverwrite> Accelerator::kernel_overwrites() const {
  std::vector<KernelOverwrite> out;
  for (size_t q = 0; q < quadrants_.size(); ++q) {
    for (size_t p = 0; p < quadrants_[q]->kernels.size(); ++p) {
      std::vector<uint32_t> words = quadrants_[q]->kernels[p].overwritten();
      std::sort(words.begin(), words.end());
      words.erase(std::unique(words.begin(), words.end()), words.end());
      for (const uint32_t w : words) {
        if (!out.empty() && out.back().quadrant == static_cast<int>(q) && out.back().processor == static_cast<int>(p) &&
            out.back().last_word + 1 == w) {
          out.back().last_word = w;
        } else {
          out.push_back(
              {.quadrant = static_cast<int>(q), .processor = static_cast<int>(p), .first_word = w, .last_word = w});
        }
      }
    }
  }
  return out;
}

int Accelerator::first_layer() const {
  const uint32_t lcnt = quadrants_[static_cast<size_t>(master_)]->regs.global(GlobalRegister::LcntMax);
  return device_.link_layer ? static_cast<int>((lcnt >> 8) & 0xFFU) : 0;
}

int Accelerator::successor(int layer, const std::vector<SnoopUnit>& snoops, bool hit) const {
  const RegisterFile& regs = quadrants_[static_cast<size_t>(master_)]->regs;
  const uint32_t lcnt = regs.global(GlobalRegister::LcntMax);
  const bool link = device_.link_layer;
  if (layer == static_cast<int>(lcnt & (link ? 0xFFU : 0x1FU))) return -1;
  if (link) {
    const uint32_t next = regs.layer(layer, LayerRegister::Nxtlyr);
    if ((next & (1U << 8)) != 0) return -1;
    if ((next & (1U << 7)) != 0) {
      // A snoop unit that branches guards the link: taken only on its hit.
      const bool guarded = std::any_of(snoops.begin(), snoops.end(),
                                       [&](const SnoopUnit& u) { return u.layer() == layer && u.branches(); });
      if (!guarded || hit) return static_cast<int>(next & 0x7FU);
    }
  }
  return layer + 1;
}

void Accelerator::update_fifo_probes() {
  for (int f = 0; f < 4; ++f) fifo_probe[static_cast<size_t>(f)].write(static_cast<uint32_t>(fifos_.fifo(f).size()));
  fifo_probe[4].write(static_cast<uint32_t>(fast_fifo_.data.size()));
}

void Accelerator::sequencer_thread() {
  while (true) {
    sc_core::wait(start_event_);
    try {
      run_sequence();
    } catch (...) {
      error_ = std::current_exception();
    }
    busy_ = false;
    busy_probe.write(false);
    layer_probe.write(-1);
    for (auto& e : enable_probe) e.write(0);
    update_fifo_probes();
    raise_irq();
    done_event_.notify(sc_core::SC_ZERO_TIME);
  }
}

void Accelerator::run_sequence() {
  const uint32_t ctrl_master = quadrants_[static_cast<size_t>(master_)]->regs.ctrl();
  const bool one_shot = (ctrl_master & (1U << 8)) != 0;
  const bool continuing = one_shot && next_layer_ >= 0;
  if (!continuing) {
    const uint64_t start = startup_cycles(device_);
    sc_core::wait(period_ * static_cast<double>(start));
    busy_cycles_ += start;
  }
  std::array<const Quadrant*, 4> qs{};
  for (size_t q = 0; q < quadrants_.size() && q < 4; ++q) qs[q] = quadrants_[q].get();
  const std::vector<SnoopUnit> snoops = snoop_units(device_, quadrants_[static_cast<size_t>(master_)]->regs);
  auto check_layer = [&](int layer) {
    if (layer >= device_.max_layers) {
      const uint32_t lcnt = quadrants_[static_cast<size_t>(master_)]->regs.global(GlobalRegister::LcntMax);
      throw Error({.key = "LCNT_MAX = " + std::to_string(lcnt)}, "the layer sequence reaches layer " +
                                                                     std::to_string(layer) + ", beyond the device's " +
                                                                     std::to_string(device_.max_layers));
    }
  };
  int layer = continuing ? next_layer_ : first_layer();
  bool first = !continuing;
  int previous = continuing ? previous_layer_ : -1;  // whose stream a streaming layer reads
  size_t steps = 0;
  while (layer >= 0) {
    check_layer(layer);
    if (++steps > kMaxSequenceLength) throw Error({.key = "NXTLYR"}, "the layer sequence does not end");
    const LayerConfig c = decode_layer_config(device_, qs, layer, first, master_);
    first = false;
    // Whether this layer's output streams depends on the layer that follows
    // (in one-shot mode none follows within this start).
    bool stream_output = false;
    if (!one_shot) {
      const int planned = successor(layer, snoops, false);
      if (planned >= 0) {
        check_layer(planned);
        stream_output = decode_layer_config(device_, qs, planned, false, master_).stream_input;
      }
    }
    if (c.fifo_input) {
      // The layer consumes the FIFOs as the code fills them.
      const auto need = executor_->fifo_words_needed(c);
      auto have = [&] {
        for (int f = 0; f < 4; ++f) {
          if (fifos_.fifo(f).size() < need[static_cast<size_t>(f)]) return false;
        }
        return fast_fifo_.data.size() >= need[4];
      };
      while (!have()) {
        const sc_core::sc_time before = sc_core::sc_time_stamp();
        sc_core::wait(period_ * static_cast<double>(kFifoTimeoutCycles), fifo_event_);
        if (sc_core::sc_time_stamp() - before >= period_ * static_cast<double>(kFifoTimeoutCycles)) {
          throw Error({.layer = c.layer, .key = "FIFO"}, "the layer waits for FIFO data that never arrives");
        }
      }
    }
    busy_probe.write(true);
    layer_probe.write(c.layer);
    for (size_t q = 0; q < enable_probe.size(); ++q) {
      enable_probe[q].write(c.regs.get(static_cast<int>(q), LayerRegister::Ena) & 0xFFFFU);
    }
    const LayerTiming t = layer_cycles(device_, c.regs);
    std::vector<WatchedWord> watch;
    watch.reserve(snoops.size());
    for (const SnoopUnit& u : snoops) watch.push_back({.memory = u.memory(), .word = u.word()});
    std::vector<std::string> warnings =
        executor_->run(c, stream_output, log_enabled_ ? &log_ : nullptr, previous, watch);
    previous = layer;
    const SnoopOutcome snooped = evaluate_snoops(layer, snoops, watch);
    update_fifo_probes();
    sc_core::wait(period_ * static_cast<double>(t.cycles));
    busy_cycles_ += t.cycles;
    records_.push_back({.layer = c.layer,
                        .summary = c.summary() + snooped.note,
                        .cycles = t.cycles,
                        .estimate = t.estimate,
                        .warnings = std::move(warnings)});
    if (layer_done_) {
      layer_done_(records_.back(), [this](uint32_t address) {
        uint32_t v = 0;
        return peek32(address, v) ? v : 0U;
      });
    }
    const int next = snooped.stop ? -1 : successor(layer, snoops, snooped.branch);
    if (one_shot) {
      // One layer per start; the next start continues with the following one.
      next_layer_ = next;
      previous_layer_ = layer;
      break;
    }
    layer = next;
  }
  if (one_shot && next_layer_ >= 0) {
    // cnn_en drops after each one-shot layer (but the last) so the next
    // write of the bit continues with the following layer.
    RegisterFile& regs = quadrants_[static_cast<size_t>(master_)]->regs;
    regs.set_global(GlobalRegister::Ctrl, regs.ctrl() & ~ctrl::kCnnEnable);
  }
}

Accelerator::SnoopOutcome Accelerator::evaluate_snoops(int layer, const std::vector<SnoopUnit>& snoops,
                                                       const std::vector<WatchedWord>& watch) const {
  SnoopOutcome out;
  for (size_t i = 0; i < snoops.size(); ++i) {
    const SnoopUnit& u = snoops[i];
    if (u.layer() != layer) continue;
    if (!u.modelled()) {
      out.note += " | " + snoop_text(u) + ": counting/range compare not modelled, taken as no hit";
      continue;
    }
    const DataMemory& mem = quadrants_[static_cast<size_t>(u.memory() / 4)]->data[static_cast<size_t>(u.memory() % 4)];
    const bool hit = watch[i].written && mem.contains(u.word()) && mem.read(u.word()) == u.d1;
    out.note += " | " + snoop_text(u) + (hit ? ": hit" : ": no hit");
    if (hit && u.stops()) out.stop = true;
    if (hit && u.branches()) out.branch = true;
  }
  return out;
}

}  // namespace ai8x::hw
