#include "io/pickle.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "core/error.hpp"

namespace ai8x::io::pickle {

namespace {

// Opcodes (Python's pickletools names).
enum Op : uint8_t {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kFloat = 'F',
  kInt = 'I',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kLong = 'L',
  kBinInt2 = 'M',
  kNoneOp = 'N',
  kReduce = 'R',
  kBinString = 'T',
  kShortBinString = 'U',
  kBinUnicode = 'X',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kEmptyDict = '}',
  kAppends = 'e',
  kGet = 'g',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kEmptyList = ']',
  kPut = 'p',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kEmptyTuple = ')',
  kSetItems = 'u',
  kBinFloat = 'G',
  kBinPersId = 'Q',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kEmptySet = 0x8f,
  kAddItems = 0x90,
  kFrozenSet = 0x91,
  kNewObjEx = 0x92,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
  kByteArray8 = 0x96,
};

constexpr size_t kMaxTensorDims = 64;

class Machine {
 public:
  Machine(const uint8_t* data, size_t size, const Options& options) : data_(data), size_(size), opt_(options) {
    // Every opcode creates at most one object, so twice the input size bounds the arena.
    max_objects_ = std::min(opt_.limits.max_objects, 2 * size + 16);
  }

  Pickle run() {
    while (true) {
      op_pos_ = pos_;
      const uint8_t op = byte();
      if (op == kStop) break;
      step(op);
    }
    out_.root = pop();
    out_.consumed = pos_;
    return std::move(out_);
  }

 private:
  // --- errors and raw input
  [[noreturn]] void fail(const std::string& msg) const {
    const size_t offset = opt_.base_offset + op_pos_;
    std::string where = "byte offset " + std::to_string(offset);
    throw Error(
        {.file = opt_.file, .key = where},
        msg + " (pickle " + (opt_.what.empty() ? std::string("stream") : opt_.what) + ", opcode at " + where + ")");
  }

  const uint8_t* take(size_t n) {
    if (n > size_ - pos_) fail("truncated pickle");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint8_t byte() { return *take(1); }
  uint64_t le(size_t n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
    return v;
  }
  std::string_view line() {
    size_t end = pos_;
    while (end < size_ && data_[end] != '\n') ++end;
    if (end >= size_) fail("truncated pickle (unterminated text argument)");
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), end - pos_);
    pos_ = end + 1;
    return s;
  }
  std::string_view chars(uint64_t n) {
    if (n > size_ - pos_) fail("truncated pickle (string of " + std::to_string(n) + " bytes)");
    return {reinterpret_cast<const char*>(take(static_cast<size_t>(n))), static_cast<size_t>(n)};
  }

  // --- arena and stack
  Ref make(Object obj) {
    if (out_.objects.size() >= max_objects_) fail("too many objects in the pickle");
    out_.objects.push_back(std::move(obj));
    return static_cast<Ref>(out_.objects.size() - 1);
  }
  Ref make(Kind kind) {
    Object o;
    o.kind = kind;
    return make(std::move(o));
  }
  Object& obj(Ref r) { return out_.objects[r]; }

