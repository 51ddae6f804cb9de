// .npy reader/writer: the corpus files (conventions.md §3.1, §4) and hand-built edge cases.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/npy.hpp"

namespace fs = std::filesystem;
using ai8x::Error;
using ai8x::io::NpyArray;
using ai8x::io::parse_npy;
using ai8x::io::read_npy;
using ai8x::io::read_npy_sequence;
using ai8x::io::write_npy;

namespace {

const fs::path kShared = AI8X_SHARED_DIR;

// A per-test scratch directory, removed afterwards.
class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ai8x_npy_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  fs::path dir_;
};

// An .npy image: magic, version, header length, the header dict (padded to 64 bytes), data.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  const size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 8 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < len_bytes; ++i) {
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  }
  return out + header + data;
}

std::string le_bytes(uint64_t v, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string be_bytes(uint64_t v, size_t n) {
  std::string s;
  for (size_t i = n; i-- > 0;) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string f32_le(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, 4);
  return le_bytes(bits, 4);
}

// Runs `fn`, expecting an ai8x::Error whose formatted text names `path` and contains `needle`.
void expect_error(const std::function<void()>& fn, const std::string& path, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(e.formatted().find(path), std::string::npos) << e.formatted();
    EXPECT_NE(e.formatted().find(needle), std::string::npos) << e.formatted();
    EXPECT_EQ(e.context().file, path);
  }
}

std::vector<fs::path> files_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ext) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- The corpus

TEST(NpyCorpus, EverySampleWeightAndBiasFileLoads) {
  const auto files = files_in(kShared / "data" / "tests", ".npy");
  ASSERT_GT(files.size(), 100U);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const auto arrays = read_npy_sequence(f.string());
    EXPECT_EQ(arrays.empty(), fs::file_size(f) == 0);
    for (const NpyArray& a : arrays) {
      EXPECT_TRUE(a.descr == "<i8" || a.descr == "|i1") << a.descr;
      EXPECT_FALSE(a.fortran_order);
      EXPECT_EQ(a.data.size(), a.numel());
      EXPECT_FALSE(a.shape.empty());
    }
  }
}

TEST(NpyCorpus, EveryConformanceSampleLoadsWithItsRecordedShape) {
  size_t cases = 0;
  for (const auto& entry : fs::directory_iterator(kShared / "conformance")) {
    const fs::path json_path = entry.path() / "case.json";
    if (!fs::exists(json_path)) continue;
    SCOPED_TRACE(entry.path().string());
    const auto j = nlohmann::json::parse(std::ifstream(json_path));
    const NpyArray a = read_npy((entry.path() / j.at("sample").get<std::string>()).string());
    EXPECT_EQ(a.shape, j.at("sample_info").at("shape").get<std::vector<int64_t>>());
    EXPECT_EQ(a.data.size(), a.numel());
    // §3.1: sample values must be int8.
    for (int64_t v : a.data) {
      ASSERT_GE(v, -128);
      ASSERT_LE(v, 127);
    }
    for (const char* key : {"weights_npy", "bias_npy"}) {
      if (j.contains(key) && j[key].is_string()) {
        EXPECT_NO_THROW(read_npy_sequence((entry.path() / j[key].get<std::string>()).string()));
      }
    }
    ++cases;
  }
  EXPECT_GT(cases, 500U);
}

