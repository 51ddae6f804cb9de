#pragma once
// A YAML document resolved the way the izer sees it. The izer loads YAML with
// PyYAML's YAML 1.1 resolver, which differs from YAML 1.2 in ways that change
// processor maps: `0000000000000111` is octal 73, `0b101` is 5, `1:30` is 90,
// `yes/no/on/off` are booleans. yaml-cpp parses the syntax; this module applies
// the 1.1 scalar rules to plain (unquoted, untagged) scalars.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ai8x::io {

struct YamlEntry;

struct YamlValue {
  enum class Kind { Null, Bool, Int, Float, String, Seq, Map };
  Kind kind = Kind::Null;
  bool b = false;
  int64_t i = 0;
  double f = 0.0;
  std::string s;               // String; also the source text of any scalar
  std::vector<YamlValue> seq;  // Seq
  std::vector<YamlEntry> map;  // Map, in document order (keys as text)
  int line = 0;                // 1-based position in the file
  int column = 0;

  [[nodiscard]] bool is_null() const { return kind == Kind::Null; }
  [[nodiscard]] bool is_int() const { return kind == Kind::Int; }
  [[nodiscard]] bool is_string() const { return kind == Kind::String; }
  [[nodiscard]] bool is_seq() const { return kind == Kind::Seq; }
  [[nodiscard]] bool is_map() const { return kind == Kind::Map; }
  [[nodiscard]] const YamlValue* find(const std::string& key) const;
  [[nodiscard]] bool has(const std::string& key) const { return find(key) != nullptr; }
  // Python truthiness, as the izer's bool(val): 0, "", [], {}, null are false.
  [[nodiscard]] bool truthy() const;
  // A short description for messages: `int 5`, `string "abc"`, ...
  [[nodiscard]] std::string describe() const;
};

struct YamlEntry {
  std::string first;  // the key as text
  YamlValue second;
};

// Parses `text` (from `file`, used in messages). Throws ai8x::Error with the
// file and line on syntax errors and duplicate keys.
YamlValue parse_yaml(const std::string& text, const std::string& file);
YamlValue load_yaml_file(const std::string& path);

// YAML 1.1 resolution of one plain scalar (exposed for tests).
YamlValue resolve_plain_scalar(const std::string& text);

}  // namespace ai8x::io
