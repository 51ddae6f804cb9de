// Replays every fuzzing finding (tests/fuzz_regressions/<target>/<file>) through the same entry
// point its fuzz target uses (fuzz/fuzz_targets.hpp). A reproducer must not crash and must end
// in ai8x::Error (a clean rejection), unless its name starts with "accept-", in which case the
// reader must parse it. Build with -DAI8X_SANITIZE=ON to replay under ASan and UBSan as the
// fuzzers do. Below the replay, direct checks of what each fix changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "check/expected.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "fuzz_targets.hpp"
#include "io/checkpoint.hpp"
#include "io/pickle.hpp"
#include "io/yaml_value.hpp"
#include "spec/network_yaml.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = AI8X_FUZZ_REGRESSIONS_DIR;

struct Reproducer {
  std::string target;
  fs::path file;
};

std::vector<Reproducer> all_reproducers() {
  std::vector<Reproducer> out;
  if (!fs::is_directory(kRegressions)) return out;
  for (const auto& dir : fs::directory_iterator(kRegressions)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.is_regular_file()) out.push_back({dir.path().filename().string(), f.path()});
    }
  }
  std::sort(out.begin(), out.end(), [](const Reproducer& a, const Reproducer& b) { return a.file < b.file; });
  return out;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const fs::path& path) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

