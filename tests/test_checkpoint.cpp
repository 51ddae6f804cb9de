// Checkpoint reader: every corpus checkpoint, documented facts (conventions.md §2), synthetic
// zip/legacy files exercising dtypes, strides and byte order, and malformed inputs.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "io/checkpoint.hpp"

namespace fs = std::filesystem;
using ai8x::Error;
using ai8x::io::Checkpoint;
using ai8x::io::CheckpointTensor;
using ai8x::io::read_checkpoint;

namespace {

const fs::path kShared = AI8X_SHARED_DIR;
const fs::path kTrained = kShared / "data" / "trained";
const fs::path kTests = kShared / "data" / "tests";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> checkpoints_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().string().ends_with(".pth.tar")) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

const CheckpointTensor& get(const Checkpoint& ck, const std::string& key) {
  const CheckpointTensor* t = ck.find(key);
  if (t == nullptr) throw std::runtime_error("missing key " + key);
  return *t;
}

// Runs `fn`, expecting an ai8x::Error whose formatted text names `path` and contains `needle`.
Error expect_error(const std::function<void()>& fn, const std::string& path, const std::string& needle) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().file, path);
    EXPECT_NE(e.formatted().find(path), std::string::npos) << e.formatted();
    EXPECT_NE(e.formatted().find(needle), std::string::npos) << e.formatted();
    return e;
  }
  ADD_FAILURE() << "no error; expected one containing '" << needle << "'";
  return Error("none");
}

// --- Hand-assembled pickles

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
  Asm& str(const std::string& s) { return op('X').le(s.size(), 4).raw(s); }
  Asm& integer(int64_t v) { return op('J').le(static_cast<uint64_t>(v), 4); }
  Asm& global(const std::string& module, const std::string& name) { return op('c').raw(module + "\n" + name + "\n"); }
  Asm& ints(const std::vector<int64_t>& v) {
    op('(');
    for (int64_t x : v) integer(x);
    return op('t');
  }
  [[nodiscard]] const std::string& bytes() const { return b_; }

 private:
  std::string b_;
};

