#include "check/expected.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/file_bytes.hpp"

namespace ai8x {

namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
  const std::vector<uint8_t> bytes = io::read_file_bytes(path);
  return {bytes.begin(), bytes.end()};
}

// Valid files nest three levels ({"checks": [{"words": [...]}]}); deeper input is rejected
// while parsing, so nothing downstream recurses deeply.
constexpr int kMaxJsonDepth = 16;
// Longest value quoted in a message.
constexpr size_t kMaxQuoted = 40;

// A short description of a value for messages (dump() of a container would be unbounded).
std::string describe(const json& value) {
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  std::string text = value.dump();
  if (text.size() > kMaxQuoted) text = text.substr(0, kMaxQuoted) + "...";
  return text;
}

uint32_t json_u32(const json& value, const std::string& name, const std::string& key) {
  if (!value.is_number_unsigned() || value.get<uint64_t>() > std::numeric_limits<uint32_t>::max()) {
    throw Error({.file = name, .key = key}, "expected an unsigned 32-bit integer, got " + describe(value));
  }
  return static_cast<uint32_t>(value.get<uint64_t>());
}

KatBlock json_block(const json& check, const std::string& name, const std::string& key) {
  if (!check.is_object()) throw Error({.file = name, .key = key}, "a check must be an object");
  for (const char* field : {"addr", "mask", "words"}) {
    if (!check.contains(field)) {
      throw Error({.file = name, .key = key + "." + field}, "missing field");
    }
  }
  KatBlock block;
  block.addr = json_u32(check["addr"], name, key + ".addr");
  block.mask = json_u32(check["mask"], name, key + ".mask");
  const json& words = check["words"];
  if (!words.is_array()) throw Error({.file = name, .key = key + ".words"}, "must be an array");
  block.words.reserve(words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    block.words.push_back(json_u32(words[i], name, key + ".words[" + std::to_string(i) + "]"));
  }
  return block;
}

// One number of the SAMPLE_OUTPUT list and the line it is on (1-based).
struct Token {
  uint32_t value = 0;
  int line = 0;
};