const ai8x::fuzz::NamedTarget* find_target(const std::string& name) {
  for (const auto& t : ai8x::fuzz::all_targets()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

class FuzzRegression : public ::testing::TestWithParam<Reproducer> {};

TEST_P(FuzzRegression, ReplaysCleanly) {
  const Reproducer& r = GetParam();
  const ai8x::fuzz::NamedTarget* target = find_target(r.target);
  ASSERT_NE(target, nullptr) << "tests/fuzz_regressions/" << r.target << " does not name a fuzz target";
  const std::vector<uint8_t> bytes = read_bytes(r.file);
  ai8x::fuzz::Outcome outcome = ai8x::fuzz::Outcome::kRejected;
  // Anything but ai8x::Error (caught inside the target) escapes and fails here.
  ASSERT_NO_THROW(outcome = target->run(bytes.data(), bytes.size()));
  const bool accept = r.file.filename().string().starts_with("accept-");
  EXPECT_EQ(outcome, accept ? ai8x::fuzz::Outcome::kParsed : ai8x::fuzz::Outcome::kRejected);
}

std::string test_name(const ::testing::TestParamInfo<Reproducer>& info) {
  std::string name = info.param.target + "_" + info.param.file.filename().string();
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Findings, FuzzRegression, ::testing::ValuesIn(all_reproducers()), test_name);

TEST(FuzzRegressions, EveryTargetIsKnownAndTheSetIsNotEmpty) {
  const auto reproducers = all_reproducers();
  ASSERT_FALSE(reproducers.empty()) << "no reproducers under " << kRegressions;
  for (const auto& r : reproducers) EXPECT_NE(find_target(r.target), nullptr) << r.target;
}

// --- What the fixes changed, checked directly.

// Throws the ai8x::Error of `f`, or fails the test.
template <typename F>
ai8x::Error error_of(F&& f) {
  try {
    f();
  } catch (const ai8x::Error& e) {
    return e;
  }
  ADD_FAILURE() << "no ai8x::Error thrown";
  return ai8x::Error("none");
}

TEST(FuzzFixes, Base60IntegersStopAtInt64) {
  // YAML 1.1 sexagesimal integers (the spec's own example: 190:20:30 is 685230).
  const auto ok = ai8x::io::resolve_plain_scalar("190:20:30");
  EXPECT_EQ(ok.kind, ai8x::io::YamlValue::Kind::Int);
  EXPECT_EQ(ok.i, 685230);
  EXPECT_EQ(ai8x::io::resolve_plain_scalar("-1:30").i, -90);
  // 60^11 does not fit in int64: the scalar is not an int (it used to overflow, UB).
  const auto big = ai8x::io::resolve_plain_scalar("1:00:00:00:00:00:00:00:00:00:00:00");
  EXPECT_EQ(big.kind, ai8x::io::YamlValue::Kind::String);
}

TEST(FuzzFixes, AliasExpansionIsBounded) {
  const std::string text = read_text(kRegressions / "network_yaml" / "alias-expansion-bomb");
  const ai8x::Error e = error_of([&] { (void)ai8x::io::parse_yaml(text, "bomb.yaml"); });
  EXPECT_NE(e.message().find("expands"), std::string::npos) << e.message();
  // The same with one long scalar repeated: few values, but 10^8 copies of 8000 bytes.
  const std::string scalars = read_text(kRegressions / "network_yaml" / "alias-long-scalar-bomb");
  const ai8x::Error e2 = error_of([&] { (void)ai8x::io::parse_yaml(scalars, "bomb.yaml"); });
  EXPECT_NE(e2.message().find("expands"), std::string::npos) << e2.message();
  // A modest use of aliases still works: 3 references to a 3-element list.
  const auto doc = ai8x::io::parse_yaml("a: &x [1, 2, 3]\nb: [*x, *x, *x]\n", "ok.yaml");
  ASSERT_EQ(doc.find("b")->seq.size(), 3u);
  EXPECT_EQ(doc.find("b")->seq[2].seq[2].i, 3);
}

TEST(FuzzFixes, LayerNumbersDoNotWrapAround) {
  const ai8x::Device& dev = ai8x::max78000();
  // The first wrapped to slot 0; the second (layer 2 of 2, 2^31) overflowed int when the
  // skipped layer was subtracted.
  struct Case {
    const char* name;
    int skip;
  };
  for (const Case c : {Case{"sequence-2p32-wraps-to-0", 0}, Case{"sequence-2p31-minus-skip-overflow", 0},
                       Case{"sequence-2p31-minus-skip-overflow", 1}}) {
    const auto doc = ai8x::io::parse_yaml(read_text(kRegressions / "network_yaml" / c.name), c.name);
    const ai8x::Error e = error_of([&] { (void)ai8x::spec::parse_network_yaml(doc, c.name, dev, c.skip); });
    EXPECT_EQ(e.context().key, "sequence") << c.name << ": " << e.message();
  }
  const char* name = "in-sequences-2p32-wraps-to-0";
  const auto doc = ai8x::io::parse_yaml(read_text(kRegressions / "network_yaml" / name), name);
  const ai8x::Error e = error_of([&] { (void)ai8x::spec::parse_network_yaml(doc, name, dev, 0); });
  EXPECT_EQ(e.context().key, "in_sequences") << e.message();
  EXPECT_NE(e.message().find("4294967296"), std::string::npos) << e.message();
}

TEST(FuzzFixes, LegacyStorageWithTwoTypesIsRejected) {
  const auto bytes = read_bytes(kRegressions / "checkpoint" / "legacy-storage-two-types");
  const ai8x::Error e = error_of([&] { (void)ai8x::io::read_checkpoint_bytes(bytes, "two-types.pth.tar"); });
  EXPECT_EQ(e.context().key, "k") << e.message();
  EXPECT_NE(e.message().find("torch.CharStorage"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("torch.DoubleStorage"), std::string::npos) << e.message();
}

TEST(FuzzFixes, RepeatedLongDictKeyIsHashedOnce) {
  // {s: s, s: s, ...}: one 1 MiB string memoized, then 2^18 entries that GET it back. Hashing
  // the key per entry was 256 GiB of work; the reader must see one entry, quickly.
  const size_t length = size_t{1} << 20;
  const size_t entries = size_t{1} << 18;
  std::vector<uint8_t> p = {0x80, 2, 'X'};
  for (int b = 0; b < 4; ++b) p.push_back(static_cast<uint8_t>(length >> (8 * b)));
  p.insert(p.end(), length, 'a');
  for (const char op : {'q', '\0', '0', '}', '(', 'h', '\0'}) {  // BINPUT 0, POP, {, MARK, GET 0
    p.push_back(static_cast<uint8_t>(op));
  }
  p.insert(p.end(), 2 * entries - 1, '2');  // DUP: key, value, key, ...
  p.push_back('u');                         // SETITEMS
  p.push_back('.');
  const auto start = std::chrono::steady_clock::now();
  const auto pickle = ai8x::io::pickle::unpickle(p.data(), p.size(), {.file = "dup.pkl"});
  const auto items = pickle.dict_items(pickle.root);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(pickle.at(items[0].first).text.size(), length);
  EXPECT_LT(seconds, 10.0);
}

TEST(FuzzFixes, ExpectedJsonErrorsAreAi8xErrors) {
  const ai8x::Error overflow = error_of([] { (void)ai8x::parse_expected_json("1E622", "e.json"); });
  EXPECT_NE(overflow.message().find("invalid JSON"), std::string::npos) << overflow.message();
  const std::string deep = read_text(kRegressions / "expected_json" / "nesting-25000-dumped-into-message");
  const ai8x::Error nesting = error_of([&] { (void)ai8x::parse_expected_json(deep, "e.json"); });
  EXPECT_NE(nesting.message().find("nesting"), std::string::npos) << nesting.message();
  // A wrong value is quoted briefly, never dumped whole.
  const ai8x::Error wrong = error_of(
      [] { (void)ai8x::parse_expected_json(R"({"checks": [{"addr": [1, 2], "mask": 1, "words": []}]})", "e.json"); });
  EXPECT_EQ(wrong.context().key, "checks[0].addr");
  EXPECT_NE(wrong.message().find("an array"), std::string::npos) << wrong.message();
}

}  // namespace