TEST(NpyCorpus, SampleWeightSequencesHaveTheDocumentedArrays) {
  const fs::path tests = kShared / "data" / "tests";
  // §4: nine Conv1d layers, one array each, (3, 3, k).
  const auto multi = read_npy_sequence((tests / "weights_test_conv1d-multilayer.npy").string());
  ASSERT_EQ(multi.size(), 9U);
  for (const NpyArray& a : multi) {
    ASSERT_EQ(a.shape.size(), 3U);
    EXPECT_EQ(a.shape[0], 3);
    EXPECT_EQ(a.shape[1], 3);
  }
  // §4: one array whose first axis is the layer index.
  const auto single = read_npy_sequence((tests / "weights_test_conv1d.npy").string());
  ASSERT_EQ(single.size(), 1U);
  EXPECT_EQ(single[0].shape, (std::vector<int64_t>{1, 5, 3, 9}));
  const auto layers = read_npy_sequence((tests / "weights_test_layers.npy").string());
  ASSERT_EQ(layers.size(), 1U);
  EXPECT_EQ(layers[0].shape, (std::vector<int64_t>{32, 3, 3, 3, 3}));
  // §4: bias files, one 1-D array per layer.
  const auto bias64 = read_npy_sequence((tests / "bias_64.npy").string());
  ASSERT_EQ(bias64.size(), 2U);
  EXPECT_EQ(bias64[0].shape, std::vector<int64_t>{64});
  EXPECT_EQ(bias64[1].shape, std::vector<int64_t>{64});
  const auto ffs = read_npy_sequence((tests / "bias_ffs-multipass.npy").string());
  ASSERT_EQ(ffs.size(), 5U);
  const std::vector<int64_t> lengths = {128, 128, 128, 16, 4};
  for (size_t i = 0; i < ffs.size(); ++i) EXPECT_EQ(ffs[i].shape, std::vector<int64_t>{lengths[i]});
  // §4: a 0-byte file holds no arrays.
  EXPECT_TRUE(read_npy_sequence((tests / "weights_test_bypass.npy").string()).empty());
}

TEST(NpyCorpus, SampleValuesMatchTheDocumentedMemoryWords) {
  // §3.2: mnist CHW word 50 = 0x3ad48080 = pixels 200..203 (pixel 200 in byte 0).
  const NpyArray mnist = read_npy((kShared / "conformance" / "demo85-mnist" / "sample.npy").string());
  ASSERT_EQ(mnist.shape, (std::vector<int64_t>{1, 28, 28}));
  EXPECT_EQ(mnist.descr, "<i8");
  EXPECT_EQ(mnist.data[200], -128);  // 0x80
  EXPECT_EQ(mnist.data[201], -128);  // 0x80
  EXPECT_EQ(mnist.data[202], -44);   // 0xd4
  EXPECT_EQ(mnist.data[203], 58);    // 0x3a
  // §3.2: cifar-10 HWC words 0x00b1f01f, 0x00afef20 = channels 0..2 of pixels (0,0), (0,1).
  const NpyArray cifar = read_npy((kShared / "conformance" / "demo85-cifar-10" / "sample.npy").string());
  ASSERT_EQ(cifar.shape, (std::vector<int64_t>{3, 32, 32}));
  const int64_t plane = 32 * 32;
  EXPECT_EQ(cifar.data[0], 0x1f);
  EXPECT_EQ(cifar.data[plane], -16);      // 0xf0
  EXPECT_EQ(cifar.data[2 * plane], -79);  // 0xb1
  EXPECT_EQ(cifar.data[1], 0x20);
  EXPECT_EQ(cifar.data[plane + 1], -17);      // 0xef
  EXPECT_EQ(cifar.data[2 * plane + 1], -81);  // 0xaf
}

// --- Writing

TEST_F(NpyTest, RoundTripsInt64AndInt8) {
  const std::string p64 = (dir_ / "a.npy").string();
  const std::vector<int64_t> values = {0, -1, 1, INT64_MIN, INT64_MAX, 127, -128, 300, -300, 42, 7, -7};
  write_npy(p64, {2, 3, 2}, values);
  NpyArray a = read_npy(p64);
  EXPECT_EQ(a.descr, "<i8");
  EXPECT_FALSE(a.fortran_order);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(a.data, values);
  // NumPy aligns the data to 64 bytes: 12 values * 8 bytes after a 64- or 128-byte prefix.
  EXPECT_EQ(fs::file_size(p64) % 64, 96U % 64);

  const std::string p8 = (dir_ / "b.npy").string();
  write_npy(p8, {5}, {-128, -1, 0, 1, 127}, "|i1");
  a = read_npy(p8);
  EXPECT_EQ(a.descr, "|i1");
  EXPECT_EQ(a.shape, std::vector<int64_t>{5});
  EXPECT_EQ(a.data, (std::vector<int64_t>{-128, -1, 0, 1, 127}));

  const std::string p0 = (dir_ / "c.npy").string();
  write_npy(p0, {}, {9});
  a = read_npy(p0);
  EXPECT_TRUE(a.shape.empty());
  EXPECT_EQ(a.data, std::vector<int64_t>{9});

  const std::string pe = (dir_ / "d.npy").string();
  write_npy(pe, {0, 3}, {});
  a = read_npy(pe);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(a.data.empty());
}