struct TensorSpec {
  std::string key;
  std::string storage_class;  // e.g. "FloatStorage"
  std::string storage_key;
  int64_t storage_numel;
  int64_t offset;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// The checkpoint object {'epoch': 7, 'state_dict': OrderedDict(...), 'arch': arch,
// 'optimizer_type': torch.optim.sgd.SGD, 'optimizer': SGD(...)} with zip (5-field) or legacy
// (6-field) storage ids.
std::string checkpoint_pickle(const std::vector<TensorSpec>& tensors, bool legacy, const std::string& arch = "net",
                              bool with_state_dict = true) {
  Asm a;
  a.op(0x80).op(2).op('}').op('(');
  a.str("epoch").integer(7);
  if (with_state_dict) {
    a.str("state_dict").global("collections", "OrderedDict").op(')').op('R').op('(');
    for (const TensorSpec& t : tensors) {
      a.str(t.key).global("torch._utils", "_rebuild_tensor_v2").op('(');
      a.op('(').str("storage").global("torch", t.storage_class).str(t.storage_key).str("cpu").integer(t.storage_numel);
      if (legacy) a.op('N');
      a.op('t').op('Q');
      a.integer(t.offset).ints(t.shape).ints(t.stride).op(0x89);
      a.global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
    }
    a.op('u');
    // state_dict._metadata, as in unquantized checkpoints: BUILD with an instance dict.
    a.op('}').str("_metadata").op('}').op('s').op('b');
  }
  if (!arch.empty()) a.str("arch").str(arch);
  a.str("optimizer_type").global("torch.optim.sgd", "SGD");
  a.str("optimizer").global("torch.optim.sgd", "SGD").op(')').op('R').op('}').op('b');
  a.op('u').op('.');
  return a.bytes();
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
std::string f32s(const std::vector<float>& v, bool big = false) {
  std::string s;
  for (float f : v) {
    uint32_t bits = 0;
    std::memcpy(&bits, &f, 4);
    s += big ? be_bytes(bits, 4) : le_bytes(bits, 4);
  }
  return s;
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ai8x_ckpt_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Writes a zip (entries stored, or deflated when `compress`) with libzip.
  std::string write_zip(const std::string& name, const std::vector<std::pair<std::string, std::string>>& entries,
                        bool compress = false) const {
    const std::string path = (dir_ / name).string();
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (z == nullptr) throw std::runtime_error("zip_open failed");
    for (const auto& [entry, data] : entries) {
      zip_source_t* src = zip_source_buffer(z, data.data(), data.size(), 0);
      const zip_int64_t idx = zip_file_add(z, entry.c_str(), src, ZIP_FL_OVERWRITE);
      if (idx < 0) throw std::runtime_error("zip_file_add failed");
      zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
    }
    if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
    return path;
  }

  // A legacy stream: magic, protocol, sys_info, object, key list, then the storages.
  std::string legacy_bytes(const std::string& object, const std::vector<std::pair<std::string, std::string>>& storages,
                           const std::vector<int64_t>& counts) const {
    std::string s = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
    s += std::string("\x80\x02M\xe9\x03.", 6);  // 1001
    Asm info;
    info.op(0x80).op(2).op('}').op('(').str("protocol_version").integer(1001).str("little_endian").op(0x88);
    info.op('u').op('.');
    s += info.bytes() + object;
    Asm keys;
    keys.op(0x80).op(2).op(']').op('(');
    for (const auto& st : storages) keys.str(st.first);
    keys.op('e').op('.');
    s += keys.bytes();
    for (size_t i = 0; i < storages.size(); ++i) {
      s += le_bytes(static_cast<uint64_t>(counts[i]), 8) + storages[i].second;
    }
    return s;
  }

  fs::path dir_;
};

// --- The corpus

TEST(CheckpointCorpus, EveryCheckpointLoads) {
  std::vector<fs::path> files = checkpoints_in(kTrained);
  const std::vector<fs::path> tests = checkpoints_in(kTests);
  files.insert(files.end(), tests.begin(), tests.end());
  ASSERT_GE(files.size(), 20U);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const std::string head = slurp(f).substr(0, 4);
    const Checkpoint ck = read_checkpoint(f.string());
    // §2.1: "PK\3\4" is the zip format, 80 02 8a 0a the legacy one.
    EXPECT_EQ(ck.format, head == "PK\3\4" ? "zip" : "legacy");
    if (ck.format == "legacy") {
      EXPECT_EQ(head, "\x80\x02\x8a\x0a");
    }
    EXPECT_EQ(ck.path, f.string());
    EXPECT_TRUE(ck.arch.has_value());
    EXPECT_TRUE(ck.epoch.has_value());
    ASSERT_FALSE(ck.state_dict.empty());
    std::set<std::string> keys;
    for (const CheckpointTensor& t : ck.state_dict) {
      EXPECT_TRUE(keys.insert(t.key).second) << t.key;
      EXPECT_TRUE(t.dtype == "float32" || t.dtype == "int64") << t.key << " " << t.dtype;
      size_t numel = 1;
      for (int64_t d : t.shape) numel *= static_cast<size_t>(d);
      EXPECT_EQ(t.values.size(), numel) << t.key;
      // §2.5: quantized weights and biases hold integers (trained networks).
      const bool param = t.key.ends_with(".weight") || t.key.ends_with(".bias");
      if (param && f.parent_path() == kTrained) {
        for (double v : t.values) ASSERT_EQ(v, std::trunc(v)) << t.key;
      }
    }
  }
}

TEST(CheckpointCorpus, EveryConformanceCheckpointLoads) {
  std::set<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kShared / "conformance")) {
    const fs::path json_path = entry.path() / "case.json";
    if (!fs::exists(json_path)) continue;
    const auto j = nlohmann::json::parse(std::ifstream(json_path));
    if (j.contains("checkpoint") && j["checkpoint"].is_string()) {
      files.insert(fs::weakly_canonical(entry.path() / j["checkpoint"].get<std::string>()));
    }
  }
  EXPECT_GE(files.size(), 20U);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    const Checkpoint ck = read_checkpoint(f.string());
    EXPECT_FALSE(ck.state_dict.empty());
    // §2.4: the izer maps layers from the `weight` keys, so every file must have some.
    EXPECT_TRUE(std::any_of(ck.state_dict.begin(), ck.state_dict.end(),
                            [](const CheckpointTensor& t) { return t.key.ends_with("weight"); }));
  }
}

