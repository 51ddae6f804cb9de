#include "io/trace.hpp"

#include <charconv>
#include <cstdio>
#include <sstream>
#include <string_view>

#include "core/error.hpp"
#include "io/file_bytes.hpp"

namespace ai8x::io {
namespace {

constexpr size_t kMaxOps = size_t{1} << 26;  // 64 M records: far beyond any generated program

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool is_identifier(std::string_view w) {
  if (w.empty()) return false;
  for (const char c : w) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return !(w[0] >= '0' && w[0] <= '9');
}

class LineParser {
 public:
  LineParser(const std::string& file, int line) : file_(file), line_(line) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw Error({.file = file_, .key = "line " + std::to_string(line_)}, message);
  }

  uint32_t hex(std::string_view w, const char* what) const {
    std::string_view digits = w;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2);
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || v > 0xFFFFFFFFULL) {
      fail(std::string("expected a 32-bit hexadecimal ") + what + ", found `" + std::string(w) + "`");
    }
    return static_cast<uint32_t>(v);
  }

 private:
  const std::string& file_;
  int line_;
};

}  // namespace

Trace parse_trace(const std::string& text, const std::string& name_for_errors) {
  Trace trace;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    const LineParser p(name_for_errors, line_no);
    const auto words = split_words(line);
    if (words.empty()) continue;
    if (trace.ops.size() >= kMaxOps) p.fail("more than " + std::to_string(kMaxOps) + " records");
    const std::string_view op = words[0];
    if (op[0] == '#') {
      // "# device: MAX78000" names the device; "# name" marks a phase.
      std::vector<std::string_view> rest(words.begin() + 1, words.end());
      if (op.size() > 1) rest.insert(rest.begin(), op.substr(1));
      if (rest.size() == 2 && rest[0] == "device:") trace.device = std::string(rest[1]);
      if (rest.size() == 1 && is_identifier(rest[0])) {
        trace.ops.push_back({.kind = BusOp::Kind::Phase, .phase = std::string(rest[0]), .line = line_no});
      }
      continue;
    }
    BusOp o;
    o.line = line_no;
    if (op == "W32" || op == "W16" || op == "W8") {
      if (words.size() != 3) p.fail("`" + std::string(op) + "` takes an address and a value");
      o.kind = BusOp::Kind::Write;
      o.width = op == "W32" ? 32 : op == "W16" ? 16 : 8;
      o.address = p.hex(words[1], "address");
      o.value = p.hex(words[2], "value");
      if (o.width < 32 && (o.value >> o.width) != 0)
        p.fail("value does not fit a " + std::to_string(o.width) + "-bit write");
      if (o.address % (o.width / 8) != 0) {
        p.fail("address " + std::string(words[1]) + " is not aligned for a " + std::to_string(o.width) + "-bit write");
      }
    } else if (op == "R32") {
      if (words.size() != 4) p.fail("`R32` takes an address, a mask and an expected value");
      o.kind = BusOp::Kind::Poll;
      o.address = p.hex(words[1], "address");
      o.mask = p.hex(words[2], "mask");
      o.value = p.hex(words[3], "expected value");
      if (o.address % 4 != 0) p.fail("address " + std::string(words[1]) + " is not 32-bit aligned");
    } else if (op == "WAIT_IRQ") {
      if (words.size() != 1) p.fail("`WAIT_IRQ` takes no operands");
      o.kind = BusOp::Kind::WaitIrq;
    } else {
      p.fail("unknown record `" + std::string(op) + "` (expected W32, W16, W8, R32, WAIT_IRQ or a # comment)");
    }
    trace.ops.push_back(o);
  }
  return trace;
}

Trace read_trace(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_trace(std::string(bytes.begin(), bytes.end()), path);
}

std::string format_trace(const Trace& trace) {
  std::ostringstream out;
  if (!trace.device.empty()) out << "# device: " << trace.device << '\n';
  char buf[64];
  for (const BusOp& o : trace.ops) {
    switch (o.kind) {
      case BusOp::Kind::Write:
        if (o.width == 32) {
          std::snprintf(buf, sizeof buf, "W32 0x%08x 0x%08x\n", o.address, o.value);
        } else if (o.width == 16) {
          std::snprintf(buf, sizeof buf, "W16 0x%08x 0x%04x\n", o.address, o.value);
        } else {
          std::snprintf(buf, sizeof buf, "W8 0x%08x 0x%02x\n", o.address, o.value);
        }
        out << buf;
        break;
      case BusOp::Kind::Poll:
        std::snprintf(buf, sizeof buf, "R32 0x%08x 0x%08x 0x%08x\n", o.address, o.mask, o.value);
        out << buf;
        break;
      case BusOp::Kind::WaitIrq: out << "WAIT_IRQ\n"; break;
      case BusOp::Kind::Phase: out << "# " << o.phase << '\n'; break;
    }
  }
  return out.str();
}

}  // namespace ai8x::io
