#include "io/cnn_c.hpp"

#include <cctype>
#include <charconv>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace ai8x::io {
namespace {

constexpr size_t kMaxNoteText = 160;
constexpr size_t kMaxDepth = 4096;

// Comments, string/char literals and preprocessor lines replaced by spaces;
// newlines are kept so positions still give line numbers.
std::string strip(const std::string& text) {
  std::string out = text;
  const size_t n = text.size();
  size_t i = 0;
  bool line_start = true;
  auto blank = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < n; ++k) {
      if (out[k] != '\n') out[k] = ' ';
    }
  };
  while (i < n) {
    const char c = text[i];
    if (line_start && c == '#') {
      // Preprocessor line, with backslash continuations.
      size_t j = i;
      while (j < n && !(text[j] == '\n' && (j == 0 || text[j - 1] != '\\'))) ++j;
      blank(i, j);
      i = j;
      continue;
    }
    if (c == '\n') {
      line_start = true;
      ++i;
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r') line_start = false;
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      size_t j = i;
      while (j < n && text[j] != '\n') ++j;
      blank(i, j);
      i = j;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      const size_t close = text.find("*/", i + 2);
      const size_t j = close == std::string::npos ? n : close + 2;
      blank(i, j);
      i = j;
    } else if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < n && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
    } else {
      ++i;
    }
  }
  return out;
}

