#include "io/npy.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "io/binary.hpp"
#include "io/file_bytes.hpp"

namespace ai8x::io {

namespace {

constexpr uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMagicSize = sizeof(kMagic);
// np.load refuses headers above 10000 bytes by default; allow more but stay bounded.
constexpr size_t kMaxHeaderBytes = 1 << 20;
constexpr int kMaxLiteralDepth = 32;
constexpr size_t kMaxDims = 64;

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& msg) {
  throw Error({.file = file, .key = key}, msg);
}

// --- The header: a Python dict literal such as
//     {'descr': '<i8', 'fortran_order': False, 'shape': (1, 28, 28), }
struct LiteralEntry;
struct Literal {
  enum class Kind { kStr, kInt, kBool, kNone, kSeq, kDict } kind = Kind::kNone;
  std::string str;
  int64_t num = 0;
  bool flag = false;
  std::vector<Literal> items;      // kSeq (tuple or list)
  std::vector<LiteralEntry> dict;  // kDict (string keys only)
};
// Not a std::pair: clang with libstdc++ rejects a pair of the still incomplete Literal.
struct LiteralEntry {
  std::string key;
  Literal value;
};

class LiteralParser {
 public:
  LiteralParser(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  Literal parse_document() {
    Literal v = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) error("unexpected text after the dictionary");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(
        file_, "header",
        "malformed header (" + what + " at column " + std::to_string(pos_) + "): " + std::string(text_.substr(0, 120)));
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool eat_word(std::string_view w) {
    skip_space();
    if (text_.substr(pos_, w.size()) != w) return false;
    const size_t end = pos_ + w.size();
    if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) != 0 || text_[end] == '_')) {
      return false;
    }
    pos_ = end;
    return true;
  }

  Literal parse_value(int depth) {
    if (depth > kMaxLiteralDepth) error("nesting too deep");
    skip_space();
    if (pos_ >= text_.size()) error("unexpected end");
    const char c = text_[pos_];
    if (c == '\'' || c == '"') return parse_string();
    if (c == '(' || c == '[') return parse_seq(depth);
    if (c == '{') return parse_dict(depth);
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return parse_int();
    Literal v;
    if (eat_word("True") || eat_word("False")) {
      v.kind = Literal::Kind::kBool;
      v.flag = text_[pos_ - 4] == 'T';
      return v;
    }
    if (eat_word("None")) return v;
    error("unexpected character");
  }

  Literal parse_string() {
    const char quote = text_[pos_++];
    Literal v;
    v.kind = Literal::Kind::kStr;
    while (true) {
      if (pos_ >= text_.size()) error("unterminated string");
      char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (pos_ >= text_.size()) error("unterminated string");
        c = text_[pos_++];
      }
      v.str += c;
    }
    return v;
  }

  Literal parse_int() {
    Literal v;
    v.kind = Literal::Kind::kInt;
    bool negative = false;
    if (text_[pos_] == '-' || text_[pos_] == '+') negative = text_[pos_++] == '-';
    if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') error("bad number");
    uint64_t mag = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<uint64_t>(text_[pos_++] - '0');
      if (mag > (std::numeric_limits<uint64_t>::max() - digit) / 10) error("number too large");
      mag = mag * 10 + digit;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'L' || text_[pos_] == 'l')) ++pos_;  // Python 2
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
    if (mag > limit) error("number too large");
    v.num = negative ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
    return v;
  }

  Literal parse_seq(int depth) {
    const char close = text_[pos_++] == '(' ? ')' : ']';
    Literal v;
    v.kind = Literal::Kind::kSeq;
    while (!eat(close)) {
      v.items.push_back(parse_value(depth + 1));
      if (!eat(',')) {
        if (!eat(close)) error("expected ',' or closing bracket");
        break;
      }
    }
    return v;
  }

  Literal parse_dict(int depth) {
    ++pos_;
    Literal v;
    v.kind = Literal::Kind::kDict;
    while (!eat('}')) {
      Literal key = parse_value(depth + 1);
      if (key.kind != Literal::Kind::kStr) error("dictionary key is not a string");
      if (!eat(':')) error("expected ':'");
      v.dict.push_back(LiteralEntry{std::move(key.str), parse_value(depth + 1)});
      if (!eat(',')) {
        if (!eat('}')) error("expected ',' or '}'");
        break;
      }
    }
    return v;
  }

  std::string_view text_;
  const std::string& file_;
  size_t pos_ = 0;
};

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

