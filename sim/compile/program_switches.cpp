#include "compile/program_switches.hpp"

#include <array>
#include <utility>

#include "core/error.hpp"

namespace ai8x::compile {

namespace {

int number(std::string_view flag, const std::string& value) {
  try {
    size_t used = 0;
    const long v = std::stol(value, &used, 0);
    if (used == value.size() && v >= -(1L << 30) && v <= (1L << 30)) return static_cast<int>(v);
  } catch (const std::exception&) {
  }
  throw Error({.key = std::string(flag)}, "expected an integer, found \"" + value + "\"");
}

constexpr std::array<std::string_view, 20> kFlags{"--write-zero-registers",
                                                  "--zero-unused",
                                                  "--zero-sram",
                                                  "--one-shot",
                                                  "--stop-start",
                                                  "--link-layer",
                                                  "--read-ahead",
                                                  "--fifo-go",
                                                  "--no-fifo-wait",
                                                  "--powerdown",
                                                  "--debug-new-streaming",
                                                  "--fixed-input",
                                                  "--pipeline",
                                                  "--no-pipeline",
                                                  "--pll",
                                                  "--no-pll",
                                                  "--apb",
                                                  "--max-speed",
                                                  "--balance-speed",
                                                  "--snoop-loop"};
constexpr std::array<std::string_view, 12> kValues{"--clock-divider",     "--repeat-layers",   "--ready-sel",
                                                   "--ready-sel-fifo",    "--ready-sel-aon",   "--override-start",
                                                   "--override-rollover", "--override-delta1", "--override-delta2",
                                                   "--increase-start",    "--increase-delta1", "--increase-delta2"};

}  // namespace

std::optional<SwitchKind> program_switch_kind(std::string_view flag) {
  for (std::string_view f : kFlags) {
    if (f == flag) return SwitchKind::Flag;
  }
  for (std::string_view f : kValues) {
    if (f == flag) return SwitchKind::Value;
  }
  return std::nullopt;
}

void apply_program_switch(ProgramSwitches& s, std::string_view f, const std::string& v) {
  if (f == "--write-zero-registers")
    s.write_zero_registers = true;
  else if (f == "--zero-unused")
    s.zero_unused = true;
  else if (f == "--zero-sram")
    s.zero_sram = true;
  else if (f == "--one-shot")
    s.one_shot = true;
  else if (f == "--stop-start")
    s.stop_start = true;
  else if (f == "--link-layer")
    s.link_layer = true;
  else if (f == "--read-ahead")
    s.read_ahead_all = true;
  else if (f == "--fifo-go")
    s.fifo_go = true;
  else if (f == "--no-fifo-wait")
    s.fifo_wait = false;
  else if (f == "--powerdown")
    s.powerdown = true;
  else if (f == "--debug-new-streaming")
    s.debug_new_streaming = true;
  else if (f == "--fixed-input")
    s.fixed_input = true;
  else if (f == "--pipeline")
    s.pipeline = true;
  else if (f == "--no-pipeline")
    s.pipeline = false;
  else if (f == "--pll")
    s.pll = true;
  else if (f == "--no-pll" || f == "--apb")
    s.pll = false;
  else if (f == "--max-speed")
    s.balance_speed = false;
  else if (f == "--balance-speed")
    s.balance_speed = true;
  else if (f == "--snoop-loop")
    throw Error({.key = std::string(f)}, "the register program does not model the snoop loop");
  else if (f == "--clock-divider")
    s.clock_divider = number(f, v);
  else if (f == "--repeat-layers")
    s.repeat_layers = number(f, v);
  else if (f == "--ready-sel")
    s.ready_sel = number(f, v);
  else if (f == "--ready-sel-fifo")
    s.ready_sel_fifo = number(f, v);
  else if (f == "--ready-sel-aon")
    s.ready_sel_aon = number(f, v);
  else if (f == "--override-start")
    s.override_start = number(f, v);
  else if (f == "--override-rollover")
    s.override_rollover = number(f, v);
  else if (f == "--override-delta1")
    s.override_delta1 = number(f, v);
  else if (f == "--override-delta2")
    s.override_delta2 = number(f, v);
  else if (f == "--increase-start")
    s.increase_start = number(f, v);
  else if (f == "--increase-delta1")
    s.increase_delta1 = number(f, v);
  else if (f == "--increase-delta2")
    s.increase_delta2 = number(f, v);
}

void apply_program_yaml(CompileOptions& c, const io::YamlValue& doc, int skip_yaml_layers) {
  if (const io::YamlValue* snoop = doc.find("snoop"); snoop != nullptr && snoop->is_seq()) {
    c.program.snoop.clear();
    for (const auto& v : snoop->seq) c.program.snoop.push_back(v.is_int() ? static_cast<uint32_t>(v.i) : 0U);
  }
  const io::YamlValue* layers = doc.find("layers");
  if (layers == nullptr || !layers->is_seq()) return;
  for (size_t i = 0; i < layers->seq.size(); ++i) {
    const io::YamlValue& l = layers->seq[i];
    int index = static_cast<int>(i) - skip_yaml_layers;
    if (const auto* s = l.find("sequence"); s != nullptr && s->is_int()) index = static_cast<int>(s->i);
    if (const auto* x = l.find("readahead"); x != nullptr && x->truthy()) c.program.read_ahead_layers.push_back(index);
    if (const auto* x = l.find("tcalc"); x != nullptr) c.program.tcalc[index] = x->truthy();
    if (const auto* x = l.find("snoop_sequence"); x != nullptr && x->is_int())
      c.program.snoop_sequence[index] = static_cast<int>(x->i) - skip_yaml_layers;
  }
}

}  // namespace ai8x::compile