  void push(Ref r) {
    if (stack_.size() >= opt_.limits.max_stack) fail("pickle stack exceeds the limit");
    stack_.push_back(r);
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Ref pop() {
    if (stack_.size() <= floor()) fail("pickle stack underflow");
    const Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  Ref top() {
    if (stack_.size() <= floor()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("no MARK on the pickle stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  void memo_put(uint64_t index) {
    if (memo_.size() >= opt_.limits.max_memo && !memo_.contains(index)) {
      fail("pickle memo exceeds the limit");
    }
    memo_[index] = top();
  }
  void memo_get(uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo key " + std::to_string(index) + " not found");
    push(it->second);
  }

  void push_int(int64_t v) {
    Object o;
    o.kind = Kind::kInt;
    o.integer = v;
    push(make(std::move(o)));
  }
  void push_text(Kind kind, std::string_view s) {
    Object o;
    o.kind = kind;
    o.text = s;
    push(make(std::move(o)));
  }
  Ref make_seq(Kind kind, std::vector<Ref> items) {
    Object o;
    o.kind = kind;
    o.items = std::move(items);
    return make(std::move(o));
  }

  // LONG1/LONG4 payload: little-endian two's complement of any length.
  void push_long(std::string_view bytes) {
    const size_t n = bytes.size();
    const auto b = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
    // Does it fit in int64 (all bytes above the 8th are sign extension)?
    bool fits = true;
    if (n > 8) {
      const uint8_t ext = (b(7) & 0x80) != 0 ? 0xff : 0x00;
      for (size_t i = 8; i < n; ++i) fits = fits && b(i) == ext;
    }
    if (!fits) {
      push_text(Kind::kBigInt, bytes);
      return;
    }
    uint64_t v = 0;
    const size_t m = std::min<size_t>(n, 8);
    for (size_t i = m; i-- > 0;) v = (v << 8) | b(i);
    if (m > 0 && m < 8 && (b(m - 1) & 0x80) != 0) v |= ~uint64_t{0} << (8 * m);  // sign-extend
    push_int(static_cast<int64_t>(v));
  }

  // INT/LONG text forms: decimal, optional sign, LONG has a trailing 'L'.
  void push_decimal(std::string_view s, bool allow_bool) {
    if (allow_bool && s == "00") return push_bool(false);
    if (allow_bool && s == "01") return push_bool(true);
    if (!s.empty() && s.back() == 'L') s.remove_suffix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
      fail("bad or out-of-range integer literal");
    }
    push_int(v);
  }
  void push_bool(bool v) {
    Object o;
    o.kind = Kind::kBool;
    o.integer = v ? 1 : 0;
    push(make(std::move(o)));
  }
  void push_float(double v) {
    Object o;
    o.kind = Kind::kFloat;
    o.real = v;
    push(make(std::move(o)));
  }
  void push_global(std::string_view module, std::string_view name) {
    Object o;
    o.kind = Kind::kGlobal;
    o.text.reserve(module.size() + 1 + name.size());
    o.text.append(module).append(".").append(name);
    push(make(std::move(o)));
  }

  // --- containers
  void append_items(Ref target, const std::vector<Ref>& items) {
    Object& t = obj(target);
    if (t.kind == Kind::kOpaque) return;  // e.g. a list subclass the izer never looks at
    if (t.kind != Kind::kList) fail("APPEND to a value that is not a list");
    t.items.insert(t.items.end(), items.begin(), items.end());
  }
  void set_items(Ref target, const std::vector<Ref>& kv) {
    if (kv.size() % 2 != 0) fail("SETITEMS with an odd number of values");
    Object& t = obj(target);
    if (t.kind == Kind::kOpaque) return;
    if (t.kind != Kind::kDict) fail("SETITEM on a value that is not a dict");
    t.items.insert(t.items.end(), kv.begin(), kv.end());
  }

  // --- calls: only the constructors a checkpoint needs are understood.
  Ref opaque(const std::string& name) {
    Object o;
    o.kind = Kind::kOpaque;
    o.text = name;
    return make(std::move(o));
  }

  Ref call(Ref callable, Ref args_ref) {
    const Object& fn = obj(callable);
    if (fn.kind == Kind::kOpaque) return opaque(fn.text);
    if (fn.kind != Kind::kGlobal) fail("REDUCE on a value that is not callable");
    if (obj(args_ref).kind != Kind::kTuple) fail("REDUCE arguments are not a tuple");
    const std::string name = fn.text;
    // The known callables take a few arguments: check the count before copying them.
    const auto args = [&](size_t lo, size_t hi) {
      const size_t n = obj(args_ref).items.size();
      if (n < lo || n > hi) {
        fail(name + " expects " + std::to_string(lo) + (lo == hi ? "" : "-" + std::to_string(hi)) + " arguments, not " +
             std::to_string(n));
      }
      return obj(args_ref).items;
    };
    if (name == "collections.OrderedDict") return make_ordered_dict(args(0, 1));
    // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
    if (name == "torch._utils._rebuild_tensor_v2") return make_tensor(args(6, 7));
    if (name == "torch._utils._rebuild_tensor") return make_tensor(args(4, 4));
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      const std::vector<Ref> a = args(3, 4);
      if (obj(a[0]).kind != Kind::kTensor) fail("_rebuild_parameter without a tensor");
      return a[0];
    }
    return opaque(name);
  }

  Ref make_ordered_dict(const std::vector<Ref>& args) {
    Object d;
    d.kind = Kind::kDict;
    d.ordered = true;
    if (args.size() == 1) {
      const Object& src = obj(args[0]);
      // Copying a memoized container again and again must not grow without bound.
      copied_ += src.items.size();
      if (copied_ > max_objects_) fail("too many objects in the pickle");
      if (src.kind == Kind::kDict) {
        d.items = src.items;
      } else if (src.kind == Kind::kList || src.kind == Kind::kTuple) {
        for (Ref pair : src.items) {
          const Object& p = obj(pair);
          if ((p.kind != Kind::kTuple && p.kind != Kind::kList) || p.items.size() != 2) {
            fail("OrderedDict argument is not a sequence of pairs");
          }
          d.items.push_back(p.items[0]);
          d.items.push_back(p.items[1]);
        }
      } else {
        fail("unsupported OrderedDict argument");
      }
    }
    return make(std::move(d));
  }

  int64_t int_arg(Ref r, const char* what) {
    const Object& o = obj(r);
    if (o.kind != Kind::kInt) fail(std::string("tensor ") + what + " is not an integer");
    return o.integer;
  }
  std::vector<int64_t> int_tuple(Ref r, const char* what) {
    const Object& o = obj(r);
    if (o.kind != Kind::kTuple && o.kind != Kind::kList) {
      fail(std::string("tensor ") + what + " is not a tuple");
    }
    if (o.items.size() > kMaxTensorDims) {
      fail(std::string("tensor ") + what + " has too many dimensions");
    }
    std::vector<int64_t> v;
    v.reserve(o.items.size());
    for (Ref item : o.items) v.push_back(int_arg(item, what));
    return v;
  }

  Ref make_tensor(const std::vector<Ref>& args) {
    const Object& storage = obj(args[0]);
    if (storage.kind != Kind::kStorage) fail("tensor storage is not a persistent storage");
    TensorRef t;
    t.storage = storage.index;
    t.offset = int_arg(args[1], "storage offset");
    t.shape = int_tuple(args[2], "size");
    t.stride = int_tuple(args[3], "stride");
    if (t.offset < 0) fail("negative tensor storage offset");
    if (t.shape.size() != t.stride.size()) fail("tensor size and stride differ in length");
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (t.shape[i] < 0 || t.stride[i] < 0) fail("negative tensor size or stride");
    }
    if (out_.tensors.size() >= max_objects_) fail("too many tensors");
    out_.tensors.push_back(std::move(t));
    Object o;
    o.kind = Kind::kTensor;
    o.index = static_cast<uint32_t>(out_.tensors.size() - 1);
    return make(std::move(o));
  }

  // --- persistent ids
  const std::string& str_field(Ref r, const char* what) {
    const Object& o = obj(r);
    if (o.kind != Kind::kStr) fail(std::string("persistent id ") + what + " is not a string");
    return o.text;
  }

  Ref persistent_load(Ref pid_ref) {
    if (opt_.persistent_ids == PersistentIds::kReject) fail("unexpected persistent id");
    const Object& pid = obj(pid_ref);
    const size_t fields = opt_.persistent_ids == PersistentIds::kTorchZip ? 5 : 6;
    if (pid.kind != Kind::kTuple || pid.items.size() != fields) {
      fail("persistent id is not a " + std::to_string(fields) + "-tuple");
    }
    const std::vector<Ref> f = pid.items;
    if (str_field(f[0], "tag") != "storage") fail("persistent id is not a storage");
    const Object& cls = obj(f[1]);
    if (cls.kind != Kind::kGlobal) fail("persistent id storage type is not a class");
    StorageRef s;
    s.type = cls.text;
    s.key = str_field(f[2], "key");
    s.location = str_field(f[3], "location");
    if (obj(f[4]).kind != Kind::kInt || obj(f[4]).integer < 0) {
      fail("persistent id size is not a count");
    }
    s.numel = obj(f[4]).integer;
    if (fields == 6 && obj(f[5]).kind != Kind::kNone) {
      // view_metadata = (view_key, offset, size) of a storage slice.
      const Object& view = obj(f[5]);
      if (view.kind != Kind::kTuple || view.items.size() != 3 || obj(view.items[1]).kind != Kind::kInt ||
          obj(view.items[2]).kind != Kind::kInt || obj(view.items[1]).integer < 0 || obj(view.items[2]).integer < 0) {
        fail("malformed storage view metadata");
      }
      s.view_offset = obj(view.items[1]).integer;
      s.view_size = obj(view.items[2]).integer;
    }
    // The same storage may be referenced by several tensors: share one record.
    const std::string cache_key =
        s.key + '\0' + std::to_string(s.view_offset) + '\0' + (s.view_size ? std::to_string(*s.view_size) : "-");
    auto [it, added] = storage_index_.try_emplace(cache_key, static_cast<uint32_t>(out_.storages.size()));
    if (added) {
      out_.storages.push_back(std::move(s));
    } else if (out_.storages[it->second].type != s.type) {
      fail("storage `" + s.key + "` is referenced with two different types");
    }
    Object o;
    o.kind = Kind::kStorage;
    o.index = it->second;
    return make(std::move(o));
  }

  // --- the dispatcher
  void step(uint8_t op) {
    switch (op) {
      case kProto: {
        const uint8_t proto = byte();
        if (proto > 5) fail("unsupported pickle protocol " + std::to_string(proto));
        break;
      }
      case kFrame:  // framing only groups opcodes: skip the frame length
        le(8);
        break;
      case kMark:
        if (marks_.size() >= opt_.limits.max_marks) fail("pickle MARK nesting exceeds the limit");
        marks_.push_back(stack_.size());
        break;
      case kPop:
        if (stack_.size() > floor()) {
          stack_.pop_back();
        } else if (!marks_.empty()) {
          marks_.pop_back();  // POP right after MARK discards the mark
        } else {
          fail("pickle stack underflow");
        }
        break;
      case kPopMark: pop_mark(); break;
      case kDup: push(top()); break;

      case kNoneOp: push(make(Kind::kNone)); break;
      case kNewTrue: push_bool(true); break;
      case kNewFalse: push_bool(false); break;
      case kBinInt: push_int(static_cast<int32_t>(static_cast<uint32_t>(le(4)))); break;
      case kBinInt1: push_int(byte()); break;
      case kBinInt2: push_int(static_cast<int64_t>(le(2))); break;
      case kInt: push_decimal(line(), true); break;
      case kLong: push_decimal(line(), false); break;
      case kLong1: push_long(chars(byte())); break;
      case kLong4: {
        const auto n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        if (n < 0) fail("negative LONG4 length");
        push_long(chars(static_cast<uint64_t>(n)));
        break;
      }
      case kBinFloat: {
        const uint8_t* p = take(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
        push_float(std::bit_cast<double>(bits));
        break;
      }
      case kFloat: {
        const std::string_view s = line();
        double v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size()) fail("bad float literal");
        push_float(v);
        break;
      }

      case kBinUnicode: push_text(Kind::kStr, chars(le(4))); break;
      case kShortBinUnicode: push_text(Kind::kStr, chars(byte())); break;
      case kBinUnicode8: push_text(Kind::kStr, chars(le(8))); break;
      case kBinString: {
        const auto n = static_cast<int32_t>(static_cast<uint32_t>(le(4)));
        if (n < 0) fail("negative BINSTRING length");
        push_text(Kind::kStr, chars(static_cast<uint64_t>(n)));
        break;
      }
      case kShortBinString: push_text(Kind::kStr, chars(byte())); break;
      case kBinBytes: push_text(Kind::kBytes, chars(le(4))); break;
      case kShortBinBytes: push_text(Kind::kBytes, chars(byte())); break;
      case kBinBytes8:
      case kByteArray8: push_text(Kind::kBytes, chars(le(8))); break;

      case kEmptyTuple: push(make_seq(Kind::kTuple, {})); break;
      case kEmptyList: push(make_seq(Kind::kList, {})); break;
      case kEmptyDict: push(make(Kind::kDict)); break;
      case kEmptySet: push(make_seq(Kind::kList, {})); break;
      case kTuple: push(make_seq(Kind::kTuple, pop_mark())); break;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        std::vector<Ref> items(static_cast<size_t>(op - kTuple1 + 1));
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(make_seq(Kind::kTuple, std::move(items)));
        break;
      }
      case kList:
      case kFrozenSet: push(make_seq(Kind::kList, pop_mark())); break;
      case kDict: {
        std::vector<Ref> kv = pop_mark();
        if (kv.size() % 2 != 0) fail("DICT with an odd number of values");
        Object d;
        d.kind = Kind::kDict;
        d.items = std::move(kv);
        push(make(std::move(d)));
        break;
      }
      case kAppend: {
        const Ref v = pop();
        append_items(top(), {v});
        break;
      }
      case kAppends:
      case kAddItems: {
        std::vector<Ref> items = pop_mark();
        append_items(top(), items);
        break;
      }
      case kSetItem: {
        const Ref v = pop();
        const Ref k = pop();
        set_items(top(), {k, v});
        break;
      }
      case kSetItems: {
        std::vector<Ref> kv = pop_mark();
        set_items(top(), kv);
        break;
      }

      case kPut: memo_put(parse_index(line())); break;
      case kBinPut: memo_put(byte()); break;
      case kLongBinPut: memo_put(le(4)); break;
      case kMemoize: memo_put(memo_.size()); break;
      case kGet: memo_get(parse_index(line())); break;
      case kBinGet: memo_get(byte()); break;
      case kLongBinGet: memo_get(le(4)); break;

      case kGlobal: {
        const std::string_view module = line();
        const std::string_view name = line();
        push_global(module, name);
        break;
      }
      case kStackGlobal: {
        const Ref name = pop();
        const Ref module = pop();
        if (obj(module).kind != Kind::kStr || obj(name).kind != Kind::kStr) {
          fail("STACK_GLOBAL needs two strings");
        }
        push_global(obj(module).text, obj(name).text);
        break;
      }
      case kReduce: {
        const Ref args = pop();
        const Ref fn = pop();
        push(call(fn, args));
        break;
      }
      case kNewObj:
      case kNewObjEx: {
        if (op == kNewObjEx) pop();  // kwargs
        const Ref args = pop();
        const Ref cls = pop();
        const Object& c = obj(cls);
        if (c.kind != Kind::kGlobal && c.kind != Kind::kOpaque) {
          fail("NEWOBJ on a value that is not a class");
        }
        if (obj(args).kind != Kind::kTuple) fail("NEWOBJ arguments are not a tuple");
        if (c.kind == Kind::kGlobal && c.text == "collections.OrderedDict") {
          push(make_ordered_dict({}));
        } else {
          push(opaque(c.text));
        }
        break;
      }
      case kBuild: {
        // Instance state (e.g. a state_dict's `_metadata`) is not needed: drop it.
        pop();
        top();
        break;
      }
      case kBinPersId: {
        const Ref pid = pop();
        push(persistent_load(pid));
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        const size_t offset = opt_.base_offset + op_pos_;
        throw Error({.file = opt_.file, .key = "byte offset " + std::to_string(offset)},
                    std::string("pickle opcode ") + hex + " at byte offset " + std::to_string(offset) +
                        " is not supported" + (opt_.what.empty() ? "" : " (pickle " + opt_.what + ")"));
      }
    }
  }

