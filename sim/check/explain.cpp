#include "check/explain.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <string_view>

#include "register_fields.hpp"
#include "register_map.hpp"

namespace ai8x {
namespace {

std::string hex8(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string hex4(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// "0-3,8" for the set bits of `mask`, numbered from `first`.
std::string bit_ranges(uint32_t mask, int first) {
  std::string s;
  for (int b = 0; b < 32;) {
    if (((mask >> b) & 1U) == 0) {
      ++b;
      continue;
    }
    int e = b;
    while (e + 1 < 32 && ((mask >> (e + 1)) & 1U) != 0) ++e;
    if (!s.empty()) s += ',';
    s += std::to_string(first + b);
    if (e > b) s += "-" + std::to_string(first + e);
    b = e + 1;
  }
  return s;
}

struct SystemRegister {
  uint32_t address;
  int device;  // izer number, 0 = both
  std::string_view name;
  std::string_view meaning;
};

// The system registers the generated cnn_enable()/main() touch (hw-facts §2:
// outside the accelerator's window; a replay ignores them).
constexpr std::array<SystemRegister, 6> kSystemRegisters{{
    {0x40000010, 87, "GCR IPLL_CTRL", "internal PLL control (bit 1 = ready)"},
    {0x40000018, 0, "GCR PCLKDIV", "CNN clock divider and source"},
    {0x40005800, 0, "GCFR REG0", "CNN power"},
    {0x40005804, 0, "GCFR REG1", "CNN mask memory enable"},
    {0x40005808, 0, "GCFR REG2", "CNN isolation"},
    {0x4000580c, 0, "GCFR REG3", "CNN reset"},
}};

const SystemRegister* system_register(const Device& d, uint32_t address) {
  for (const auto& r : kSystemRegisters) {
    if (r.address == address && (r.device == 0 || r.device == d.izer_number)) return &r;
  }
  return nullptr;
}

std::string_view fast_fifo_name(uint32_t offset) {
  constexpr std::array<std::string_view, 6> kNames{"CR", "SR", "IE", "IS", "DR", "DMA"};
  return offset / 4 < kNames.size() ? kNames[offset / 4] : "?";
}

class Explainer {
 public:
  Explainer(const Device& device, const ExplainOptions& options) : d_(device), map_(device), o_(options) {}

  std::string run(const io::Trace& trace) {
    out_ = "# register explanation for " + d_.name + " (" + std::to_string(trace.ops.size()) + " operations)\n";
    if (!trace.device.empty()) {
      const Device* named = find_device(trace.device);
      if (named != &d_) out_ += "# note: the trace names device " + trace.device + "\n";
    }
    std::vector<io::CnnCNote> notes = o_.notes;
    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
    size_t next_note = 0;
    for (const auto& op : trace.ops) {
      while (next_note < notes.size() && op.line > 0 && notes[next_note].line < op.line) note(notes[next_note++]);
      handle(op);
    }
    while (next_note < notes.size()) note(notes[next_note++]);
    flush();
    return std::move(out_);
  }

 private:
  enum class BlockKind : uint8_t { Kernel, Bias, Data, Tram };
  struct Block {
    BlockKind kind = BlockKind::Kernel;
    int quadrant = 0;
    int unit = 0;  // processor (kernel, TRAM) or instance (data) within the quadrant
    bool mexpress = false;
    bool address_set = false;  // mexpress block opened by the 8-bit address write
    uint8_t width = 32;
    uint32_t start_address = 0;
    uint32_t next_address = 0;
    uint32_t first = 0;  // kernel column/word, bias entry, byte offset, TRAM entry
    uint32_t last = 0;
    long writes = 0;
  };
  struct FifoRun {
    std::array<long, 4> words{};
    std::array<long, 4> waits{};
    long fast_words = 0;
    long fast_waits = 0;
    bool any = false;
  };

  // ---- output ----

  void emit(const std::string& location, const std::string& body) {
    std::string phase = phase_.empty() ? "-" : phase_;
    out_ += pad(phase, 17) + pad(location, 8) + ' ' + body + '\n';
  }

  static std::string where(int quadrant) { return "q" + std::to_string(quadrant); }
  static std::string where(int layer, int quadrant) {
    return "L" + std::to_string(layer) + " q" + std::to_string(quadrant);
  }

  std::string address_text(uint32_t address) const { return o_.show_addresses ? hex8(address) + "  " : ""; }

  void note(const io::CnnCNote& n) {
    flush();
    emit("", "note (line " + std::to_string(n.line) + "): " + n.statement + "  -- " + n.reason);
  }

  // ---- dispatch ----

  void handle(const io::BusOp& op) {
    switch (op.kind) {
      case io::BusOp::Kind::Phase:
        flush();
        phase_ = op.phase;
        out_ += "\n# " + op.phase + "\n";
        return;
      case io::BusOp::Kind::WaitIrq:
        flush();
        emit("", "sleep until the CNN interrupt (" + where(master_) + " CTRL.cnn_irq = 1), then run its handler");
        return;
      case io::BusOp::Kind::Poll: poll(op); return;
      case io::BusOp::Kind::Write: write(op); return;
    }
  }

  void flush() {
    flush_block();
    flush_fifo();
  }

  void write(const io::BusOp& op) {
    const auto t = map_.decode(op.address);
    if (!t) {
      flush();
      unmapped(op);
      return;
    }
    using K = AddressTarget::Kind;
    const bool fifo_data = t->kind == K::FifoWrite || (t->kind == K::FastFifo && t->index == 0x10);
    if (!fifo_data) flush_fifo();
    switch (t->kind) {
      case K::Kernel:
      case K::Bias:
      case K::Data:
      case K::Tram: memory(op, *t); return;
      default: break;
    }
    flush_block();
    switch (t->kind) {
      case K::Global: global(op, *t); return;
      case K::Layer: layer(op, *t); return;
      case K::FifoWrite:
        fifo_.any = true;
        ++fifo_.words[t->index % 4];
        return;
      case K::FastFifo:
        if (t->index == 0x10) {
          fifo_.any = true;
          ++fifo_.fast_words;
          return;
        }
        emit("", "fast FIFO " + std::string(fast_fifo_name(t->index)) + pad("", 8) + address_text(op.address) +
                     hex8(op.value));
        return;
      case K::FifoCtrl:
        emit("", std::string(t->index == 0 ? "FIFO_CTRL" : "FIFO_STAT") + "   " + address_text(op.address) +
                     hex8(op.value) + "  standard FIFO control");
        return;
      case K::AlwaysOn:
        emit("", "AON_CTRL    " + address_text(op.address) + hex8(op.value) + "  always-on domain control");
        return;
      case K::Reserved: {
        const std::string_view snoop = snoop_name(t->index);
        if (!snoop.empty()) {
          emit(where(t->quadrant), pad(std::string(snoop), 11) + ' ' + address_text(op.address) + hex8(op.value) +
                                       "  snoop (data/address match) register");
        } else {
          emit(where(t->quadrant), pad("+" + hex(t->index), 11) + ' ' + address_text(op.address) + hex8(op.value) +
                                       "  reserved register the map does not name");
        }
        return;
      }
      default: return;
    }
  }

  void unmapped(const io::BusOp& op) {
    const std::string value = width_text(op) + hex8(op.value);
    if (op.address >= 0x50000000 && op.address < 0x60000000) {
      emit("", "unknown address " + hex8(op.address) + " = " + value + "  (nothing in the accelerator answers here)");
      return;
    }
    if (const auto* r = system_register(d_, op.address)) {
      emit("", "system register " + std::string(r->name) + "  " + hex8(op.address) + " = " + value + "  " +
                   std::string(r->meaning));
      return;
    }
    emit("", "system register " + hex8(op.address) + " = " + value + "  (outside the accelerator)");
  }

  // MAX78002 snoop block: 24 registers from the device's snoop offset
  // (hw-facts §2: Q+0x10_8080 ... Q+0x10_80DC; hw/snoop.hpp).
  std::string_view snoop_name(uint32_t offset) const {
    constexpr std::array<std::string_view, 24> kSnoop{
        "SNP1_A1",  "SNP1_A2",  "SNP1_D1",  "SNP1_D2", "SNP1_X1",  "SNP1_X2",  "SNP1_C1",  "SNP1_C2",
        "SNP1_ACC", "SNP1_HIT", "SNP1_MAX", "SNP1_AM", "SNP2_A1",  "SNP2_A2",  "SNP2_D1",  "SNP2_D2",
        "SNP2_X1",  "SNP2_X2",  "SNP2_C1",  "SNP2_C2", "SNP2_ACC", "SNP2_HIT", "SNP2_MAX", "SNP2_AM"};
    if (d_.snoop_offset == 0 || offset < d_.snoop_offset || offset % 4 != 0) return {};
    const uint32_t i = (offset - d_.snoop_offset) / 4;
    return i < kSnoop.size() ? kSnoop[i] : std::string_view();
  }

  static std::string width_text(const io::BusOp& op) {
    return op.width == 32 ? "" : "(" + std::to_string(op.width) + "-bit) ";
  }

  // ---- registers ----

  void register_line(const std::string& location, std::string_view name, const io::BusOp& op,
                     std::span<const RegisterField> table, const std::string& hint) {
    const DecodedFields decoded = decode_fields(table, op.value, o_.all_fields);
    std::string body = pad(std::string(name), 11) + ' ' + address_text(op.address) + width_text(op) + hex8(op.value);
    const std::string f = format_fields(decoded);
    if (!f.empty()) body += "  " + f;
    if (!hint.empty()) body += "  -> " + hint;
    emit(location, body);
    if (!o_.field_meanings) return;
    for (const auto& fv : decoded.values) {
      const RegisterField& field = *fv.field;
      std::string bits = "[" + std::to_string(field.lsb + field.width - 1);
      if (field.width > 1) bits += ":" + std::to_string(field.lsb);
      bits += "]";
      emit("", pad("", 4) + pad(std::string(field.name), 14) + pad(bits, 8) + pad("= " + std::to_string(fv.value), 10) +
                   std::string(field.meaning));
    }
  }

  void global(const io::BusOp& op, const AddressTarget& t) {
    const auto table = fields(d_, t.global);
    std::string hint;
    if (t.global == GlobalRegister::Ctrl) {
      if (t.quadrant >= 0 && t.quadrant < 4) ctrl_[static_cast<size_t>(t.quadrant)] = op.value;
      // The quadrants are enabled first, the master (named in sync_master)
      // last: its 0->1 edge of cnn_en starts all of them.
      const auto* en = find_field(table, "cnn_en");
      const auto* master = find_field(table, "sync_master");
      if (en != nullptr && master != nullptr && en->extract(op.value) != 0) {
        master_ = static_cast<int>(master->extract(op.value));
        hint = master_ == t.quadrant ? "master quadrant: starts processing"
                                     : "enabled, starts with master quadrant q" + std::to_string(master_);
      }
    } else if (t.global == GlobalRegister::LcntMax) {
      if (const auto* f = find_field(table, "lcnt_max")) hint = "last layer " + std::to_string(f->extract(op.value));
    }
    register_line(where(t.quadrant), register_name(t.global), op, table, hint);
  }

  void layer(const io::BusOp& op, const AddressTarget& t) {
    const auto table = fields(d_, t.reg);
    register_line(where(t.layer, t.quadrant), register_name(t.reg), op, table, layer_hint(t, op.value, table));
  }

  std::string layer_hint(const AddressTarget& t, uint32_t v, std::span<const RegisterField> table) const {
    auto get = [&](std::string_view name) -> std::optional<uint32_t> {
      const auto* f = find_field(table, name);
      return f != nullptr ? std::optional<uint32_t>(f->extract(v)) : std::nullopt;
    };
    using R = LayerRegister;
    switch (t.reg) {
      case R::Rcnt:
      case R::Ccnt: {
        const char* what = t.reg == R::Rcnt ? "rows" : "columns";
        const auto max = get(t.reg == R::Rcnt ? "rcnt_max" : "ccnt_max");
        const auto p = get("pad");
        if (max && p) {
          const long total = static_cast<long>(*max) + 1;
          return std::string(what) + " " + std::to_string(total) + " incl. padding (" +
                 std::to_string(total - 2 * static_cast<long>(*p)) + " + 2x pad " + std::to_string(*p) + ")";
        }
        const auto en = get("pad_en");
        const auto cnt = get("pad_cnt");
        if (en && cnt) return *en != 0 ? "pad " + std::to_string(*cnt + 1) : "no padding";
        return {};
      }
      case R::WptrBase: {
        const auto mem = get("wptr_mem");
        const auto off = get("wptr_off");
        if (!mem || !off) return {};
        return "output to memory " + std::to_string(*mem) + " (q" + std::to_string(*mem / 4) + " instance " +
               std::to_string(*mem % 4) + ") at byte " + hex(*off * 4);
      }
      case R::RptrBase: return "input at byte " + hex(v * 4) + " of each memory";
      case R::Ena: {
        const auto procs = get("proc_en").value_or(0);
        const auto masks = get("mask_en").value_or(0);
        if (procs == 0) return {};
        std::string s = "processors " + bit_ranges(procs, t.quadrant * d_.processors_per_quadrant);
        if (masks == procs) s += " (with their kernel masks)";
        return s;
      }
      case R::Post: {
        std::string s;
        auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
        if (get("bptr_en").value_or(0) != 0) add("bias from entry " + std::to_string(get("bptr_sad").value_or(0)));
        const auto shift = get("scale_shift").value_or(0);
        if (shift != 0)
          add(std::string("shift ") + (get("scale_dir").value_or(0) != 0 ? ">> " : "<< ") + std::to_string(shift));
        constexpr std::array<int, 4> kBits{8, 1, 2, 4};
        const auto size = get("mask_size").value_or(0);
        if (size != 0) add(std::to_string(kBits[size & 3]) + "-bit weights");
        return s;
      }
      case R::Nxtlyr: {
        if (get("stop").value_or(0) != 0) return "stop after this layer";
        if (get("link_en").value_or(0) != 0) return "continue with layer " + std::to_string(get("next").value_or(0));
        return {};
      }
      default: return {};
    }
  }

  // ---- memory blocks ----

  void memory(const io::BusOp& op, const AddressTarget& t) {
    using K = AddressTarget::Kind;
    const BlockKind kind = t.kind == K::Kernel ? BlockKind::Kernel
                           : t.kind == K::Bias ? BlockKind::Bias
                           : t.kind == K::Data ? BlockKind::Data
                                               : BlockKind::Tram;
    const int unit = kind == BlockKind::Data ? t.processor / d_.processors_per_memory : t.processor;
    // The 8-bit write to a kernel address with bit 0 set loads the mexpress
    // address counter; the 32-bit stream that follows starts there.
    if (kind == BlockKind::Kernel && op.width == 8) {
      flush_block();
      const uint32_t col = t.index * 4 + t.byte / 4;
      block_ = Block{.kind = kind,
                     .quadrant = t.quadrant,
                     .unit = unit,
                     .mexpress = true,
                     .address_set = true,
                     .width = 32,
                     .start_address = op.address & ~3U,
                     .next_address = op.address & ~3U,
                     .first = col,
                     .last = col,
                     .writes = 0};
      return;
    }
    const uint32_t step = op.width / 8;
    if (block_ && block_->kind == kind && block_->quadrant == t.quadrant && block_->unit == unit &&
        block_->width == op.width && block_->next_address == op.address) {
      block_->next_address = op.address + step;
      block_->last = kind == BlockKind::Kernel && block_->mexpress ? block_->last : t.index;
      if (block_->writes == 0) block_->start_address = op.address;
      ++block_->writes;
      return;
    }
    flush_block();
    const bool mexpress = kind == BlockKind::Kernel && t.quadrant >= 0 && t.quadrant < 4 &&
                          ((ctrl_[static_cast<size_t>(t.quadrant)] >> 20) & 1U) != 0;
    const uint32_t first = mexpress ? t.index * 4 + t.byte / 4 : t.index;
    block_ = Block{.kind = kind,
                   .quadrant = t.quadrant,
                   .unit = unit,
                   .mexpress = mexpress,
                   .address_set = false,
                   .width = op.width,
                   .start_address = op.address,
                   .next_address = op.address + step,
                   .first = first,
                   .last = first,
                   .writes = 1};
  }

  void flush_block() {
    if (!block_) return;
    const Block b = *block_;
    block_.reset();
    const std::string at = o_.show_addresses ? " at " + hex8(b.start_address) : "";
    const std::string writes =
        std::to_string(b.writes) + " " + std::to_string(b.width) + "-bit write" + (b.writes == 1 ? "" : "s");
    const int global_proc = b.quadrant * d_.processors_per_quadrant + b.unit;
    switch (b.kind) {
      case BlockKind::Kernel: {
        std::string s = "kernels: processor " + std::to_string(global_proc) + " (q" + std::to_string(b.quadrant) +
                        " p" + std::to_string(b.unit) + "), ";
        if (b.mexpress) {
          // Each 32-bit write carries 4 bytes of the packed 9-byte kernel words.
          const long words = b.writes * 4 / 9;
          if (b.writes == 0) {
            s += "address counter set to word " + std::to_string(b.first) + " (mexpress)";
          } else if (words == 0) {
            s += "part of word " + std::to_string(b.first) + " (mexpress, " + writes + ")";
          } else {
            s += "words " + std::to_string(b.first) + ".." +
                 std::to_string(b.first + static_cast<uint32_t>(words) - 1) + " (mexpress, " + writes +
                 (b.address_set ? "" : ", no address-set write") + ")";
          }
        } else {
          s += "words " + std::to_string(b.first) + ".." + std::to_string(b.last) + " (" + writes +
               ", 4 per 72-bit word)";
        }
        emit("", s + at);
        return;
      }
      case BlockKind::Bias:
        emit("", "bias: q" + std::to_string(b.quadrant) + " entries " + std::to_string(b.first) + ".." +
                     std::to_string(b.last) + " (" + writes + ")" + at);
        return;
      case BlockKind::Data: {
        const std::string label = phase_.find("input") != std::string::npos ? "input" : "data";
        const int memory = b.quadrant * (d_.processors_per_quadrant / d_.processors_per_memory) + b.unit;
        const uint32_t last_byte = b.last + b.width / 8 - 1;
        emit("", label + ": memory " + std::to_string(memory) + " (q" + std::to_string(b.quadrant) + " instance " +
                     std::to_string(b.unit) + ") bytes " + hex4(b.first) + ".." + hex4(last_byte) + ", " +
                     std::to_string(b.writes) +
                     (b.width == 32 ? " words" : " " + std::to_string(b.width) + "-bit writes") + at);
        return;
      }
      case BlockKind::Tram:
        emit("", "TRAM: q" + std::to_string(b.quadrant) + " processor " + std::to_string(b.unit) + " entries " +
                     std::to_string(b.first) + ".." + std::to_string(b.last) + " (" + writes + ")" + at);
        return;
    }
  }

  void flush_fifo() {
    if (!fifo_.any) return;
    for (size_t n = 0; n < 4; ++n) {
      if (fifo_.words[n] == 0 && fifo_.waits[n] == 0) continue;
      std::string s = "FIFO " + std::to_string(n) + ": " + std::to_string(fifo_.words[n]) + " words";
      if (fifo_.waits[n] != 0) {
        s += " (" + std::to_string(fifo_.waits[n]) + " waits until FIFO_STAT.full" + std::to_string(n) + " = 0)";
      }
      emit("", s);
    }
    if (fifo_.fast_words != 0 || fifo_.fast_waits != 0) {
      std::string s = "fast FIFO: " + std::to_string(fifo_.fast_words) + " words";
      if (fifo_.fast_waits != 0) s += " (" + std::to_string(fifo_.fast_waits) + " waits until SR.full = 0)";
      emit("", s);
    }
    fifo_ = FifoRun{};
  }

  // ---- polls ----

  void poll(const io::BusOp& op) {
    const auto t = map_.decode(op.address);
    using K = AddressTarget::Kind;
    if (t && t->kind == K::FifoCtrl && t->index == 1 && (op.mask & ~0xfU) == 0 && (op.value & ~op.mask) == 0) {
      flush_block();
      fifo_.any = true;
      for (size_t n = 0; n < 4; ++n) {
        if (((op.mask >> n) & 1U) != 0) ++fifo_.waits[n];
      }
      return;
    }
    if (t && t->kind == K::FastFifo && t->index == 4) {
      flush_block();
      fifo_.any = true;
      ++fifo_.fast_waits;
      return;
    }
    flush();
    const std::string raw = "(R32 " + hex8(op.address) + " & " + hex8(op.mask) + " == " + hex8(op.value) + ")";
    std::string what;
    if (t && (t->kind == K::Global || t->kind == K::Layer)) {
      const auto table = t->kind == K::Global ? fields(d_, t->global) : fields(d_, t->reg);
      const std::string reg = t->kind == K::Global
                                  ? std::string(register_name(t->global))
                                  : "L" + std::to_string(t->layer) + " " + std::string(register_name(t->reg));
      for (const auto& f : table) {
        if ((f.mask() & op.mask) == 0) continue;
        if (!what.empty()) what += " and ";
        what += "q" + std::to_string(t->quadrant) + " " + reg + "." + std::string(f.name) + " = " +
                std::to_string((op.value & op.mask & f.mask()) >> f.lsb);
      }
      if (what.empty())
        what = "q" + std::to_string(t->quadrant) + " " + reg + " & " + hex(op.mask) + " = " + hex(op.value);
    } else if (t && t->kind == K::FifoCtrl) {
      what = "FIFO_STAT & " + hex(op.mask) + " = " + hex(op.value);
    } else if (t && t->kind == K::FastFifo) {
      what = "fast FIFO " + std::string(fast_fifo_name(t->index)) + " & " + hex(op.mask) + " = " + hex(op.value);
    } else if (const auto* r = t ? nullptr : system_register(d_, op.address)) {
      what = std::string(r->name) + " & " + hex(op.mask) + " = " + hex(op.value) + " (" + std::string(r->meaning) + ")";
    } else if (!t && op.address >= 0x50000000 && op.address < 0x60000000) {
      what = "unknown address " + hex8(op.address) + " & " + hex(op.mask) + " = " + hex(op.value) +
             " (nothing in the accelerator answers here)";
    } else {
      what = "system register " + hex8(op.address) + " & " + hex(op.mask) + " = " + hex(op.value);
    }
    emit("", "wait until " + what + "  " + raw);
  }

  const Device& d_;
  RegisterMap map_;
  const ExplainOptions& o_;
  std::string out_;
  std::string phase_;
  std::optional<Block> block_;
  FifoRun fifo_;
  std::array<uint32_t, 4> ctrl_{};
  int master_ = 0;
};

}  // namespace

std::string explain_trace(const Device& device, const io::Trace& trace, const ExplainOptions& options) {
  return Explainer(device, options).run(trace);
}

std::string explain_cnn_c(const Device& device, const std::string& text, const std::string& file,
                          ExplainOptions options) {
  io::CnnCExtract extract = io::extract_cnn_c(text, file);
  options.notes.insert(options.notes.end(), extract.notes.begin(), extract.notes.end());
  return explain_trace(device, extract.trace, options);
}

}  // namespace ai8x