Header interpret_header(const Literal& dict, const std::string& file) {
  if (dict.kind != Literal::Kind::kDict) fail(file, "header", "header is not a dictionary");
  const Literal* descr = nullptr;
  const Literal* fortran = nullptr;
  const Literal* shape = nullptr;
  for (const auto& [key, value] : dict.dict) {
    const Literal** slot = key == "descr"           ? &descr
                           : key == "fortran_order" ? &fortran
                           : key == "shape"         ? &shape
                                                    : nullptr;
    // np.load insists on exactly these three keys.
    if (slot == nullptr) fail(file, "header", "unexpected header key '" + key + "'");
    if (*slot != nullptr) fail(file, "header", "duplicate header key '" + key + "'");
    *slot = &value;
  }
  if (descr == nullptr || fortran == nullptr || shape == nullptr) {
    fail(file, "header", "header needs the keys 'descr', 'fortran_order' and 'shape'");
  }
  Header h;
  if (descr->kind != Literal::Kind::kStr) {
    fail(file, "header", "unsupported dtype (structured arrays are not supported)");
  }
  h.descr = descr->str;
  if (fortran->kind != Literal::Kind::kBool) fail(file, "header", "'fortran_order' is not a bool");
  h.fortran_order = fortran->flag;
  if (shape->kind != Literal::Kind::kSeq) fail(file, "header", "'shape' is not a tuple");
  if (shape->items.size() > kMaxDims) fail(file, "header", "'shape' has too many dimensions");
  for (const Literal& d : shape->items) {
    if (d.kind != Literal::Kind::kInt || d.num < 0) {
      fail(file, "header", "'shape' must hold non-negative integers");
    }
    h.shape.push_back(d.num);
  }
  return h;
}

// --- Element types
enum class ElemKind { kSigned, kUnsigned, kBool, kFloat };
struct ElemType {
  ElemKind kind = ElemKind::kSigned;
  size_t size = 0;
  bool big_endian = false;
};

ElemType parse_descr(const std::string& descr, const std::string& file) {
  auto unsupported = [&]() -> ElemType {
    fail(file, "header", "unsupported dtype '" + descr + "' (integers, bool and integral-valued floats are supported)");
  };
  std::string_view d = descr;
  ElemType t;
  if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=')) {
    t.big_endian = d[0] == '>';
    d.remove_prefix(1);
  }
  if (d.size() != 2) return unsupported();
  switch (d[0]) {
    case 'i': t.kind = ElemKind::kSigned; break;
    case 'u': t.kind = ElemKind::kUnsigned; break;
    case 'b': t.kind = ElemKind::kBool; break;
    case 'f': t.kind = ElemKind::kFloat; break;
    default: return unsupported();
  }
  t.size = static_cast<size_t>(d[1] - '0');
  const bool ok = t.kind == ElemKind::kBool    ? t.size == 1
                  : t.kind == ElemKind::kFloat ? (t.size == 2 || t.size == 4 || t.size == 8)
                                               : (t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8);
  if (!ok) return unsupported();
  return t;
}

// Converts one element; nullopt when it has no exact int64 value.
std::optional<int64_t> element_value(const uint8_t* p, const ElemType& t) {
  const uint64_t bits = load_bits(p, t.size, t.big_endian);
  switch (t.kind) {
    case ElemKind::kSigned: {
      const unsigned shift = static_cast<unsigned>(64 - 8 * t.size);
      return static_cast<int64_t>(bits << shift) >> shift;
    }
    case ElemKind::kUnsigned:
      if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(bits);
    case ElemKind::kBool: return bits != 0 ? 1 : 0;
    case ElemKind::kFloat: {
      double v = 0;
      if (t.size == 2) v = half_to_double(static_cast<uint16_t>(bits));
      if (t.size == 4) v = std::bit_cast<float>(static_cast<uint32_t>(bits));
      if (t.size == 8) v = std::bit_cast<double>(bits);
      // The range test also rejects NaN and infinities.
      if (!(v >= -0x1p63 && v < 0x1p63) || std::trunc(v) != v) return std::nullopt;
      return static_cast<int64_t>(v);
    }
  }
  return std::nullopt;
}

}  // namespace

size_t NpyArray::numel() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

