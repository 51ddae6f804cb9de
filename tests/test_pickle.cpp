// The bounded pickle machine, fed hand-assembled pickles (opcodes per Python's pickletools).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/pickle.hpp"

using ai8x::Error;
namespace pk = ai8x::io::pickle;
using pk::Kind;

namespace {

// Assembles a pickle byte by byte.
class Asm {
 public:
  Asm& op(uint8_t c) {
    b_ += static_cast<char>(c);
    return *this;
  }
  Asm& raw(const std::string& s) {
    b_ += s;
    return *this;
  }
  Asm& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b_ += static_cast<char>((v >> (8 * i)) & 0xff);
    return *this;
  }
  Asm& proto(int v = 2) { return op(0x80).op(static_cast<uint8_t>(v)); }
  Asm& mark() { return op('('); }
  Asm& stop() { return op('.'); }
  Asm& str(const std::string& s) { return op('X').le(s.size(), 4).raw(s); }         // BINUNICODE
  Asm& short_str(const std::string& s) { return op(0x8c).le(s.size(), 1).raw(s); }  // SHORT_BINUNICODE
  Asm& integer(int64_t v) {
    if (v >= 0 && v < 256) return op('K').le(static_cast<uint64_t>(v), 1);
    if (v >= 0 && v < 65536) return op('M').le(static_cast<uint64_t>(v), 2);
    if (v >= INT32_MIN && v <= INT32_MAX) return op('J').le(static_cast<uint64_t>(v), 4);
    return op(0x8a).op(8).le(static_cast<uint64_t>(v), 8);  // LONG1
  }
  Asm& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
  [[nodiscard]] const std::string& bytes() const { return b_; }

 private:
  std::string b_;
};

pk::Pickle run(const std::string& bytes, pk::Options options = {}) {
  if (options.file.empty()) options.file = "mem.pkl";
  return pk::unpickle(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), options);
}

// Expects an Error naming the file, the opcode's byte offset (as key) and `needle`.
void expect_error(const std::string& bytes, size_t offset, const std::string& needle, pk::Options options = {}) {
  options.file = "mem.pkl";
  try {
    run(bytes, options);
    ADD_FAILURE() << "no error; expected '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().file, "mem.pkl");
    EXPECT_EQ(e.context().key, "byte offset " + std::to_string(offset)) << e.formatted();
    EXPECT_NE(e.formatted().find("mem.pkl"), std::string::npos) << e.formatted();
    EXPECT_NE(e.formatted().find(needle), std::string::npos) << e.formatted();
  }
}

TEST(Pickle, ScalarsAndStrings) {
  Asm a;
  a.proto().mark();
  a.op(0x4e);           // NONE
  a.op(0x88).op(0x89);  // NEWTRUE NEWFALSE
  a.integer(200).integer(60000).integer(-7).integer(int64_t{1} << 40);
  a.op('I').raw("01\n").op('I').raw("-42\n").op('L').raw("123456789012L\n");
  a.op(0x8a).op(2).le(0x8000, 2);                         // LONG1 of 2 bytes = -32768
  a.op(0x8a).op(0);                                       // LONG1 of 0 bytes = 0
  a.op('G').raw(std::string("\x3f\xf8\0\0\0\0\0\0", 8));  // BINFLOAT 1.5 (big-endian)
  a.op('F').raw("-2.25\n");
  a.str("héllo").short_str("ab").op('T').le(2, 4).raw("cd").op('U').op(1).raw("e");
  a.op('B').le(3, 4).raw(std::string("\0\1\2", 3)).op('C').op(1).raw("z");
  a.op('t').stop();
  const pk::Pickle p = run(a.bytes());
  const pk::Object& root = p.at(p.root);
  ASSERT_EQ(root.kind, Kind::kTuple);
  ASSERT_EQ(root.items.size(), 20U);
  auto item = [&](size_t i) -> const pk::Object& { return p.at(root.items[i]); };
  EXPECT_EQ(item(0).kind, Kind::kNone);
  EXPECT_EQ(item(1).kind, Kind::kBool);
  EXPECT_EQ(item(1).integer, 1);
  EXPECT_EQ(item(2).integer, 0);
  EXPECT_EQ(item(3).integer, 200);
  EXPECT_EQ(item(4).integer, 60000);
  EXPECT_EQ(item(5).integer, -7);
  EXPECT_EQ(item(6).integer, int64_t{1} << 40);
  EXPECT_EQ(item(7).kind, Kind::kBool);  // INT "01" is True in protocol 0
  EXPECT_EQ(item(8).integer, -42);
  EXPECT_EQ(item(9).integer, 123456789012);
  EXPECT_EQ(item(10).integer, -32768);
  EXPECT_EQ(item(11).integer, 0);
  EXPECT_EQ(item(12).real, 1.5);
  EXPECT_EQ(item(13).real, -2.25);
  EXPECT_EQ(item(14).text, "héllo");
  EXPECT_EQ(item(15).text, "ab");
  EXPECT_EQ(item(16).text, "cd");
  EXPECT_EQ(item(17).text, "e");
  EXPECT_EQ(item(18).kind, Kind::kBytes);
  EXPECT_EQ(item(18).text, std::string("\0\1\2", 3));
  EXPECT_EQ(item(19).text, "z");
  EXPECT_EQ(p.consumed, a.bytes().size());
}