// Cursor over a statement with all whitespace removed.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool eat(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  int eat_all(char c) {
    int k = 0;
    while (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      ++k;
    }
    return k;
  }
  // A C integer literal (hex or decimal, optional u/l suffixes). nullopt if
  // none is here; throws through `too_big` when it exceeds 32 bits.
  template <typename TooBig>
  std::optional<uint32_t> literal(TooBig too_big) {
    size_t p = pos_;
    int base = 10;
    if (s_.substr(p, 2) == "0x" || s_.substr(p, 2) == "0X") {
      base = 16;
      p += 2;
    }
    size_t q = p;
    while (q < s_.size() && (base == 16 ? std::isxdigit(static_cast<unsigned char>(s_[q])) != 0
                                        : std::isdigit(static_cast<unsigned char>(s_[q])) != 0)) {
      ++q;
    }
    if (q == p) return std::nullopt;
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s_.data() + p, s_.data() + q, v, base);
    if (ec != std::errc() || end != s_.data() + q || v > 0xFFFFFFFFULL) too_big(s_.substr(pos_, q - pos_));
    while (q < s_.size() && (s_[q] == 'u' || s_[q] == 'U' || s_[q] == 'l' || s_[q] == 'L')) ++q;
    pos_ = q;
    return static_cast<uint32_t>(v);
  }
  [[nodiscard]] bool done() const { return pos_ == s_.size(); }
  [[nodiscard]] std::string_view rest() const { return s_.substr(pos_); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

struct Target {
  uint8_t width = 32;
  uint32_t address = 0;
};

class Extractor {
 public:
  Extractor(const std::string& text, const std::string& file) : src_(strip(text)), file_(file) {}

  CnnCExtract run() {
    int line = 1;
    int stmt_line = 0;
    int paren = 0;
    for (const char c : src_) {
      if (c == '\n') ++line;
      if (c == '(') ++paren;
      if (c == ')') --paren;
      if (paren == 0 && (c == ';' || c == '{' || c == '}')) {
        if (c == ';') statement(stmt_line, line);
        if (c == '{') open(stmt_line, line);
        if (c == '}') close(stmt_line, line);
        stmt_.clear();
        stmt_line = 0;
        continue;
      }
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        if (!stmt_.empty() && stmt_.back() != ' ') stmt_ += ' ';
        continue;
      }
      if (stmt_line == 0) stmt_line = line;
      if (stmt_.size() < kMaxStatement) stmt_ += c;
    }
    if (!blocks_.empty()) fail(line, "unbalanced braces: " + std::to_string(blocks_.size()) + " block(s) not closed");
    return std::move(out_);
  }

 private:
  enum class Block : uint8_t { Function, Loop, Other, Initializer };
  static constexpr size_t kMaxStatement = 4096;

  [[noreturn]] void fail(int line, const std::string& message) const {
    throw Error({.file = file_, .key = "line " + std::to_string(line)}, message);
  }

  [[nodiscard]] bool in_function() const {
    for (const Block b : blocks_) {
      if (b == Block::Initializer) return false;
    }
    return !blocks_.empty() && blocks_.front() == Block::Function;
  }
  [[nodiscard]] bool in_loop() const {
    for (const Block b : blocks_) {
      if (b == Block::Loop) return true;
    }
    return false;
  }

  static std::string compact(std::string_view s) {
    std::string out;
    for (const char c : s) {
      if (c != ' ') out += c;
    }
    return out;
  }
  static bool starts_keyword(std::string_view s, std::string_view kw) {
    if (s.substr(0, kw.size()) != kw) return false;
    return s.size() == kw.size() ||
           !(std::isalnum(static_cast<unsigned char>(s[kw.size()])) != 0 || s[kw.size()] == '_');
  }
  static bool is_loop_header(std::string_view s) {
    return starts_keyword(s, "while") || starts_keyword(s, "for") || starts_keyword(s, "do");
  }

  void open(int stmt_line, int line) {
    if (blocks_.size() >= kMaxDepth) fail(line, "blocks nested too deeply");
    const std::string_view header = trim(stmt_);
    if (blocks_.empty()) {
      if (!header.empty() && header.back() == ')') {
        function_ = function_name(header);
        function_line_ = stmt_line != 0 ? stmt_line : line;
        phase_emitted_ = false;
        blocks_.push_back(Block::Function);
      } else {
        blocks_.push_back(Block::Initializer);
      }
      return;
    }
    if (!header.empty() && header.back() == '=') {
      blocks_.push_back(Block::Initializer);
      return;
    }
    if (in_function() && is_loop_header(header)) {
      // A header such as `while (n-- > 0)`; a do-while's condition comes after the block.
      if (!in_loop()) note(stmt_line, header, "loop not expanded");
      blocks_.push_back(Block::Loop);
      return;
    }
    blocks_.push_back(Block::Other);
  }

  void close(int stmt_line, int line) {
    if (blocks_.empty()) fail(line, "unbalanced braces: '}' without '{'");
    if (!trim(stmt_).empty() && in_function() && blocks_.back() != Block::Initializer) statement(stmt_line, line);
    blocks_.pop_back();
  }

  static std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  }

  static std::string function_name(std::string_view header) {
    const size_t open = header.find('(');
    std::string_view before = trim(header.substr(0, open));
    size_t start = before.size();
    while (start > 0 &&
           (std::isalnum(static_cast<unsigned char>(before[start - 1])) != 0 || before[start - 1] == '_')) {
      --start;
    }
    return std::string(before.substr(start));
  }

  void emit_phase() {
    if (phase_emitted_) return;
    phase_emitted_ = true;
    out_.trace.ops.push_back({.kind = BusOp::Kind::Phase, .phase = function_, .line = function_line_});
  }

  void note(int line, std::string_view stmt, std::string reason) {
    emit_phase();
    std::string text(trim(stmt));
    if (text.size() > kMaxNoteText) text = text.substr(0, kMaxNoteText) + "...";
    out_.notes.push_back(
        {.line = line, .function = function_, .statement = std::move(text), .reason = std::move(reason)});
  }

  // `*((volatile uintN_t *) LIT)` at the cursor.
  std::optional<Target> target(Cursor& c, int line) {
    if (!c.eat("*((volatileuint")) return std::nullopt;
    Target t;
    if (c.eat("8_t*)")) {
      t.width = 8;
    } else if (c.eat("16_t*)")) {
      t.width = 16;
    } else if (c.eat("32_t*)")) {
      t.width = 32;
    } else {
      return std::nullopt;
    }
    const auto addr = c.literal([&](std::string_view lit) { too_big(line, lit); });
    if (!addr || !c.eat(")")) return std::nullopt;
    t.address = *addr;
    return t;
  }

  void too_big(int line, std::string_view lit) const {
    fail(line, "literal `" + std::string(lit) + "` does not fit in 32 bits");
  }

  // while ((*((volatile uint32_t *) A) & M) != V);
  bool poll(const std::string& s, int line) {
    Cursor c(s);
    if (!c.eat("while(") || c.eat_all('(') < 1) return false;
    const auto t = target(c, line);
    if (!t || !c.eat("&")) return false;
    const auto mask = c.literal([&](std::string_view lit) { too_big(line, lit); });
    if (!mask || c.eat_all(')') < 1 || !c.eat("!=")) return false;
    const auto expected = c.literal([&](std::string_view lit) { too_big(line, lit); });
    if (!expected || !c.eat(")") || !c.done()) return false;
    emit_phase();
    out_.trace.ops.push_back({.kind = BusOp::Kind::Poll,
                              .width = t->width,
                              .address = t->address,
                              .value = *expected,
                              .mask = *mask,
                              .line = line});
    return true;
  }

  void statement(int stmt_line, int line) {
    const int at = stmt_line != 0 ? stmt_line : line;
    const std::string_view text = trim(stmt_);
    if (text.empty() || !in_function() || blocks_.back() == Block::Initializer) return;
    const std::string s = compact(text);
    const bool looped = in_loop();
    if (starts_keyword(text, "while") || starts_keyword(text, "for") || starts_keyword(text, "do")) {
      if (!looped && !poll(s, at)) note(at, text, "loop not expanded");
      return;
    }
    Cursor c(s);
    if (const auto t = target(c, at)) {
      if (c.eat("=")) {
        Cursor v = c;
        const auto value = v.literal([&](std::string_view lit) { too_big(at, lit); });
        if (value && v.done()) {
          if (looped) return;  // the enclosing loop was noted
          emit_phase();
          out_.trace.ops.push_back(
              {.kind = BusOp::Kind::Write, .width = t->width, .address = t->address, .value = *value, .line = at});
          return;
        }
        if (!looped) note(at, text, "value is computed at run time, not expanded");
        return;
      }
      if (!looped) note(at, text, "read-modify-write, not expanded");
      return;
    }
    if (looped) return;
    if (s.find("mem") != std::string::npos &&
        (s.find("memcpy") != std::string::npos || s.find("memset") != std::string::npos)) {
      note(at, text, "block copy not expanded");
    } else if (s.rfind("MXC_", 0) == 0 && s.find("->") != std::string::npos && s.find('=') != std::string::npos) {
      note(at, text, "system register write through a struct, not expanded");
    }
  }

  std::string src_;
  const std::string& file_;
  std::string stmt_;
  std::vector<Block> blocks_;
  std::string function_;
  int function_line_ = 0;
  bool phase_emitted_ = false;
  CnnCExtract out_;
};

}  // namespace

CnnCExtract extract_cnn_c(const std::string& text, const std::string& file) {
  return Extractor(text, file).run();
}

Trace trace_from_cnn_c(const std::string& text, const std::string& file) {
  return extract_cnn_c(text, file).trace;
}

}  // namespace ai8x::io