class ListScanner {
 public:
  ListScanner(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  std::vector<Token> scan() {
    seek_define();
    skip_blank();
    expect('{');
    std::vector<Token> tokens;
    bool need_separator = false;
    while (true) {
      skip_blank();
      if (pos_ >= text_.size()) fail("the list has no closing `}`");
      const char ch = text_[pos_];
      if (ch == '}') break;
      if (ch == ',') {
        if (!need_separator) fail("unexpected `,`");
        need_separator = false;
        ++pos_;
        continue;
      }
      if (need_separator) fail("expected `,` or `}`");
      tokens.push_back(number());
      need_separator = true;
    }
    return tokens;
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw Error({.file = name_, .key = "line " + std::to_string(line_)}, message);
  }

 private:
  void seek_define() {
    static constexpr std::string_view kDefine = "#define SAMPLE_OUTPUT";
    const size_t at = text_.find(kDefine);
    if (at == std::string_view::npos) {
      throw Error({.file = name_, .key = "SAMPLE_OUTPUT"}, "no `#define SAMPLE_OUTPUT` found");
    }
    for (size_t i = 0; i < at; ++i) {
      if (text_[i] == '\n') ++line_;
    }
    pos_ = at + kDefine.size();
  }

  // Whitespace and backslash line continuations.
  void skip_blank() {
    while (pos_ < text_.size()) {
      const char ch = text_[pos_];
      if (ch == '\n') {
        ++line_;
      } else if (ch == '\\') {
        size_t next = pos_ + 1;
        if (next < text_.size() && text_[next] == '\r') ++next;
        if (next >= text_.size() || text_[next] != '\n') fail("stray `\\`");
      } else if (ch != ' ' && ch != '\t' && ch != '\r') {
        return;
      }
      ++pos_;
    }
  }

  void expect(char ch) {
    if (pos_ >= text_.size() || text_[pos_] != ch) fail(std::string("expected `") + ch + "`");
    ++pos_;
  }

  Token number() {
    int base = 10;
    size_t start = pos_;
    if (text_.substr(pos_, 2) == "0x" || text_.substr(pos_, 2) == "0X") {
      base = 16;
      start += 2;
    }
    size_t end = start;
    while (end < text_.size() && std::isalnum(static_cast<unsigned char>(text_[end]))) ++end;
    uint32_t value = 0;
    const char* first = text_.data() + start;
    const char* last = text_.data() + end;
    const auto [ptr, ec] = std::from_chars(first, last, value, base);
    if (end == start || ec != std::errc() || ptr != last) {
      fail("`" + std::string(text_.substr(pos_, std::max<size_t>(end - pos_, 1))) +
           "` is not an unsigned 32-bit number");
    }
    pos_ = end;
    return {value, line_};
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Reports a problem at token `at` (the last token's line when past the end).
[[noreturn]] void fail_at(const std::vector<Token>& tokens, size_t at, const std::string& name,
                          const std::string& message) {
  int line = 1;
  if (at < tokens.size()) {
    line = tokens[at].line;
  } else if (!tokens.empty()) {
    line = tokens.back().line;
  }
  throw Error({.file = name, .key = "line " + std::to_string(line)}, message);
}

std::vector<KatBlock> blocks_from_tokens(const std::vector<Token>& tokens, const std::string& name) {
  auto fail = [&](size_t at, const std::string& message) { fail_at(tokens, at, name, message); };
  std::vector<KatBlock> blocks;
  size_t i = 0;
  while (true) {
    if (i >= tokens.size()) fail(i, "the list does not end with a terminating 0");
    if (tokens[i].value == 0) break;
    if (i + 2 >= tokens.size()) fail(i, "block header (address, mask, count) is incomplete");
    KatBlock block;
    block.addr = tokens[i].value;
    block.mask = tokens[i + 1].value;
    const uint32_t count = tokens[i + 2].value;
    i += 3;
    if (count > tokens.size() - i) {
      fail(i - 1, "block count " + std::to_string(count) + " exceeds the values that follow");
    }
    block.words.reserve(count);
    for (uint32_t k = 0; k < count; ++k) block.words.push_back(tokens[i++].value);
    blocks.push_back(std::move(block));
  }
  if (i + 1 != tokens.size()) fail(i + 1, "values after the terminating 0");
  return blocks;
}

}  // namespace

size_t kat_word_count(const std::vector<KatBlock>& blocks) {
  size_t n = 0;
  for (const KatBlock& b : blocks) n += b.words.size();
  return n;
}

std::vector<KatBlock> parse_expected_json(std::string_view text, const std::string& name) {
  json doc;
  try {
    doc = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxJsonDepth) {
        throw Error({.file = name}, "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
      return true;
    });
  } catch (const json::parse_error& e) {
    throw Error({.file = name, .key = "byte " + std::to_string(e.byte)}, std::string("invalid JSON: ") + e.what());
  } catch (const json::exception& e) {
    // e.g. out_of_range for a number that overflows a double (1E400).
    throw Error({.file = name}, std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object() || !doc.contains("checks")) {
    throw Error({.file = name, .key = "checks"}, "expected an object with a `checks` array");
  }
  const json& checks = doc["checks"];
  if (!checks.is_array()) throw Error({.file = name, .key = "checks"}, "must be an array");
  std::vector<KatBlock> blocks;
  blocks.reserve(checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    blocks.push_back(json_block(checks[i], name, "checks[" + std::to_string(i) + "]"));
  }
  return blocks;
}

std::vector<KatBlock> read_expected_json(const std::string& path) {
  return parse_expected_json(read_text(path), path);
}

std::vector<KatBlock> parse_sampleoutput_h(std::string_view text, const std::string& name) {
  ListScanner scanner(text, name);
  return blocks_from_tokens(scanner.scan(), name);
}

std::vector<KatBlock> read_sampleoutput_h(const std::string& path) {
  return parse_sampleoutput_h(read_text(path), path);
}

std::string format_sampleoutput_h(const std::vector<KatBlock>& blocks) {
  std::vector<uint32_t> values;
  values.reserve(kat_word_count(blocks) + 3 * blocks.size() + 1);
  for (const KatBlock& b : blocks) {
    values.push_back(b.addr);
    values.push_back(b.mask);
    values.push_back(static_cast<uint32_t>(b.words.size()));
    values.insert(values.end(), b.words.begin(), b.words.end());
  }
  values.push_back(0);

  std::string out = "// This file was @generated automatically\n\n#define SAMPLE_OUTPUT { \\\n  ";
  out.reserve(out.size() + values.size() * 12 + 16);
  char hex[16];
  for (size_t i = 0; i < values.size(); ++i) {
    std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(values[i]));
    out += hex;
    if (i + 1 < values.size()) {
      out += ", ";
      if ((i + 1) % 8 == 0) out += "\\\n  ";
    }
  }
  out += " \\\n}\n";
  return out;
}

void write_sampleoutput_h(const std::string& path, const std::vector<KatBlock>& blocks) {
  const std::string text = format_sampleoutput_h(blocks);
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) throw Error({.file = path}, "cannot open for writing");
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.close();
  if (!file) throw Error({.file = path}, "write failed");
}

}  // namespace ai8x