TEST(Pickle, TorchMagicNumberIsABigInt) {
  // The legacy checkpoint magic 0x1950a86a20f9469cfc6c as pickled by torch: 80 02 8a 0a ...
  const std::string bytes = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  const pk::Pickle p = run(bytes + "garbage after STOP");
  EXPECT_EQ(p.at(p.root).kind, Kind::kBigInt);
  EXPECT_EQ(p.at(p.root).text, bytes.substr(4, 10));
  EXPECT_EQ(p.consumed, 15U);
  // A 9-byte LONG1 whose top byte is sign extension still fits in int64.
  Asm a;
  a.proto().op(0x8a).op(9).le(static_cast<uint64_t>(-3), 8).op(0xff).stop();
  EXPECT_EQ(run(a.bytes()).at(0).integer, -3);
}

TEST(Pickle, ContainersMemoAndOrderedDict) {
  Asm a;
  a.proto().op('}').op('q').op(0);                            // EMPTY_DICT, BINPUT 0
  a.mark().str("b").integer(1).str("a").integer(2).op('u');   // SETITEMS
  a.str("list").op(']').op('r').le(7, 4);                     // EMPTY_LIST, LONG_BINPUT 7
  a.mark().integer(1).integer(2).op('e').integer(3).op('a');  // APPENDS, APPEND
  a.op('s');                                                  // SETITEM
  a.str("again").op('j').le(7, 4).op('s');                    // LONG_BINGET 7
  a.str("od").global("collections", "OrderedDict").op(')').op('R');
  a.mark().str("z").integer(26).str("y").integer(25).str("z").integer(99).op('u');
  a.op('s');
  a.str("t").integer(4).integer(5).integer(6).op(0x87).op('p').raw("12\n").op('s');  // TUPLE3, PUT
  a.str("t2").op('g').raw("12\n").op('s');                                           // GET
  a.str("b").integer(3).op('s');                                                     // repeated key
  a.stop();
  const pk::Pickle p = run(a.bytes());
  const auto items = p.dict_items(p.root);
  ASSERT_EQ(items.size(), 7U);
  // Python dict semantics: "b" keeps its first position and takes its last value.
  EXPECT_EQ(p.at(items[0].first).text, "b");
  EXPECT_EQ(p.at(items[0].second).integer, 3);
  EXPECT_EQ(p.at(items[1].first).text, "a");
  const pk::Object& list = p.at(*p.dict_get(p.root, "list"));
  ASSERT_EQ(list.kind, Kind::kList);
  ASSERT_EQ(list.items.size(), 3U);
  EXPECT_EQ(p.at(list.items[2]).integer, 3);
  EXPECT_EQ(*p.dict_get(p.root, "again"), *p.dict_get(p.root, "list"));  // same object
  const auto od_ref = *p.dict_get(p.root, "od");
  EXPECT_TRUE(p.at(od_ref).ordered);
  const auto od = p.dict_items(od_ref);
  ASSERT_EQ(od.size(), 2U);
  EXPECT_EQ(p.at(od[0].first).text, "z");
  EXPECT_EQ(p.at(od[0].second).integer, 99);
  EXPECT_EQ(p.at(od[1].first).text, "y");
  EXPECT_EQ(*p.dict_get(p.root, "t"), *p.dict_get(p.root, "t2"));
  EXPECT_EQ(p.at(*p.dict_get(p.root, "t")).items.size(), 3U);
  EXPECT_EQ(p.dict_get(p.root, "missing"), std::nullopt);
}

