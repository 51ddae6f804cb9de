#include "io/yaml_value.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/error.hpp"
#include "io/file_bytes.hpp"

namespace ai8x::io {

namespace {

constexpr int kMaxDepth = 64;  // network descriptions nest 4 levels deep
// Aliases let a short document stand for an exponentially large tree ("billion laughs", or a
// long scalar repeated): bound the memory of the tree built, relative to the text. A value
// costs its size plus its scalar text; without aliases a tree stays well below 256 bytes per
// byte of text (network descriptions are a few kB).
constexpr size_t kTreeBytesPerTextByte = 256;
constexpr size_t kMinTreeBytes = size_t{1} << 20;
constexpr size_t kMaxTreeBytes = size_t{256} << 20;

bool is_bool_word(const std::string& t, bool* value) {
  static const std::set<std::string> kTrue = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::set<std::string> kFalse = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (kTrue.count(t) != 0) {
    *value = true;
    return true;
  }
  if (kFalse.count(t) != 0) {
    *value = false;
    return true;
  }
  return false;
}

// Digits of `body` (underscores allowed, as YAML 1.1 drops them) in `base`.
std::optional<int64_t> parse_digits(const std::string& body, int base, bool negative) {
  if (body.empty()) return std::nullopt;
  uint64_t v = 0;
  bool any = false;
  const auto ubase = static_cast<uint64_t>(base);
  for (char ch : body) {
    if (ch == '_') continue;
    int d = -1;
    if (ch >= '0' && ch <= '9')
      d = ch - '0';
    else if (ch >= 'a' && ch <= 'f')
      d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F')
      d = ch - 'A' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    const auto digit = static_cast<uint64_t>(d);
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / ubase) return std::nullopt;  // overflow
    v = v * ubase + digit;
    any = true;
  }
  if (!any) return std::nullopt;
  // Processor maps use all 64 bits; keep the bit pattern of values >= 2^63.
  return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

std::optional<int64_t> resolve_int(const std::string& t) {
  if (t.empty()) return std::nullopt;
  size_t pos = 0;
  bool negative = false;
  if (t[0] == '+' || t[0] == '-') {
    negative = t[0] == '-';
    pos = 1;
  }
  const std::string rest = t.substr(pos);
  if (rest.empty()) return std::nullopt;
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'b')) return parse_digits(rest.substr(2), 2, negative);
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x')) return parse_digits(rest.substr(2), 16, negative);
  if (rest == "0") return 0;
  if (rest[0] == '0') return parse_digits(rest.substr(1), 8, negative);
  if (rest[0] < '1' || rest[0] > '9') return std::nullopt;
  // Base 60: 1:30 -> 90.
  if (rest.find(':') != std::string::npos) {
    int64_t total = 0;  // stays in [0, INT64_MAX]: beyond that the scalar is not an int
    size_t start = 0;
    bool first = true;
    while (start <= rest.size()) {
      const size_t colon = rest.find(':', start);
      const std::string part = rest.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (part.empty()) return std::nullopt;
      if (!first && (part.size() > 2 || (part[0] > '5' && part.size() == 2))) return std::nullopt;
      const auto d = parse_digits(part, 10, false);
      if (!d || *d < 0 || __builtin_mul_overflow(total, 60, &total) || __builtin_add_overflow(total, *d, &total)) {
        return std::nullopt;
      }
      first = false;
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return negative ? -total : total;
  }
  return parse_digits(rest, 10, negative);
}

std::optional<double> resolve_float(const std::string& t) {
  static const std::set<std::string> kInf = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
  static const std::set<std::string> kNegInf = {"-.inf", "-.Inf", "-.INF"};
  static const std::set<std::string> kNan = {".nan", ".NaN", ".NAN"};
  if (kInf.count(t) != 0) return std::numeric_limits<double>::infinity();
  if (kNegInf.count(t) != 0) return -std::numeric_limits<double>::infinity();
  if (kNan.count(t) != 0) return std::numeric_limits<double>::quiet_NaN();
  // [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?  (YAML 1.1 requires a dot)
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  const size_t int_start = i;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) != 0 || t[i] == '_')) ++i;
  if (i < t.size() && t[int_start] == '_') return std::nullopt;
  if (i >= t.size() || t[i] != '.') return std::nullopt;
  ++i;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) != 0 || t[i] == '_')) ++i;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i >= t.size() || (t[i] != '+' && t[i] != '-')) return std::nullopt;
    ++i;
    const size_t exp_start = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0) ++i;
    if (i == exp_start) return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  std::string clean;
  for (char ch : t) {
    if (ch != '_') clean += ch;
  }
  if (clean == "." || clean == "+." || clean == "-.") return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

void set_mark(YamlValue& v, const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  v.line = m.line + 1;
  v.column = m.column + 1;
}