TEST(CheckpointCorpus, Mnist) {
  const Checkpoint ck = read_checkpoint((kTrained / "ai85-mnist-qat8-q.pth.tar").string());
  EXPECT_EQ(ck.format, "zip");
  EXPECT_EQ(ck.arch, "ai85net5");
  ASSERT_EQ(ck.state_dict.size(), 31U);
  EXPECT_EQ(ck.state_dict.front().key, "conv1.output_shift");  // §2.2 annotated excerpt
  EXPECT_EQ(ck.state_dict.back().key, "fc.op.bias");
  const CheckpointTensor& w1 = get(ck, "conv1.op.weight");
  EXPECT_EQ(w1.dtype, "float32");
  EXPECT_EQ(w1.shape, (std::vector<int64_t>{60, 1, 3, 3}));
  EXPECT_EQ(get(ck, "conv2.op.weight").shape, (std::vector<int64_t>{60, 60, 3, 3}));
  EXPECT_EQ(get(ck, "conv3.op.weight").shape, (std::vector<int64_t>{56, 60, 3, 3}));
  EXPECT_EQ(get(ck, "conv4.op.weight").shape, (std::vector<int64_t>{12, 56, 3, 3}));
  EXPECT_EQ(get(ck, "fc.op.weight").shape, (std::vector<int64_t>{10, 192}));
  for (const char* k : {"conv1.op.weight", "conv2.op.weight", "conv3.op.weight", "conv4.op.weight", "fc.op.weight"}) {
    for (double v : get(ck, k).values) {
      ASSERT_GE(v, -128) << k;
      ASSERT_LE(v, 127) << k;
    }
  }
  // §2.5: fc bias −4417..3998, not multiples of 128; the only bias.
  const CheckpointTensor& bias = get(ck, "fc.op.bias");
  EXPECT_EQ(bias.shape, std::vector<int64_t>{10});
  EXPECT_EQ(*std::min_element(bias.values.begin(), bias.values.end()), -4417);
  EXPECT_EQ(*std::max_element(bias.values.begin(), bias.values.end()), 3998);
  EXPECT_EQ(ck.find("conv1.op.bias"), nullptr);
  // §2.5: output_shift −1, −2, −2, −1, 0 and weight_bits 8.0 (float).
  const std::vector<std::string> layers = {"conv1", "conv2", "conv3", "conv4", "fc"};
  const std::vector<double> shifts = {-1, -2, -2, -1, 0};
  for (size_t i = 0; i < layers.size(); ++i) {
    const CheckpointTensor& s = get(ck, layers[i] + ".output_shift");
    EXPECT_EQ(s.shape, std::vector<int64_t>{1});  // scalars are shape (1,)
    EXPECT_EQ(s.values, std::vector<double>{shifts[i]}) << layers[i];
    EXPECT_EQ(get(ck, layers[i] + ".weight_bits").values, std::vector<double>{8.0});
  }
}

TEST(CheckpointCorpus, LegacyMnist) {
  const Checkpoint ck = read_checkpoint((kTests / "test-mnist.pth.tar").string());
  EXPECT_EQ(ck.format, "legacy");
  EXPECT_EQ(ck.arch, "ai84net5");
  // §2.5: six entries, weights and fc bias only, legacy `A.B.C` naming.
  std::vector<std::string> keys;
  for (const auto& t : ck.state_dict) keys.push_back(t.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"conv1.conv2d.weight", "conv2.conv2d.weight", "conv3.conv2d.weight",
                                            "conv4.conv2d.weight", "fc.weight", "fc.bias"}));
  EXPECT_EQ(get(ck, "conv1.conv2d.weight").shape, (std::vector<int64_t>{60, 1, 3, 3}));
  const CheckpointTensor& bias = get(ck, "fc.bias");
  EXPECT_EQ(*std::min_element(bias.values.begin(), bias.values.end()), -19);
  EXPECT_EQ(*std::max_element(bias.values.begin(), bias.values.end()), 24);
  double lo = 0;
  double hi = 0;
  for (const auto& t : ck.state_dict) {
    if (!t.key.ends_with("weight")) continue;
    lo = std::min(lo, *std::min_element(t.values.begin(), t.values.end()));
    hi = std::max(hi, *std::max_element(t.values.begin(), t.values.end()));
  }
  EXPECT_EQ(lo, -104);  // §2.5: −104..124 integers
  EXPECT_EQ(hi, 124);
}