TEST(Pickle, Protocol4Opcodes) {
  Asm a;
  a.proto(4).op(0x95).le(40, 8);                                              // FRAME
  a.short_str("collections").op(0x94).short_str("OrderedDict").op(0x94);      // MEMOIZE
  a.op(0x93).op(0x94).op(')').op(0x81).op(0x94);                              // STACK_GLOBAL, NEWOBJ
  a.short_str("k").op(0x8e).le(2, 8).raw("xy").op('s');                       // BINBYTES8
  a.short_str("set").op(0x8f).mark().integer(1).integer(2).op(0x90).op('s');  // EMPTY_SET, ADDITEMS
  a.short_str("m").op('h').op(2).op('s');                                     // BINGET 2 = the class
  a.stop();
  const pk::Pickle p = run(a.bytes());
  const pk::Object& root = p.at(p.root);
  EXPECT_EQ(root.kind, Kind::kDict);
  EXPECT_TRUE(root.ordered);
  EXPECT_EQ(p.at(*p.dict_get(p.root, "k")).text, "xy");
  EXPECT_EQ(p.at(*p.dict_get(p.root, "set")).items.size(), 2U);
  const pk::Object& cls = p.at(*p.dict_get(p.root, "m"));
  EXPECT_EQ(cls.kind, Kind::kGlobal);
  EXPECT_EQ(cls.text, "collections.OrderedDict");
}

TEST(Pickle, UnknownClassesBecomeOpaque) {
  Asm a;
  a.proto().mark();
  a.global("torch.optim.sgd", "SGD");                                    // bare class value
  a.global("torch.optim.sgd", "SGD").mark().integer(1).op('t').op('R');  // called
  a.op('}').op('b');                                                     // BUILD with a state
  a.op('2').integer(5).op('a');                                          // DUP, APPEND to opaque
  a.op('0');                                                             // POP the duplicate
  a.global("numpy", "dtype").op(')').op(0x81);                           // NEWOBJ of an unknown class
  a.op('t').stop();
  const pk::Pickle p = run(a.bytes());
  const pk::Object& root = p.at(p.root);
  ASSERT_EQ(root.items.size(), 3U);
  EXPECT_EQ(p.at(root.items[0]).kind, Kind::kGlobal);
  EXPECT_EQ(p.at(root.items[0]).text, "torch.optim.sgd.SGD");
  EXPECT_EQ(p.at(root.items[1]).kind, Kind::kOpaque);
  EXPECT_EQ(p.at(root.items[1]).text, "torch.optim.sgd.SGD");
  EXPECT_EQ(p.at(root.items[2]).kind, Kind::kOpaque);
}

// ('storage', torch.<cls>, key, 'cpu', numel[, None])
Asm& storage_pid(Asm& a, const std::string& cls, const std::string& key, int64_t numel, bool legacy) {
  a.mark().str("storage").global("torch", cls).str(key).str("cpu").integer(numel);
  if (legacy) a.op('N');
  return a.op('t').op('Q');
}