TEST_F(NpyTest, WriterRejectsBadInput) {
  const std::string p = (dir_ / "w.npy").string();
  expect_error([&] { write_npy(p, {2}, {1, 2, 3}); }, p, "3 values");
  expect_error([&] { write_npy(p, {2}, {1, 128}, "|i1"); }, p, "int8");
  expect_error([&] { write_npy(p, {2}, {1, 2}, "<f4"); }, p, "<f4");
  expect_error([&] { write_npy((dir_ / "missing" / "x.npy").string(), {1}, {1}); },
               (dir_ / "missing" / "x.npy").string(), "cannot open");
}

// --- Hand-built files

TEST_F(NpyTest, ReadsEveryIntegerTypeAndByteOrder) {
  struct Case {
    std::string descr;
    std::string data;
    std::vector<int64_t> expected;
  };
  const std::vector<Case> cases = {
      {"|i1", "\x80\x7f\xff", {-128, 127, -1}},
      {"|u1", "\x80\x7f\xff", {128, 127, 255}},
      {"<i2", le_bytes(0x8000, 2) + le_bytes(0x1234, 2) + le_bytes(0xffff, 2), {-32768, 0x1234, -1}},
      {">i2", be_bytes(0x8000, 2) + be_bytes(0x1234, 2) + be_bytes(0xffff, 2), {-32768, 0x1234, -1}},
      {"<u2", le_bytes(0xffff, 2) + le_bytes(1, 2) + le_bytes(0, 2), {65535, 1, 0}},
      {">u4", be_bytes(0xffffffff, 4) + be_bytes(2, 4) + be_bytes(0x80000000, 4), {4294967295, 2, 2147483648}},
      {"<i4", le_bytes(0xfffffffe, 4) + le_bytes(7, 4) + le_bytes(0x80000000, 4), {-2, 7, INT32_MIN}},
      {">i8", be_bytes(static_cast<uint64_t>(-5), 8) + be_bytes(1ULL << 40, 8) + be_bytes(0, 8), {-5, 1LL << 40, 0}},
      {"<u8", le_bytes(static_cast<uint64_t>(INT64_MAX), 8) + le_bytes(3, 8) + le_bytes(0, 8), {INT64_MAX, 3, 0}},
      {"|b1", std::string("\x01\x00\x01", 3), {1, 0, 1}},
      {"<f4", f32_le(-3.0F) + f32_le(0.0F) + f32_le(16777216.0F), {-3, 0, 16777216}},
      {">f8", be_bytes(0xc059000000000000ULL, 8) + be_bytes(0x3ff0000000000000ULL, 8) + be_bytes(0, 8), {-100, 1, 0}},
      // float16: 0x3c00 = 1.0, 0xc500 = -5.0, 0x7bff = 65504 (largest finite)
      {"<f2", le_bytes(0x3c00, 2) + le_bytes(0xc500, 2) + le_bytes(0x7bff, 2), {1, -5, 65504}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.descr);
    const std::string path =
        write("t.npy", npy_bytes("{'descr': '" + c.descr + "', 'fortran_order': False, 'shape': (3,), }", c.data));
    const NpyArray a = read_npy(path);
    EXPECT_EQ(a.descr, c.descr);
    EXPECT_EQ(a.data, c.expected);
  }
}

