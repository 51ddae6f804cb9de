// --describe --json against the generator's own per-layer table (case.json
// `layer_table`) for every known-answer case: the derivation of channels,
// dimensions, maps, offsets and shifts must agree field by field.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> case_dirs() {
  std::vector<std::string> out;
  for (const fs::path& root :
       {fs::path(AI8X_SHARED_DIR) / "conformance", fs::path(AI8X_SOURCE_DIR) / "tests" / "cases"}) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (fs::is_regular_file(e.path() / "case.json")) out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

std::string pair_text(const json& p) {
  return "[" + std::to_string(p[0].get<int>()) + ", " + std::to_string(p[1].get<int>()) + "]";
}
std::string boolean(bool b) {
  return b ? "True" : "False";
}

class DescribeMatchesGenerator : public testing::TestWithParam<std::string> {};

TEST_P(DescribeMatchesGenerator, PerLayerFacts) {
  const fs::path dir(GetParam());
  std::ifstream f(dir / "case.json");
  const json c = json::parse(f);
  if (!c.contains("layer_table")) GTEST_SKIP() << "case has no layer_table";
  const json& table = c["layer_table"];
  int status = 0;
  const std::string out =
      run(std::string(AI8X_BINARY) + " --case '" + dir.string() + "' --describe --json 2>/dev/null", &status);
  ASSERT_EQ(status, 0) << out;
  const json d = json::parse(out);
  const size_t rows = table["Operator"].size();
  // The table lists layers from the first used one; --start-layer shifts it.
  const int first = rows == d["layers"].back()["index"].get<size_t>() + 1 ? 0 : d["start_layer"].get<int>();
  for (const json& l : d["layers"]) {
    const int index = l["index"].get<int>();
    const size_t row = static_cast<size_t>(index - first);
    if (row >= rows) continue;
    auto expect = [&](const char* field, const std::string& ours) {
      if (!table.contains(field)) return;
      // The corpus table splits tuple values such as "(0, 0)" of layers that
      // never run into two entries; such a column cannot be aligned by row.
      if (table[field].size() != rows) return;
      EXPECT_EQ(table[field][row].get<std::string>(), ours) << "layer " << index << " field \"" << field << "\"";
    };
    expect("Operator", l["operator"].get<std::string>());
    expect("Activation", l["activation"].get<std::string>());
    expect("Element-wise op", l["eltwise"].get<std::string>());
    expect("Operand expansion", std::to_string(l["operands"].get<int>()));
    expect("Input channels", std::to_string(l["in_channels"].get<int>()));
    expect("Output channels", std::to_string(l["out_channels"].get<int>()));
    expect("Input dimensions", pair_text(l["in_dim"]));
    expect("Pooled dimensions", pair_text(l["pooled_dim"]));
    expect("Output dimensions", pair_text(l["out_dim"]));
    expect("Pooling", pair_text(l["pool_size"]));
    expect("Pooling stride", pair_text(l["pool_stride"]));
    expect("Padding", pair_text(l["pad"]));
    expect("Stride", pair_text(l["stride"]));
    expect("Processor map", l["processors"].get<std::string>());
    expect("Output processors", l["output_processors"].get<std::string>());
    expect("Quadrant map", l["quadrants"].get<std::string>());
    expect("Input offset", l["in_offset"].get<std::string>());
    expect("Output offset", l["out_offset"].get<std::string>());
    expect("Output shift", std::to_string(l["output_shift"].get<int>()));
    expect("Output data bits", std::to_string(l["output_width"].get<int>()));
    expect("Flatten", boolean(l["flatten"].get<bool>()));
    expect("Streaming", boolean(l["streaming"].get<bool>()));
    expect("Input expansion", std::to_string(l["in_passes"].get<int>()));
    expect("Expansion threshold", std::to_string(l["in_per_pass"].get<int>()));
    expect("Output expansion", std::to_string(l["out_passes"].get<int>()));
    expect("Expansion threshold (out)", std::to_string(l["out_per_pass"].get<int>()));
    expect("Convolution groups", std::to_string(l["groups"].get<int>()));
    expect("Output write gap", std::to_string(l["write_gap"].get<int>()));
    expect("Dilation", pair_text(l["dilation"]));
    expect("Kernel bypass", boolean(l["bypass"].get<bool>()));
    expect("Kernel offset", std::to_string(l["kernel_offset"].get<int>()));
    expect("Kernel length", std::to_string(l["kernel_length"].get<int>()));
    expect("Kernel count", std::to_string(l["kernel_count"].get<int>()));
    expect("Quadrant with bias", l["bias_quadrant"].get<std::string>());
    expect("Bias offset", l["bias_offsets"].get<std::string>());
  }
}

std::string case_name(const testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).filename().string();
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, DescribeMatchesGenerator, testing::ValuesIn(case_dirs()), case_name);

}  // namespace