TEST(CheckpointCorpus, Kws20SharesStoragesBetweenModuleCopies) {
  const Checkpoint ck = read_checkpoint((kTrained / "ai85-kws20_v3-qat8-q.pth.tar").string());
  EXPECT_EQ(ck.arch, "ai85kws20netv3");
  ASSERT_EQ(ck.state_dict.size(), 135U);
  // §2.4: the module.* weights come first.
  EXPECT_EQ(ck.state_dict.front().key.rfind("module.", 0), 0U);
  EXPECT_EQ(get(ck, "module.voice_conv1.op.weight").shape, (std::vector<int64_t>{100, 128, 1}));
  EXPECT_EQ(get(ck, "module.fc.op.weight").shape, (std::vector<int64_t>{21, 256}));
  // §2.5: weight_bits is int64 8 (LongStorage); shifts 1,2,2,2,1,2,2,2,3.
  const std::vector<std::string> layers = {"voice_conv1", "voice_conv2", "voice_conv3", "voice_conv4", "kws_conv1",
                                           "kws_conv2",   "kws_conv3",   "kws_conv4",   "fc"};
  const std::vector<double> shifts = {1, 2, 2, 2, 1, 2, 2, 2, 3};
  for (size_t i = 0; i < layers.size(); ++i) {
    SCOPED_TRACE(layers[i]);
    const CheckpointTensor& bits = get(ck, "module." + layers[i] + ".weight_bits");
    EXPECT_EQ(bits.dtype, "int64");
    EXPECT_EQ(bits.values, std::vector<double>{8});
    // The non-module copy shares the storage: same values.
    EXPECT_EQ(get(ck, layers[i] + ".weight_bits").values, bits.values);
    EXPECT_EQ(get(ck, "module." + layers[i] + ".output_shift").values, std::vector<double>{shifts[i]});
    // §2.4: biases exist only under the non-module names.
    EXPECT_EQ(ck.find("module." + layers[i] + ".op.bias"), nullptr);
    const CheckpointTensor& bias = get(ck, layers[i] + ".op.bias");
    for (double v : bias.values) EXPECT_EQ(std::fmod(v, 128.0), 0.0);
  }
}