TEST_F(NpyTest, FortranOrderIsConvertedToRowMajor) {
  // The 2x3 matrix [[1,2,3],[4,5,6]] stored column by column.
  std::string data;
  for (int v : {1, 4, 2, 5, 3, 6}) data += le_bytes(static_cast<uint64_t>(v), 8);
  const std::string path =
      write("f.npy", npy_bytes("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", data));
  const NpyArray a = read_npy(path);
  EXPECT_TRUE(a.fortran_order);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  // 2x2x2: element (i,j,k) stored at i + 2j + 4k holds 100i + 10j + k.
  std::vector<int64_t> storage(8);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      for (int k = 0; k < 2; ++k) {
        storage[static_cast<size_t>(i + 2 * j + 4 * k)] = 100 * i + 10 * j + k;
      }
    }
  }
  data.clear();
  for (int64_t v : storage) data += be_bytes(static_cast<uint64_t>(v), 4);
  const NpyArray b =
      read_npy(write("g.npy", npy_bytes("{'descr': '>i4', 'fortran_order': True, 'shape': (2,2,2)}", data)));
  EXPECT_EQ(b.data, (std::vector<int64_t>{0, 1, 10, 11, 100, 101, 110, 111}));
}

TEST_F(NpyTest, HeaderIsParsedAsADictLiteral) {
  const std::string data = le_bytes(5, 2) + le_bytes(6, 2);
  // Other key order, odd spacing, double quotes, Python 2 long suffix, no trailing comma.
  for (const std::string& dict : {
           std::string("{ \"shape\" :(1L,2L) ,'fortran_order':False,  'descr' : \"<i2\"}"),
           std::string("{'fortran_order': False, 'shape': (1, 2,), 'descr': '<i2', }"),
       }) {
    SCOPED_TRACE(dict);
    const NpyArray a = read_npy(write("h.npy", npy_bytes(dict, data)));
    EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(a.data, (std::vector<int64_t>{5, 6}));
  }
}

TEST_F(NpyTest, ZeroDimensionMakesAnEmptyArrayWhateverTheOtherDimensions) {
  const NpyArray a = read_npy(
      write("z.npy", npy_bytes("{'descr': '<i8', 'fortran_order': True, 'shape': (4294967296, 4294967296, 0)}", "")));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{4294967296, 4294967296, 0}));
  EXPECT_TRUE(a.data.empty());
}

TEST_F(NpyTest, ReadsFormatVersions2And3) {
  for (int major : {2, 3}) {
    const NpyArray a =
        read_npy(write("v.npy", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                          le_bytes(11, 8) + le_bytes(static_cast<uint64_t>(-12), 8), major)));
    EXPECT_EQ(a.data, (std::vector<int64_t>{11, -12})) << major;
  }
}

TEST_F(NpyTest, ParseReportsConsumedBytesAndIgnoresTrailingBytesLikeNpLoad) {
  const std::string one = npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }", "\x01\x02\x03");
  EXPECT_EQ(one.size(), 128U + 3U);  // 10 + 58 header bytes + newline pad to 128
  const std::string image = one + "trailing";
  size_t consumed = 0;
  const NpyArray a = parse_npy(reinterpret_cast<const uint8_t*>(image.data()), image.size(), "mem", &consumed);
  EXPECT_EQ(consumed, one.size());
  EXPECT_EQ(a.data, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(read_npy(write("t.npy", image)).data, (std::vector<int64_t>{1, 2, 3}));
  // A sequence must consist of complete arrays only.
  const std::string path = write("s.npy", image);
  expect_error([&] { read_npy_sequence(path); }, path, "array 1 (byte offset 131)");
}