NpyArray parse_npy(const uint8_t* data, size_t size, const std::string& name_for_errors, size_t* consumed) {
  const std::string& file = name_for_errors;
  if (size < kMagicSize + 2 || std::memcmp(data, kMagic, kMagicSize) != 0) {
    fail(file, "magic", "not a NumPy .npy file (bad magic)");
  }
  const int major = data[6];
  const int minor = data[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    fail(file, "version", "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t prefix = kMagicSize + 2 + len_bytes;
  if (size < prefix) fail(file, "header", "truncated header");
  const auto header_len = static_cast<size_t>(load_bits(data + kMagicSize + 2, len_bytes, false));
  if (header_len > kMaxHeaderBytes) {
    fail(file, "header", "header length " + std::to_string(header_len) + " exceeds the limit");
  }
  if (header_len > size - prefix) fail(file, "header", "truncated header");
  const std::string_view text(reinterpret_cast<const char*>(data + prefix), header_len);

  const Header h = interpret_header(LiteralParser(text, file).parse_document(), file);
  const ElemType type = parse_descr(h.descr, file);

  // Bound numel * itemsize by the bytes present before multiplying anything else.
  const size_t available = size - prefix - header_len;
  // Any zero dimension makes the array empty, however large the others are.
  const bool empty = std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end();
  size_t numel = empty ? 0 : 1;
  for (int64_t d : h.shape) {
    const auto dim = static_cast<uint64_t>(d);
    if (!empty && numel > std::numeric_limits<size_t>::max() / dim) {
      fail(file, "shape", "shape overflows the element count");
    }
    numel *= dim;
  }
  if (numel > available / type.size) {
    fail(file, "data",
         "truncated data: shape needs " + std::to_string(numel) + " elements of " + std::to_string(type.size) +
             " bytes, " + std::to_string(available) + " bytes present");
  }

  NpyArray out;
  out.descr = h.descr;
  out.fortran_order = h.fortran_order;
  out.shape = h.shape;
  out.data.resize(numel);
  const uint8_t* payload = data + prefix + header_len;

  // Walk the elements in C order; for Fortran order track the storage position with an
  // odometer (the first axis is contiguous in storage).
  struct Axis {
    size_t size;
    size_t stride;  // Fortran-order stride in elements
    size_t index;
  };
  std::vector<Axis> axes;
  axes.reserve(h.shape.size());
  size_t stride = 1;
  for (int64_t d : h.shape) {
    axes.push_back({static_cast<size_t>(d), stride, 0});
    stride *= static_cast<size_t>(d);
  }
  size_t storage = 0;
  for (size_t flat = 0; flat < numel; ++flat) {
    const auto value = element_value(payload + (h.fortran_order ? storage : flat) * type.size, type);
    if (!value) {
      fail(file, "element " + std::to_string(flat),
           type.kind == ElemKind::kFloat
               ? "value is not an integer (first non-integral element at flat index " + std::to_string(flat) + ")"
               : "value does not fit in int64 (flat index " + std::to_string(flat) + ")");
    }
    out.data[flat] = *value;
    for (auto axis = axes.rbegin(); h.fortran_order && axis != axes.rend(); ++axis) {
      storage += axis->stride;
      if (++axis->index < axis->size) break;
      storage -= axis->stride * axis->index;
      axis->index = 0;
    }
  }
  if (consumed != nullptr) *consumed = prefix + header_len + numel * type.size;
  return out;
}

NpyArray read_npy(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_npy(bytes.data(), bytes.size(), path);
}

std::vector<NpyArray> read_npy_sequence(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  return parse_npy_sequence(bytes.data(), bytes.size(), path);
}

std::vector<NpyArray> parse_npy_sequence(const uint8_t* data, size_t size, const std::string& name_for_errors) {
  std::vector<NpyArray> arrays;
  size_t offset = 0;
  while (offset < size) {
    size_t used = 0;
    try {
      arrays.push_back(parse_npy(data + offset, size - offset, name_for_errors, &used));
    } catch (Error& e) {
      throw Error(e.context(), "array " + std::to_string(arrays.size()) + " (byte offset " + std::to_string(offset) +
                                   "): " + e.message());
    }
    offset += used;
  }
  return arrays;
}

void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<int64_t>& data,
               std::string_view descr) {
  if (descr != "<i8" && descr != "|i1") {
    fail(path, "descr", "write_npy supports '<i8' and '|i1', not '" + std::string(descr) + "'");
  }
  size_t numel = 1;
  std::string dims;
  for (int64_t d : shape) {
    if (d < 0) fail(path, "shape", "negative dimension");
    if (d != 0 && numel > std::numeric_limits<size_t>::max() / static_cast<size_t>(d)) {
      fail(path, "shape", "shape overflows the element count");
    }
    numel *= static_cast<size_t>(d);
    dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  }
  if (shape.size() == 1) dims += ",";
  if (numel != data.size()) {
    fail(path, "shape",
         "shape has " + std::to_string(numel) + " elements but " + std::to_string(data.size()) + " values were given");
  }
  const bool int8 = descr == "|i1";
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so the data starts on a 64-byte boundary, as NumPy does.
  const size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xffff) fail(path, "shape", "header too long for format 1.0");

  std::string out(reinterpret_cast<const char*>(kMagic), kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.reserve(out.size() + numel * (int8 ? 1 : 8));
  for (size_t i = 0; i < numel; ++i) {
    const int64_t v = data[i];
    if (int8) {
      if (v < -128 || v > 127) {
        fail(path, "element " + std::to_string(i), "value " + std::to_string(v) + " does not fit in int8");
      }
      out += static_cast<char>(static_cast<uint8_t>(v));
    } else {
      const auto u = static_cast<uint64_t>(v);
      for (int b = 0; b < 8; ++b) out += static_cast<char>((u >> (8 * b)) & 0xff);
    }
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(path, "", "cannot open the file for writing");
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  f.close();
  if (!f) fail(path, "", "write error");
}

}  // namespace ai8x::io