TEST(Pickle, RebuildsTensorsFromPersistentStorages) {
  for (const bool legacy : {false, true}) {
    SCOPED_TRACE(legacy ? "legacy" : "zip");
    Asm a;
    a.proto().mark();
    // _rebuild_tensor_v2(storage, 2, (2, 3), (1, 2), False, OrderedDict())
    a.global("torch._utils", "_rebuild_tensor_v2").mark();
    storage_pid(a, "FloatStorage", "42", 8, legacy);
    a.integer(2).integer(2).integer(3).op(0x86).integer(1).integer(2).op(0x86).op(0x89);
    a.global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
    // A second tensor on the same storage via _rebuild_tensor, wrapped in _rebuild_parameter.
    a.global("torch._utils", "_rebuild_parameter").mark();
    a.global("torch._utils", "_rebuild_tensor").mark();
    storage_pid(a, "FloatStorage", "42", 8, legacy);
    a.integer(0).integer(8).op(0x85).integer(1).op(0x85).op('t').op('R');
    a.op(0x88).op('}').op('t').op('R');
    a.op('t').stop();
    pk::Options opt;
    opt.persistent_ids = legacy ? pk::PersistentIds::kTorchLegacy : pk::PersistentIds::kTorchZip;
    const pk::Pickle p = run(a.bytes(), opt);
    ASSERT_EQ(p.storages.size(), 1U);  // one record shared by both tensors
    EXPECT_EQ(p.storages[0].type, "torch.FloatStorage");
    EXPECT_EQ(p.storages[0].key, "42");
    EXPECT_EQ(p.storages[0].location, "cpu");
    EXPECT_EQ(p.storages[0].numel, 8);
    ASSERT_EQ(p.tensors.size(), 2U);
    EXPECT_EQ(p.tensors[0].offset, 2);
    EXPECT_EQ(p.tensors[0].shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(p.tensors[0].stride, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(p.tensors[1].shape, std::vector<int64_t>{8});
    const pk::Object& root = p.at(p.root);
    EXPECT_EQ(p.at(root.items[0]).kind, Kind::kTensor);
    EXPECT_EQ(p.at(root.items[1]).kind, Kind::kTensor);
    EXPECT_EQ(p.at(root.items[1]).index, 1U);
  }
}

TEST(Pickle, RejectsBadPersistentIds) {
  Asm zip_pid;
  zip_pid.proto();
  storage_pid(zip_pid, "FloatStorage", "1", 1, false).stop();
  Asm legacy_pid;
  legacy_pid.proto();
  storage_pid(legacy_pid, "FloatStorage", "1", 1, true).stop();
  const size_t q_zip = zip_pid.bytes().size() - 2;
  const size_t q_legacy = legacy_pid.bytes().size() - 2;
  pk::Options zip;
  zip.persistent_ids = pk::PersistentIds::kTorchZip;
  pk::Options legacy;
  legacy.persistent_ids = pk::PersistentIds::kTorchLegacy;
  expect_error(zip_pid.bytes(), q_zip, "unexpected persistent id");
  expect_error(legacy_pid.bytes(), q_legacy, "5-tuple", zip);
  expect_error(zip_pid.bytes(), q_zip, "6-tuple", legacy);
  Asm other;
  other.proto().mark().str("module").str("x").op('t').op('Q').stop();
  expect_error(other.bytes(), other.bytes().size() - 2, "not a 5-tuple", zip);
}

TEST(Pickle, RejectsMalformedTensorArguments) {
  pk::Options zip;
  zip.persistent_ids = pk::PersistentIds::kTorchZip;
  // Storage argument is an int.
  Asm a;
  a.proto().global("torch._utils", "_rebuild_tensor_v2").mark();
  a.integer(1).integer(0).integer(1).op(0x85).integer(1).op(0x85).op(0x89).op('}').op('t');
  const size_t reduce_at = a.bytes().size();
  a.op('R').stop();
  expect_error(a.bytes(), reduce_at, "not a persistent storage", zip);
  // Size and stride of different length.
  Asm b;
  b.proto().global("torch._utils", "_rebuild_tensor").mark();
  storage_pid(b, "FloatStorage", "1", 4, false);
  b.integer(0).integer(2).integer(2).op(0x86).integer(1).op(0x85).op('t');
  const size_t reduce_b = b.bytes().size();
  b.op('R').stop();
  expect_error(b.bytes(), reduce_b, "differ in length", zip);
}

TEST(Pickle, ErrorsNameTheOpcodeAndOffset) {
  expect_error(std::string("\x80\x02\xff.", 4), 2, "pickle opcode 0xff at byte offset 2 is not supported");
  pk::Options shifted;
  shifted.base_offset = 1000;
  expect_error(std::string("\x80\x02]\x82\x01.", 6), 1003, "pickle opcode 0x82 at byte offset 1003", shifted);
  expect_error(std::string("\x80\x02", 2), 2, "truncated pickle");
  expect_error(std::string("\x80\x02X\xff\xff\x00\x00"
                           "ab.",
                           10),
               2, "truncated pickle");
  expect_error(std::string("\x80\x02\x8b\xff\xff\xff\xff.", 8), 2, "negative LONG4");
  expect_error(std::string("\x80\x09.", 3), 0, "unsupported pickle protocol 9");
  expect_error("0.", 0, "underflow");
  expect_error("(K\x01t0a.", 5, "underflow");
  expect_error(".", 0, "underflow");
  expect_error("(.", 1, "underflow");
  expect_error("t.", 0, "no MARK");
  expect_error("h\x05.", 0, "memo key 5 not found");
  expect_error(
      "K\x01K\x02"
      "a.",
      4, "not a list");
  expect_error("}K\x01s.", 3, "underflow");
  expect_error("K\x01)R.", 3, "not callable");
  expect_error("cmod\nf\nK\x01R.", 9, "not a tuple");
  expect_error(
      "(K\x01K\x02K\x03"
      "d.",
      7, "odd number");
  expect_error("cmod", 0, "unterminated");
  expect_error("I12x\n.", 0, "integer literal");
  expect_error("I99999999999999999999\n.", 0, "integer literal");
}

TEST(Pickle, LimitsAreEnforced) {
  pk::Options tight;
  tight.limits.max_stack = 3;
  expect_error("K\x01K\x01K\x01K\x01.", 6, "stack exceeds", tight);
  tight = {};
  tight.limits.max_marks = 2;
  expect_error("(((.", 2, "MARK nesting", tight);
  tight = {};
  tight.limits.max_memo = 2;
  expect_error(std::string("K\x01q\x00q\x01q\x01q\x02.", 11), 8, "memo exceeds", tight);
  tight = {};
  tight.limits.max_objects = 4;
  expect_error("NNNNN.", 4, "too many objects", tight);
}

TEST(Pickle, KnownCallablesCheckTheirArguments) {
  Asm a;
  a.global("collections", "OrderedDict").mark().integer(1).integer(2).op('t');
  const size_t reduce_at = a.bytes().size();
  a.op('R').stop();
  expect_error(a.bytes(), reduce_at, "collections.OrderedDict expects 0-1 arguments, not 2");
  Asm b;
  b.global("torch._utils", "_rebuild_tensor_v2").op(')');
  b.op('R').stop();
  expect_error(b.bytes(), b.bytes().size() - 2, "_rebuild_tensor_v2 expects 6-7 arguments, not 0");
  Asm c;
  c.global("collections", "OrderedDict").integer(5).op(0x85).op('R').stop();
  expect_error(c.bytes(), c.bytes().size() - 2, "unsupported OrderedDict argument");
}

TEST(Pickle, RepeatedCopiesOfAMemoizedListAreBounded) {
  // OrderedDict(list_of_100_pairs) built 100000 times from the memo: 7 bytes per copy of 100
  // pairs must not turn into unbounded memory.
  Asm a;
  a.global("collections", "OrderedDict").op('q').op(1).op(']').op('q').op(0).mark();
  for (int i = 0; i < 100; ++i) a.integer(i).integer(i).op(0x86);
  a.op('e').op('0');
  for (int i = 0; i < 100000; ++i) a.op('h').op(1).op('h').op(0).op(0x85).op('R').op('0');
  a.op('N').stop();
  try {
    run(a.bytes());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("too many objects"), std::string::npos) << e.formatted();
  }
}

TEST(Pickle, CyclesAndDeepNestingAreHarmless) {
  // A list containing itself: EMPTY_LIST, DUP, APPEND.
  const pk::Pickle cyc = run("]2a.");
  EXPECT_EQ(cyc.at(cyc.root).items.at(0), cyc.root);
  // 200000 nested 1-tuples: no recursion anywhere, so no stack overflow.
  std::string deep = "N";
  deep.append(200000, static_cast<char>(0x85));
  deep += '.';
  const pk::Pickle p = run(deep);
  EXPECT_EQ(p.objects.size(), 200001U);
  EXPECT_EQ(p.at(p.root).kind, Kind::kTuple);
}

}  // namespace
