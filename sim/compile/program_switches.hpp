#pragma once
// The generator's command-line switches and YAML keys that only shape the
// register program (ProgramSwitches), in one place so the CLI and the tests
// map them the same way.
#include <optional>
#include <string>
#include <string_view>

#include "compile/options.hpp"
#include "io/yaml_value.hpp"

namespace ai8x::compile {

// Whether `flag` is a program switch, and whether it takes a value.
enum class SwitchKind { Flag, Value };
std::optional<SwitchKind> program_switch_kind(std::string_view flag);

// Applies one program switch (`value` for Value switches). Throws ai8x::Error
// naming the switch for a malformed value; ignores unknown switches.
void apply_program_switch(ProgramSwitches& s, std::string_view flag, const std::string& value = {});

// The YAML keys the resolved Network does not carry: per-layer `readahead`,
// `tcalc`, `snoop_sequence` (a layer number) and the top-level `snoop` list.
// `skip_yaml_layers` is --skip-yaml-layers.
void apply_program_yaml(CompileOptions& c, const io::YamlValue& doc, int skip_yaml_layers = 0);

}  // namespace ai8x::compile