TEST_F(NpyTest, SequenceReadsArraysBackToBack) {
  const std::string a =
      npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", le_bytes(1, 8) + le_bytes(2, 8));
  const std::string b = npy_bytes("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 1), }", "\xfb");
  const auto arrays = read_npy_sequence(write("seq.npy", a + b + a));
  ASSERT_EQ(arrays.size(), 3U);
  EXPECT_EQ(arrays[0].data, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(arrays[1].shape, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(arrays[1].data, std::vector<int64_t>{-5});
  EXPECT_EQ(arrays[2].data, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(read_npy_sequence(write("empty.npy", "")).empty());
}

// --- Malformed files: each error names the file.

TEST_F(NpyTest, RejectsMalformedFiles) {
  const std::string good_dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
  const std::string two = le_bytes(1, 8) + le_bytes(2, 8);
  struct Case {
    const char* name;
    std::string bytes;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {"bad_magic", std::string("\x93NUMPX\x01\x00", 8) + npy_bytes(good_dict, two).substr(8), "bad magic"},
      {"empty", "", "bad magic"},
      {"pickle", std::string("\x80\x02]q\x00.", 6), "bad magic"},
      {"version",
       [&] {
         auto s = npy_bytes(good_dict, two);
         s[6] = 4;
         return s;
       }(),
       "version 4.0"},
      {"header_len", npy_bytes(good_dict, two).substr(0, 8) + "\xff\x7f" + "{'descr'", "truncated header"},
      {"short_prefix", std::string("\x93NUMPY\x02\x00\x10", 9), "truncated header"},
      {"unterminated", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,", two), "malformed header"},
      {"not_dict", npy_bytes("('<i8', False, (2,))", two), "not a dictionary"},
      {"missing_key", npy_bytes("{'descr': '<i8', 'shape': (2,)}", two), "'fortran_order'"},
      {"extra_key", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), 'x': 1}", two), "'x'"},
      {"dup_key", npy_bytes("{'descr': '<i8', 'descr': '<i8', 'fortran_order': False, 'shape': (2,)}", two),
       "duplicate"},
      {"shape_type", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': 2}", two), "'shape'"},
      {"shape_negative", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (-2,)}", two), "non-negative"},
      {"shape_float", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2.0,)}", two), "malformed header"},
      {"fortran_type", npy_bytes("{'descr': '<i8', 'fortran_order': 0, 'shape': (2,)}", two), "bool"},
      {"huge_number", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (99999999999999999999,)}", two),
       "too large"},
      {"deep", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': " + std::string(100, '(') + "}", two),
       "too deep"},
      {"truncated_data", npy_bytes(good_dict, two.substr(0, 12)), "truncated data"},
      {"shape_overflow",
       npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16)}", two), "overflow"},
      {"shape_too_big", npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (1152921504606846976,)}", two),
       "truncated data"},
      {"complex", npy_bytes("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", two), "unsupported dtype"},
      {"object", npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", two), "unsupported dtype"},
      {"unicode", npy_bytes("{'descr': '<U2', 'fortran_order': False, 'shape': (2,)}", two), "unsupported dtype"},
      {"int3", npy_bytes("{'descr': '<i3', 'fortran_order': False, 'shape': (2,)}", two), "unsupported dtype"},
      {"structured", npy_bytes("{'descr': [('a', '<i8')], 'fortran_order': False, 'shape': (2,)}", two), "structured"},
      {"float_fraction",
       npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", f32_le(1.0F) + f32_le(2.0F) + f32_le(2.5F)),
       "flat index 2"},
      {"float_nan",
       npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}",
                 le_bytes(0, 8) + le_bytes(0x7ff8000000000000ULL, 8)),
       "flat index 1"},
      {"float_huge",
       npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", le_bytes(0x43e0000000000000ULL, 8)),
       "flat index 0"},  // 2^63
      {"uint64_big",
       npy_bytes("{'descr': '<u8', 'fortran_order': False, 'shape': (1,)}", le_bytes(0x8000000000000000ULL, 8)),
       "int64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = write(std::string(c.name) + ".npy", c.bytes);
    expect_error([&] { read_npy(path); }, path, c.needle);
  }
  // A Fortran-order non-integral float is reported at its row-major index:
  // [[1, 2], [3, 4.5]] stored as 1, 3, 2, 4.5 -> flat index 3.
  const std::string path =
      write("fortran_float.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}",
                                           f32_le(1) + f32_le(3) + f32_le(2) + f32_le(4.5F)));
  expect_error([&] { read_npy(path); }, path, "flat index 3");
  expect_error([&] { read_npy((dir_ / "nope.npy").string()); }, (dir_ / "nope.npy").string(), "does not exist");
}

}  // namespace