TEST(CheckpointCorpus, Cifar10BiasesAreMultiplesOf128) {
  const Checkpoint ck = read_checkpoint((kTrained / "ai85-cifar10-qat8-q.pth.tar").string());
  EXPECT_EQ(ck.arch, "ai85nascifarnet");
  EXPECT_EQ(ck.state_dict.size(), 88U);
  double lo = 0;
  double hi = 0;
  size_t biases = 0;
  for (const auto& t : ck.state_dict) {
    if (!t.key.ends_with(".bias")) continue;
    ++biases;
    for (double v : t.values) {
      EXPECT_EQ(std::fmod(v, 128.0), 0.0) << t.key;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  EXPECT_GT(biases, 0U);
  EXPECT_EQ(lo, -16384);
  EXPECT_EQ(hi, 16256);
  EXPECT_EQ(get(ck, "conv1_1.op.weight").shape, (std::vector<int64_t>{64, 3, 3, 3}));
}

TEST(CheckpointCorpus, LargestCheckpointReadsQuickly) {
  fs::path largest;
  for (const fs::path& f : checkpoints_in(kTrained)) {
    if (largest.empty() || fs::file_size(f) > fs::file_size(largest)) largest = f;
  }
  const auto start = std::chrono::steady_clock::now();
  const Checkpoint ck = read_checkpoint(largest.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
  const double limit = 10.0;
#else
  const double limit = 1.0;
#endif
  EXPECT_LT(seconds, limit) << largest << " (" << fs::file_size(largest) << " bytes)";
  EXPECT_FALSE(ck.state_dict.empty());
}

// --- Synthetic zip checkpoints

TEST_F(CheckpointTest, ZipDtypesStridesOffsetsAndSharedStorages) {
  const std::vector<TensorSpec> specs = {
      // The 2x3 transpose of a row-major 3x2 storage [0..5] starting at offset 1 of 7.
      {"t.transposed", "FloatStorage", "0", 7, 1, {2, 3}, {1, 2}},
      {"t.whole", "FloatStorage", "0", 7, 0, {7}, {1}},  // same storage
      {"t.double", "DoubleStorage", "1", 2, 0, {2}, {1}},
      {"t.half", "HalfStorage", "2", 3, 0, {3}, {1}},
      {"t.long", "LongStorage", "3", 2, 0, {2}, {1}},
      {"t.int", "IntStorage", "4", 2, 0, {2}, {1}},
      {"t.short", "ShortStorage", "5", 2, 0, {2}, {1}},
      {"t.char", "CharStorage", "6", 2, 0, {1, 2}, {2, 1}},
      {"t.byte", "ByteStorage", "7", 2, 0, {2}, {1}},
      {"t.bool", "BoolStorage", "8", 3, 0, {3}, {1}},
      {"t.scalar", "FloatStorage", "9", 1, 0, {}, {}},
      {"t.broadcast", "FloatStorage", "9", 1, 0, {2, 2}, {0, 0}},
      {"t.empty", "FloatStorage", "10", 0, 0, {0, 4}, {4, 1}},
  };
  const std::string pkl = checkpoint_pickle(specs, false);
  const std::vector<std::pair<std::string, std::string>> entries = {
      {"mynet/data.pkl", pkl},
      {"mynet/byteorder", "little"},
      {"mynet/data/0", f32s({-9, 0, 1, 2, 3, 4, 5})},
      {"mynet/data/1", le_bytes(0xc059000000000000ULL, 8) + le_bytes(0x3fe0000000000000ULL, 8)},  // -100, 0.5
      {"mynet/data/2", le_bytes(0x3c00, 2) + le_bytes(0xc500, 2) + le_bytes(0x3800, 2)},          // 1, -5, 0.5
      {"mynet/data/3", le_bytes(static_cast<uint64_t>(-(int64_t{1} << 40)), 8) + le_bytes(8, 8)},
      {"mynet/data/4", le_bytes(0xfffffff9, 4) + le_bytes(70000, 4)},
      {"mynet/data/5", le_bytes(0x8000, 2) + le_bytes(0x7fff, 2)},
      {"mynet/data/6", "\x80\x7f"},
      {"mynet/data/7", "\x80\xff"},
      {"mynet/data/8", std::string("\x01\x00\x01", 3)},
      {"mynet/data/9", f32s({2.5F})},
      {"mynet/data/10", ""},
      {"mynet/version", "3\n"},
      {"mynet/.data/serialization_id", "1234567890"},
  };
  for (const bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "deflated" : "stored");
    const std::string path = write_zip("ck.pth.tar", entries, compress);
    const Checkpoint ck = read_checkpoint(path);
    EXPECT_EQ(ck.format, "zip");
    EXPECT_EQ(ck.arch, "net");
    EXPECT_EQ(ck.epoch, 7);
    ASSERT_EQ(ck.state_dict.size(), specs.size());
    for (size_t i = 0; i < specs.size(); ++i) {
      EXPECT_EQ(ck.state_dict[i].key, specs[i].key);  // insertion order
      EXPECT_EQ(ck.state_dict[i].shape, specs[i].shape);
    }
    // Storage [-9, 0, 1, 2, 3, 4, 5]; from offset 1 a 3x2 row-major matrix, read transposed.
    EXPECT_EQ(get(ck, "t.transposed").values, (std::vector<double>{0, 2, 4, 1, 3, 5}));
    EXPECT_EQ(get(ck, "t.whole").values, (std::vector<double>{-9, 0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(get(ck, "t.double").dtype, "float64");
    EXPECT_EQ(get(ck, "t.double").values, (std::vector<double>{-100, 0.5}));
    EXPECT_EQ(get(ck, "t.half").dtype, "float16");
    EXPECT_EQ(get(ck, "t.half").values, (std::vector<double>{1, -5, 0.5}));
    EXPECT_EQ(get(ck, "t.long").dtype, "int64");
    EXPECT_EQ(get(ck, "t.long").values, (std::vector<double>{-1099511627776.0, 8}));
    EXPECT_EQ(get(ck, "t.int").dtype, "int32");
    EXPECT_EQ(get(ck, "t.int").values, (std::vector<double>{-7, 70000}));
    EXPECT_EQ(get(ck, "t.short").dtype, "int16");
    EXPECT_EQ(get(ck, "t.short").values, (std::vector<double>{-32768, 32767}));
    EXPECT_EQ(get(ck, "t.char").dtype, "int8");
    EXPECT_EQ(get(ck, "t.char").values, (std::vector<double>{-128, 127}));
    EXPECT_EQ(get(ck, "t.byte").dtype, "uint8");
    EXPECT_EQ(get(ck, "t.byte").values, (std::vector<double>{128, 255}));
    EXPECT_EQ(get(ck, "t.bool").dtype, "bool");
    EXPECT_EQ(get(ck, "t.bool").values, (std::vector<double>{1, 0, 1}));
    EXPECT_EQ(get(ck, "t.scalar").values, std::vector<double>{2.5});
    EXPECT_EQ(get(ck, "t.broadcast").values, (std::vector<double>{2.5, 2.5, 2.5, 2.5}));
    EXPECT_TRUE(get(ck, "t.empty").values.empty());
  }
}

TEST_F(CheckpointTest, ZipBigEndianByteOrder) {
  const std::string pkl = checkpoint_pickle(
      {{"w", "FloatStorage", "0", 3, 0, {3}, {1}}, {"n", "LongStorage", "1", 1, 0, {1}, {1}}}, false, "");
  const std::string path = write_zip("be.pth.tar", {{"archive/data.pkl", pkl},
                                                    {"archive/byteorder", "big"},
                                                    {"archive/data/0", f32s({1.0F, -2.0F, 127.0F}, true)},
                                                    {"archive/data/1", be_bytes(static_cast<uint64_t>(-3), 8)}});
  const Checkpoint ck = read_checkpoint(path);
  EXPECT_EQ(ck.arch, std::nullopt);
  EXPECT_EQ(get(ck, "w").values, (std::vector<double>{1, -2, 127}));
  EXPECT_EQ(get(ck, "n").values, std::vector<double>{-3});
}

TEST_F(CheckpointTest, LegacySynthetic) {
  const std::string object = checkpoint_pickle({{"a.weight", "FloatStorage", "k2", 4, 0, {2, 2}, {2, 1}},
                                                {"a.bias", "LongStorage", "k1", 2, 0, {2}, {1}},
                                                {"b.weight", "FloatStorage", "k2", 4, 1, {3}, {1}}},
                                               true);
  const std::string bytes = legacy_bytes(
      object, {{"k1", le_bytes(5, 8) + le_bytes(static_cast<uint64_t>(-6), 8)}, {"k2", f32s({1, 2, 3, 4})}}, {2, 4});
  const Checkpoint ck = read_checkpoint(write("legacy.pth.tar", bytes));
  EXPECT_EQ(ck.format, "legacy");
  EXPECT_EQ(ck.epoch, 7);
  ASSERT_EQ(ck.state_dict.size(), 3U);
  EXPECT_EQ(ck.state_dict[0].key, "a.weight");
  EXPECT_EQ(get(ck, "a.weight").values, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(get(ck, "a.bias").values, (std::vector<double>{5, -6}));
  EXPECT_EQ(get(ck, "b.weight").values, (std::vector<double>{2, 3, 4}));

  // Every truncation inside the data section is an error naming the file.
  const size_t data_start = bytes.size() - (8 + 16 + 8 + 16);
  for (size_t cut = data_start; cut < bytes.size(); cut += 5) {
    const std::string path = write("cut.pth.tar", bytes.substr(0, cut));
    expect_error([&] { read_checkpoint(path); }, path, "truncated legacy data section");
  }
  // A storage the key list does not cover.
  const std::string missing = legacy_bytes(object, {{"k1", le_bytes(5, 8) + le_bytes(6, 8)}}, {2});
  const std::string p1 = write("missing.pth.tar", missing);
  const Error e = expect_error([&] { read_checkpoint(p1); }, p1, "missing from the legacy data section");
  EXPECT_EQ(e.context().key, "a.weight");
  // A key the object never references.
  const std::string extra = legacy_bytes(
      object, {{"k1", le_bytes(5, 8) + le_bytes(6, 8)}, {"k2", f32s({1, 2, 3, 4})}, {"k3", f32s({1})}}, {2, 4, 1});
  const std::string p2 = write("extra.pth.tar", extra);
  expect_error([&] { read_checkpoint(p2); }, p2, "not referenced");
  // A count larger than the file.
  const std::string huge = legacy_bytes(object, {{"k1", le_bytes(5, 8) + le_bytes(6, 8)}, {"k2", f32s({1, 2, 3, 4})}},
                                        {2, int64_t{1} << 62});
  const std::string p3 = write("huge.pth.tar", huge);
  expect_error([&] { read_checkpoint(p3); }, p3, "truncated legacy data section");
}

// --- Malformed input

TEST_F(CheckpointTest, RealFilesTruncatedOrCorrupted) {
  const std::string zip_bytes = slurp(kTrained / "ai85-mnist-qat8-q.pth.tar");
  for (size_t keep : {size_t{3}, size_t{100}, zip_bytes.size() / 2, zip_bytes.size() - 10}) {
    SCOPED_TRACE(keep);
    const std::string path = write("zip_cut.pth.tar", zip_bytes.substr(0, keep));
    expect_error([&] { read_checkpoint(path); }, path, keep < 4 ? "not a PyTorch checkpoint" : "zip archive");
  }
  // Flip a byte inside the first storage payload (stored, so libzip's CRC check catches it).
  std::string flipped = zip_bytes;
  const size_t payload = zip_bytes.find("archive/data/") + 128;
  flipped[payload] = static_cast<char>(flipped[payload] ^ 0x55);
  const std::string pf = write("flipped.pth.tar", flipped);
  EXPECT_THROW(read_checkpoint(pf), Error);

  const std::string legacy = slurp(kTests / "test-mnist.pth.tar");
  for (size_t drop : {size_t{1}, size_t{1000}, legacy.size() / 2, legacy.size() - 20}) {
    SCOPED_TRACE(drop);
    const std::string path = write("legacy_cut.pth.tar", legacy.substr(0, legacy.size() - drop));
    expect_error([&] { read_checkpoint(path); }, path, legacy.size() - drop < 20 ? "not a PyTorch" : "truncated");
  }
  std::string bad_magic = legacy;
  bad_magic[5] = 0;
  const std::string pm = write("bad_magic.pth.tar", bad_magic);
  expect_error([&] { read_checkpoint(pm); }, pm, "not a PyTorch checkpoint (neither zip nor legacy pickle)");
}

TEST_F(CheckpointTest, NotACheckpoint) {
  for (const std::string& bytes : {std::string(), std::string("hello world"), std::string("\x80\x02K\x01.", 5),
                                   std::string("\x93NUMPY\x01\x00", 8)}) {
    const std::string path = write("junk.pth.tar", bytes);
    expect_error([&] { read_checkpoint(path); }, path, "not a PyTorch checkpoint (neither zip nor legacy pickle)");
  }
  expect_error([&] { read_checkpoint((dir_ / "absent.pth.tar").string()); }, (dir_ / "absent.pth.tar").string(),
               "does not exist");
}

TEST_F(CheckpointTest, MalformedZipCheckpoints) {
  const std::string good = checkpoint_pickle({{"w", "FloatStorage", "0", 2, 0, {2}, {1}}}, false);
  struct Case {
    const char* name;
    std::vector<std::pair<std::string, std::string>> entries;
    const char* needle;
    const char* key;
  };
  const std::vector<Case> cases = {
      {"no_pkl", {{"archive/version", "3\n"}, {"archive/data/0", f32s({1, 2})}}, "has no data.pkl", "data.pkl"},
      {"two_pkl", {{"a/data.pkl", good}, {"b/data.pkl", good}}, "more than one data.pkl", "b/data.pkl"},
      {"bad_opcode",
       {{"archive/data.pkl", std::string("\x80\x02}\xff.", 5)}},
       "pickle opcode 0xff at byte offset 3 is not supported",
       "byte offset 3"},
      {"truncated_pkl", {{"archive/data.pkl", good.substr(0, good.size() / 2)}}, "truncated pickle", nullptr},
      {"missing_storage", {{"archive/data.pkl", good}}, "missing from the zip archive", "w"},
      {"short_storage", {{"archive/data.pkl", good}, {"archive/data/0", f32s({1})}}, "beyond its storage", "w"},
      {"ragged_storage",
       {{"archive/data.pkl", good}, {"archive/data/0", "12345"}},
       "multiple of the element size",
       "w"},
      {"byteorder", {{"archive/data.pkl", good}, {"archive/byteorder", "middle"}}, "unknown byte order", nullptr},
      {"no_state_dict",
       {{"archive/data.pkl", checkpoint_pickle({}, false, "net", false)}},
       "`state_dict` missing",
       "state_dict"},
      {"legacy_pid",
       {{"archive/data.pkl", checkpoint_pickle({{"w", "FloatStorage", "0", 2, 0, {2}, {1}}}, true)}},
       "5-tuple",
       nullptr},
      {"complex",
       {{"archive/data.pkl", checkpoint_pickle({{"w", "ComplexFloatStorage", "0", 1, 0, {1}, {1}}}, false)},
        {"archive/data/0", f32s({1, 2})}},
       "unsupported storage type torch.ComplexFloatStorage",
       "w"},
      {"offset",
       {{"archive/data.pkl", checkpoint_pickle({{"w", "FloatStorage", "0", 2, 2, {1}, {1}}}, false)},
        {"archive/data/0", f32s({1, 2})}},
       "beyond its storage",
       "w"},
      {"stride",
       {{"archive/data.pkl", checkpoint_pickle({{"w", "FloatStorage", "0", 2, 0, {2, 2}, {1, 1}}}, false)},
        {"archive/data/0", f32s({1, 2})}},
       "beyond its storage",
       "w"},
      {"stride_overflow",
       {{"archive/data.pkl", checkpoint_pickle({{"w", "FloatStorage", "0", 2, 0, {2, 2}, {1, 2147483647}}}, false)},
        {"archive/data/0", f32s({1, 2})}},
       "beyond its storage",
       "w"},
      {"broadcast_bomb",
       {{"archive/data.pkl",
         checkpoint_pickle({{"w", "FloatStorage", "0", 1, 0, {2147483647, 2147483647}, {0, 0}}}, false)},
        {"archive/data/0", f32s({1})}},
       "exceeds what the file can hold",
       "w"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = write_zip(std::string(c.name) + ".pth.tar", c.entries);
    const Error e = expect_error([&] { read_checkpoint(path); }, path, c.needle);
    if (c.key != nullptr) {
      EXPECT_EQ(e.context().key, c.key);
    }
  }
  // A state_dict value that is not a tensor names its key.
  Asm a;
  a.op(0x80).op(2).op('}').op('(').str("epoch").integer(1).str("state_dict").op('}').str("x.weight").integer(3);
  a.op('s').op('u').op('.');
  const std::string path = write_zip("not_tensor.pth.tar", {{"archive/data.pkl", a.bytes()}});
  const Error e = expect_error([&] { read_checkpoint(path); }, path, "not a tensor");
  EXPECT_EQ(e.context().key, "x.weight");
  // A top level that is not a dict.
  const std::string list = write_zip("list.pth.tar", {{"archive/data.pkl", "]."}});
  expect_error([&] { read_checkpoint(list); }, list, "not a dictionary");
}

}  // namespace
