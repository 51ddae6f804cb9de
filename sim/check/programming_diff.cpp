#include "check/programming_diff.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "register_fields.hpp"

namespace ai8x {
namespace {

using Kind = AddressTarget::Kind;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool is_memory(Kind k) {
  return k == Kind::Kernel || k == Kind::Bias || k == Kind::Tram || k == Kind::Data;
}

bool is_fifo_data(const AddressTarget& t) {
  return t.kind == Kind::FifoWrite || (t.kind == Kind::FastFifo && t.index == 0x10);
}

// The master quadrant's enable starts the accelerator.
bool starts(const AddressTarget& t, uint32_t value) {
  return t.kind == Kind::Global && t.global == GlobalRegister::Ctrl && t.quadrant == 0 && (value & 1U) != 0;
}

void store(std::map<uint32_t, uint32_t>& memory, const io::BusOp& op) {
  const uint32_t word = op.address & ~3U;
  const uint32_t shift = 8 * (op.address & 3U);
  const uint32_t mask = op.width == 32 ? 0xffffffffU : (op.width == 16 ? 0xffffU : 0xffU) << shift;
  uint32_t& w = memory[word];
  w = (w & ~mask) | ((op.value << (op.width == 32 ? 0 : shift)) & mask);
}

std::string memory_kind(const AddressTarget& t) {
  switch (t.kind) {
    case Kind::Kernel: return "kernel memory";
    case Kind::Bias: return "bias memory";
    case Kind::Tram: return "TRAM";
    default: return "data memory (input)";
  }
}

// "layer 1 quadrant 0 LCTRL0" for a register address.
std::string register_label(const AddressTarget& t) {
  switch (t.kind) {
    case Kind::Layer:
      return "layer " + std::to_string(t.layer) + " quadrant " + std::to_string(t.quadrant) + " " +
             std::string(register_name(t.reg));
    case Kind::Global: return "quadrant " + std::to_string(t.quadrant) + " " + std::string(register_name(t.global));
    case Kind::FifoCtrl: return t.index == 0 ? "FIFO CTRL" : "FIFO STAT";
    case Kind::FastFifo: return "fast FIFO register +" + std::to_string(t.index);
    case Kind::AlwaysOn: return "AON control";
    default: return "register";
  }
}

std::string decoded(const Device& device, const AddressTarget& t, std::optional<uint32_t> value) {
  if (!value) return "never written";
  std::string s = hex(*value);
  std::string f;
  if (t.kind == Kind::Layer) f = format_fields(decode_fields(fields(device, t.reg), *value));
  if (t.kind == Kind::Global) f = format_fields(decode_fields(fields(device, t.global), *value));
  if (!f.empty()) s += " (" + f + ")";
  return s;
}

std::string memory_location(const AddressTarget& t) {
  switch (t.kind) {
    case Kind::Kernel:
      return "processor " + std::to_string(t.quadrant * 16 + t.processor) + " word " + std::to_string(t.index);
    case Kind::Bias: return "quadrant " + std::to_string(t.quadrant) + " entry " + std::to_string(t.index);
    case Kind::Tram:
      return "processor " + std::to_string(t.quadrant * 16 + t.processor) + " entry " + std::to_string(t.index);
    default:
      return "quadrant " + std::to_string(t.quadrant) + " instance " + std::to_string(t.processor / 4) + " offset " +
             hex(t.index);
  }
}

}  // namespace

ProgramState program_state(const Device& device, const io::Trace& trace) {
  const RegisterMap map(device);
  ProgramState s;
  for (const io::BusOp& op : trace.ops) {
    if (op.kind != io::BusOp::Kind::Write) continue;
    const auto t = map.decode(op.address);
    if (!t) continue;  // system registers outside the accelerator
    if (is_fifo_data(*t)) {
      s.fifo.emplace_back(op.address, op.value);
      continue;
    }
    if (s.started) continue;  // the interrupt handler's writes and later
    if (is_memory(t->kind)) {
      store(s.memory, op);
      continue;
    }
    if (!s.registers.contains(op.address)) s.register_order.push_back(op.address);
    s.registers[op.address] = op.value;
    if (starts(*t, op.value)) s.started = true;
  }
  return s;
}

bool ProgrammingDiff::same() const {
  if (!registers.empty() || fifo_first_difference) return false;
  return std::all_of(memories.begin(), memories.end(), [](const MemoryDifference& m) { return m.differing == 0; });
}

ProgrammingDiff compare_programming(const Device& device, const io::Trace& reference, const io::Trace& ours) {
  const RegisterMap map(device);
  const ProgramState ref = program_state(device, reference);
  const ProgramState own = program_state(device, ours);
  ProgrammingDiff d;

  // Registers: the reference's order first, then those only ours writes.
  std::vector<uint32_t> order = ref.register_order;
  for (uint32_t a : own.register_order) {
    if (!ref.registers.contains(a)) order.push_back(a);
  }
  for (uint32_t a : order) {
    ++d.registers_compared;
    const auto r = ref.registers.find(a);
    const auto o = own.registers.find(a);
    const std::optional<uint32_t> rv = r == ref.registers.end() ? std::nullopt : std::optional(r->second);
    const std::optional<uint32_t> ov = o == own.registers.end() ? std::nullopt : std::optional(o->second);
    if (rv == ov) continue;
    d.registers.push_back({.address = a, .target = *map.decode(a), .reference = rv, .ours = ov});
  }

  // Memories, by kind, over the union of the words either program writes. A
  // generated cnn.c loads its tables in loops: then only registers compare.
  d.reference_has_memory = !ref.memory.empty() || own.memory.empty();
  if (d.reference_has_memory) {
    std::set<uint32_t> words;
    for (const auto& [a, v] : ref.memory) words.insert(a);
    for (const auto& [a, v] : own.memory) words.insert(a);
    std::map<std::string, MemoryDifference> kinds;
    for (uint32_t a : words) {
      const AddressTarget t = *map.decode(a);
      MemoryDifference& m = kinds[memory_kind(t)];
      m.what = memory_kind(t);
      ++m.compared;
      const auto r = ref.memory.find(a);
      const auto o = own.memory.find(a);
      const std::optional<uint32_t> rv = r == ref.memory.end() ? std::nullopt : std::optional(r->second);
      const std::optional<uint32_t> ov = o == own.memory.end() ? std::nullopt : std::optional(o->second);
      if (rv == ov) continue;
      if (m.differing++ == 0) {
        m.first_address = a;
        m.first_reference = rv;
        m.first_ours = ov;
      }
    }
    for (auto& [k, m] : kinds) d.memories.push_back(m);
  }

  d.fifo_reference = ref.fifo.size();
  d.fifo_ours = own.fifo.size();
  const size_t n = std::min(ref.fifo.size(), own.fifo.size());
  for (size_t i = 0; i < n; ++i) {
    if (ref.fifo[i] != own.fifo[i]) {
      d.fifo_first_difference = i;
      break;
    }
  }
  if (!d.fifo_first_difference && ref.fifo.size() != own.fifo.size()) d.fifo_first_difference = n;
  return d;
}

std::string format_programming_diff(const Device& device, const ProgrammingDiff& diff,
                                    const std::string& reference_name, size_t max_registers) {
  const RegisterMap map(device);
  std::string out;
  out += "registers: " + std::to_string(diff.registers_compared) + " compared, " +
         std::to_string(diff.registers.size()) + " differ\n";
  for (size_t i = 0; i < diff.registers.size() && i <= max_registers; ++i) {
    const RegisterDifference& r = diff.registers[i];
    out += i == 0 ? "first difference: " : "  also: ";
    out += register_label(r.target) + " at " + hex(r.address) + ": " + reference_name + " " +
           decoded(device, r.target, r.reference) + ", ai8xsim " + decoded(device, r.target, r.ours) + "\n";
  }
  if (diff.registers.size() > max_registers + 1) {
    out += "  ... " + std::to_string(diff.registers.size() - max_registers - 1) + " more\n";
  }
  if (!diff.reference_has_memory) {
    out += "memories: not compared (" + reference_name +
           " loads kernels, bias and input from tables in loops; compare a registers.txt for them)\n";
  }
  for (const MemoryDifference& m : diff.memories) {
    out += m.what + ": " + std::to_string(m.compared) + " words compared, " + std::to_string(m.differing) + " differ";
    if (m.differing > 0) {
      const AddressTarget t = *map.decode(m.first_address);
      out += "; first at " + hex(m.first_address) + " (" + memory_location(t) + "): " + reference_name + " " +
             (m.first_reference ? hex(*m.first_reference) : "not written") + ", ai8xsim " +
             (m.first_ours ? hex(*m.first_ours) : "not written");
    }
    out += "\n";
  }
  if (diff.fifo_reference + diff.fifo_ours > 0) {
    out += "FIFO writes: " + std::to_string(diff.fifo_reference) + " by " + reference_name + ", " +
           std::to_string(diff.fifo_ours) + " by ai8xsim";
    if (diff.fifo_first_difference) out += "; first difference at write " + std::to_string(*diff.fifo_first_difference);
    out += "\n";
  }
  if (!diff.same()) {
    out += "programming: differs\n";
  } else {
    out +=
        diff.reference_has_memory ? "programming: the same accelerator state\n" : "programming: the same registers\n";
  }
  return out;
}

}  // namespace ai8x