YamlValue convert_scalar(const YAML::Node& node) {
  YamlValue v;
  const std::string& text = node.Scalar();
  // Tag "?" marks a plain scalar; quoted scalars carry "!" and stay strings.
  const std::string& tag = node.Tag();
  if (tag == "?" || tag.empty() || tag == "tag:yaml.org,2002:int" || tag == "!!int") {
    v = resolve_plain_scalar(text);
  } else {
    v.kind = YamlValue::Kind::String;
    v.s = text;
  }
  set_mark(v, node);
  return v;
}

std::string key_text(const YamlValue& k) {
  switch (k.kind) {
    case YamlValue::Kind::Int: return std::to_string(k.i);
    case YamlValue::Kind::Bool: return k.b ? "True" : "False";
    case YamlValue::Kind::Null: return "None";
    default: return k.s;
  }
}

// Builds the YamlValue tree of a yaml-cpp document within the depth and size limits.
class Converter {
 public:
  Converter(const std::string& file, size_t text_bytes)
      : file_(file),
        budget_(std::min(kMaxTreeBytes, kMinTreeBytes + kTreeBytesPerTextByte * std::min(text_bytes, kMaxTreeBytes))) {}

  YamlValue convert(const YAML::Node& node, int depth) {
    if (depth > kMaxDepth) fail(node, "YAML nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
    const size_t cost = sizeof(YamlValue) + (node.Type() == YAML::NodeType::Scalar ? node.Scalar().size() : 0);
    if (cost > budget_) fail(node, "YAML document expands (through aliases) to too much data");
    budget_ -= cost;
    YamlValue v;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        v.kind = YamlValue::Kind::Null;
        set_mark(v, node);
        return v;
      case YAML::NodeType::Scalar: return convert_scalar(node);
      case YAML::NodeType::Sequence:
        v.kind = YamlValue::Kind::Seq;
        set_mark(v, node);
        for (const auto& item : node) v.seq.push_back(convert(item, depth + 1));
        return v;
      case YAML::NodeType::Map: return convert_map(node, depth);
    }
    return v;
  }

 private:
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw Error({.file = file_, .key = "line " + std::to_string(node.Mark().line + 1)}, message);
  }

  YamlValue convert_map(const YAML::Node& node, int depth) {
    YamlValue v;
    v.kind = YamlValue::Kind::Map;
    set_mark(v, node);
    std::unordered_map<std::string, int> first_line;  // duplicate keys without a quadratic scan
    for (const auto& kv : node) {
      const YamlValue key = convert(kv.first, depth + 1);
      std::string k = key_text(key);
      const auto [seen, added] = first_line.try_emplace(k, key.line);
      if (!added) {
        throw Error({.file = file_, .key = k}, "duplicate key at line " + std::to_string(key.line) +
                                                   " (first defined at line " + std::to_string(seen->second) + ")");
      }
      v.map.push_back(YamlEntry{std::move(k), convert(kv.second, depth + 1)});
    }
    return v;
  }

  const std::string& file_;
  size_t budget_;
};

}  // namespace

const YamlValue* YamlValue::find(const std::string& key) const {
  for (const auto& kv : map) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

bool YamlValue::truthy() const {
  switch (kind) {
    case Kind::Null: return false;
    case Kind::Bool: return b;
    case Kind::Int: return i != 0;
    case Kind::Float: return f != 0.0;
    case Kind::String: return !s.empty();
    case Kind::Seq: return !seq.empty();
    case Kind::Map: return !map.empty();
  }
  return false;
}

std::string YamlValue::describe() const {
  switch (kind) {
    case Kind::Null: return "null";
    case Kind::Bool: return b ? "boolean true" : "boolean false";
    case Kind::Int: return "integer " + std::to_string(i);
    case Kind::Float: return "float " + s;
    case Kind::String: return "string \"" + s + "\"";
    case Kind::Seq: return "a list";
    case Kind::Map: return "a mapping";
  }
  return "?";
}

YamlValue resolve_plain_scalar(const std::string& text) {
  YamlValue v;
  v.s = text;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    v.kind = YamlValue::Kind::Null;
    return v;
  }
  if (is_bool_word(text, &v.b)) {
    v.kind = YamlValue::Kind::Bool;
    return v;
  }
  if (auto i = resolve_int(text)) {
    v.kind = YamlValue::Kind::Int;
    v.i = *i;
    return v;
  }
  if (auto f = resolve_float(text)) {
    v.kind = YamlValue::Kind::Float;
    v.f = *f;
    return v;
  }
  v.kind = YamlValue::Kind::String;
  return v;
}

YamlValue parse_yaml(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error({.file = file, .key = "line " + std::to_string(e.mark.line + 1)}, "YAML syntax error: " + e.msg);
  }
  return Converter(file, text.size()).convert(root, 0);
}

YamlValue load_yaml_file(const std::string& path) {
  const auto bytes = read_file_bytes(path, 64ULL << 20);
  return parse_yaml(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace ai8x::io