  uint64_t parse_index(std::string_view s) {
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) fail("bad memo index");
    return v;
  }

  const uint8_t* data_;
  size_t size_;
  const Options& opt_;
  size_t max_objects_ = 0;
  size_t copied_ = 0;  // container elements copied by OrderedDict(...)
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Ref> memo_;
  std::unordered_map<std::string, uint32_t> storage_index_;
  Pickle out_;
};

// Identity of a dict key for de-duplication: strings/bytes by value, ints by value,
// anything else by object.
std::string key_identity(const Pickle& p, Ref r) {
  const Object& o = p.at(r);
  switch (o.kind) {
    case Kind::kStr: return "s" + o.text;
    case Kind::kBytes: return "b" + o.text;
    case Kind::kInt:
    case Kind::kBool: return "i" + std::to_string(o.integer);
    default: return "r" + std::to_string(r);
  }
}

}  // namespace

std::vector<std::pair<Ref, Ref>> Pickle::dict_items(Ref dict) const {
  const Object& d = at(dict);
  std::vector<std::pair<Ref, Ref>> out;
  if (d.kind != Kind::kDict) return out;
  // A key object met again (memo GET) is the same key: look it up by reference first, so a
  // long key repeated in many entries is hashed once, not once per entry (quadratic).
  std::unordered_map<Ref, size_t> by_ref;
  std::unordered_map<std::string, size_t> by_value;
  for (size_t i = 0; i + 1 < d.items.size(); i += 2) {
    const Ref key = d.items[i];
    const auto [ref_it, new_ref] = by_ref.try_emplace(key, out.size());
    if (new_ref) {
      const auto [value_it, new_value] = by_value.try_emplace(key_identity(*this, key), out.size());
      ref_it->second = value_it->second;
      if (new_value) {
        out.emplace_back(key, d.items[i + 1]);
        continue;
      }
    }
    out[ref_it->second].second = d.items[i + 1];
  }
  return out;
}

std::optional<Ref> Pickle::dict_get(Ref dict, std::string_view key) const {
  const Object& d = at(dict);
  if (d.kind != Kind::kDict) return std::nullopt;
  std::optional<Ref> found;
  for (size_t i = 0; i + 1 < d.items.size(); i += 2) {
    const Object& k = at(d.items[i]);
    if (k.kind == Kind::kStr && k.text == key) found = d.items[i + 1];  // last one wins
  }
  return found;
}

Pickle unpickle(const uint8_t* data, size_t size, const Options& options) {
  return Machine(data, size, options).run();
}

}  // namespace ai8x::io::pickle
