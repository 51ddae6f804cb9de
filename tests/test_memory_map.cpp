// --memory-map (sim/check/memory_map.cpp): the page is well-formed XML, and the
// numbers it draws are the ones the generator's layer table and the address
// formula of hw-facts §5 give, computed here by hand from case.json.
#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "check/memory_map.hpp"
#include "compile/bias_map.hpp"
#include "compile/kernel_map.hpp"
#include "spec/build.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace ai8x;

fs::path conformance(const std::string& name) {
  return fs::path(AI8X_SHARED_DIR) / "conformance" / name;
}

struct Case {
  json meta;
  Network net;
  compile::KernelMap kernels;
  compile::BiasMap biases;
};

// The network of a known-answer case, with the generator switches these
// cases use that change placement.
Case load_case(const std::string& name) {
  const fs::path dir = conformance(name);
  std::ifstream f(dir / "case.json");
  Case c;
  c.meta = json::parse(f);
  spec::BuildInputs in;
  in.config_path = (dir / c.meta["config"].get<std::string>()).string();
  auto path = [&](const char* key) -> std::optional<std::string> {
    if (!c.meta.contains(key) || c.meta[key].is_null()) return std::nullopt;
    return (dir / c.meta[key].get<std::string>()).string();
  };
  in.checkpoint_path = path("checkpoint");
  in.sample_path = path("sample");
  in.weights_path = path("weights_npy");
  in.bias_path = path("bias_npy");
  in.device = find_device(c.meta["device"].get<std::string>());
  const auto& args = c.meta["izer_args"];
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    const std::string a = args[i].get<std::string>();
    const std::string value = args[i + 1].get<std::string>();
    if (a == "--start-layer") in.options.start_layer = std::stoi(value);
    if (a == "--weight-start") in.options.weight_start = std::stoi(value);
    if (a == "--stop-after") in.options.stop_after = std::stoi(value);
    if (a == "--max-proc") in.options.max_proc = std::stoi(value);
  }
  for (const auto& a : args) {
    if (a == "--legacy-test") in.options.legacy_test = true;
    if (a == "--avg-pool-rounding") in.options.avg_pool_rounding = true;
  }
  c.net = spec::build_network(in);
  const compile::CompileOptions opt = compile::compile_options(c.net);
  c.kernels = compile::place_kernels(c.net, opt);
  c.biases = compile::place_biases(c.net, opt);
  return c;
}

// ---- a parsed page: every element with its attributes

struct Element {
  std::string name;
  std::map<std::string, std::string> attr;
  std::string text;
  bool in_svg = false;
};

struct ParsedPage {
  bool ok = false;
  std::string errors;
  std::vector<Element> elements;
  [[nodiscard]] std::vector<const Element*> with(const std::string& key, const std::string& value) const {
    std::vector<const Element*> out;
    for (const Element& e : elements) {
      const auto it = e.attr.find(key);
      if (it != e.attr.end() && it->second == value) out.push_back(&e);
    }
    return out;
  }
};

void collect_errors(void* ctx, const char* msg, ...) {
  auto* s = static_cast<std::string*>(ctx);
  s->append(msg);
}

void walk(xmlNode* node, bool in_svg, ParsedPage& out) {
  for (xmlNode* n = node; n != nullptr; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    Element e;
    e.name = reinterpret_cast<const char*>(n->name);
    e.in_svg = in_svg || e.name == "svg";
    for (xmlAttr* a = n->properties; a != nullptr; a = a->next) {
      xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
      e.attr[reinterpret_cast<const char*>(a->name)] = v != nullptr ? reinterpret_cast<const char*>(v) : "";
      xmlFree(v);
    }
    xmlChar* t = xmlNodeGetContent(n);
    if (t != nullptr) e.text = reinterpret_cast<const char*>(t);
    xmlFree(t);
    out.elements.push_back(std::move(e));
    walk(n->children, out.elements.back().in_svg, out);
  }
}

// Strict XML: balanced tags, quoted attributes, escaped text.
ParsedPage parse(const std::string& text) {
  ParsedPage page;
  xmlSetGenericErrorFunc(&page.errors, collect_errors);
  xmlDoc* doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "page.html", "utf-8", XML_PARSE_NONET);
  xmlSetGenericErrorFunc(nullptr, nullptr);
  if (doc == nullptr) return page;
  page.ok = page.errors.empty();
  walk(xmlDocGetRootElement(doc), false, page);
  xmlFreeDoc(doc);
  return page;
}

uint64_t parse_hex(const std::string& s) {
  return std::stoull(s, nullptr, 16);
}

// ---- hand-computed data ranges (hw-facts §2, §5)

// Absolute address of byte `offset` in the data memory of processor `p`.
uint64_t sram(const std::string& device, int p, uint64_t offset) {
  const bool ai85 = device == "MAX78000";
  const uint64_t base = ai85 ? 0x50400000 : 0x51800000;
  const uint64_t quadrant = ai85 ? 0x400000 : 0x1000000;
  const uint64_t instance = ai85 ? 0x8000 : 0x20000;
  return base + static_cast<uint64_t>(p / 16) * quadrant + static_cast<uint64_t>((p % 16) / 4) * instance + offset;
}

// The j-th set bit of a processor map.
int nth_processor(uint64_t map, int j) {
  for (int p = 0; p < 64; ++p) {
    if (((map >> p) & 1U) != 0 && j-- == 0) return p;
  }
  return -1;
}

using Range = std::tuple<int, int, uint64_t, uint64_t>;  // layer, instance, first byte, last byte

std::pair<int, int> dims(const std::string& s) {  // "[28, 28]"
  int h = 0;
  int w = 0;
  std::sscanf(s.c_str(), "[%d, %d]", &h, &w);
  return {h, w};
}

int cell(const json& table, const char* field, size_t row) {
  return std::stoi(table[field][row].get<std::string>(), nullptr, 0);
}

// Every layer's output: channel o → pass o ÷ t, processor = (o mod t)-th bit of
// the output map; each instance holds rows·cols·passes words (×4 at 32 bits).
std::set<Range> expected_outputs(const json& meta) {
  const json& t = meta["layer_table"];
  const std::string device = meta["device"].get<std::string>();
  std::set<Range> out;
  for (size_t i = 0; i < t["Output offset"].size(); ++i) {
    const uint64_t map = parse_hex(t["Output processors"][i].get<std::string>());
    const int channels = cell(t, "Output channels", i);
    const int per_pass = cell(t, "Expansion threshold (out)", i);
    const int passes = cell(t, "Output expansion", i);
    const auto [h, w] = dims(t["Output dimensions"][i].get<std::string>());
    const int words = h * w * passes * (cell(t, "Output data bits", i) == 32 ? 4 : 1);
    const uint64_t offset = parse_hex(t["Output offset"][i].get<std::string>());
    for (int o = 0; o < channels; ++o) {
      const int p = nth_processor(map, o % per_pass);
      out.insert({static_cast<int>(i), p / 4, sram(device, p, offset), sram(device, p, offset + 4 * words - 1)});
    }
  }
  return out;
}

std::set<Range> expected_inputs(const json& meta) {
  const json& t = meta["layer_table"];
  const std::string device = meta["device"].get<std::string>();
  const auto& f = meta["features"];
  const bool chw = std::find(f.begin(), f.end(), "input_chw") != f.end();
  std::set<Range> out;
  for (size_t i = 0; i < t["Input offset"].size(); ++i) {
    const uint64_t map = parse_hex(t["Processor map"][i].get<std::string>());
    const int channels = cell(t, "Input channels", i);
    const int per_pass = cell(t, "Expansion threshold", i);
    const int passes = cell(t, "Input expansion", i);
    const int operands = cell(t, "Operand expansion", i);
    const auto [h, w] = dims(t["Input dimensions"][i].get<std::string>());
    // CHW: four pixels per word, one channel per instance.
    const int words = i == 0 && chw ? (h * w + 3) / 4 : h * w * passes * operands;
    const uint64_t offset = parse_hex(t["Input offset"][i].get<std::string>());
    for (int c = 0; c < channels; ++c) {
      const int p = nth_processor(map, c % per_pass);
      out.insert({static_cast<int>(i), p / 4, sram(device, p, offset), sram(device, p, offset + 4 * words - 1)});
    }
  }
  return out;
}

// The rectangles of one kind ("in", "out") in the drawings.
std::set<Range> drawn(const ParsedPage& page, const std::string& kind) {
  std::set<Range> out;
  for (const Element* e : page.with("data-kind", kind)) {
    if (!e->in_svg || e->name != "rect") continue;
    out.insert({std::stoi(e->attr.at("data-layer")), std::stoi(e->attr.at("data-instance")),
                parse_hex(e->attr.at("data-start")), parse_hex(e->attr.at("data-end"))});
  }
  return out;
}

class MemoryMapCase : public testing::TestWithParam<std::string> {};

TEST_P(MemoryMapCase, PageIsWellFormedAndDrawsTheLayerTable) {
  const Case c = load_case(GetParam());
  const std::string html = memory_map_html(c.net, c.kernels, c.biases);
  if (const char* dir = std::getenv("AI8X_MEMORY_MAP_PAGES")) {  // to look at the pages
    std::ofstream(fs::path(dir) / (GetParam() + ".html"), std::ios::binary) << html;
  }
  const ParsedPage page = parse(html);
  ASSERT_TRUE(page.ok) << page.errors;
  EXPECT_EQ(page.elements.front().name, "html");
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  // Nothing is fetched from elsewhere.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);

  const size_t layers = c.meta["layer_table"]["Output offset"].size();
  EXPECT_EQ(page.with("class", "layer").size(), layers);
  EXPECT_EQ(drawn(page, "out"), expected_outputs(c.meta));
  EXPECT_EQ(drawn(page, "in"), expected_inputs(c.meta));
  // The table lists the same ranges as the drawing: one row per rectangle.
  size_t out_rows = 0;
  for (const Element* e : page.with("data-kind", "out")) out_rows += e->name == "tr" ? 1 : 0;
  EXPECT_EQ(out_rows, expected_outputs(c.meta).size());
  for (const auto& [layer, instance, first, last] : expected_outputs(c.meta)) {
    char text[64];
    std::snprintf(text, sizeof text, "0x%08llx–0x%08llx", static_cast<unsigned long long>(first),
                  static_cast<unsigned long long>(last));
    EXPECT_NE(html.find(text), std::string::npos) << "layer " << layer << " range " << text;
  }
  // A ping-pong plan: nothing still needed is overwritten.
  EXPECT_TRUE(page.with("data-kind", "clash").empty());
}

TEST_P(MemoryMapCase, KernelExtentsAreTheLayerTables) {
  const Case c = load_case(GetParam());
  const ParsedPage page = parse(memory_map_html(c.net, c.kernels, c.biases));
  ASSERT_TRUE(page.ok) << page.errors;
  const json& t = c.meta["layer_table"];
  std::vector<int> per_processor(64, 0);
  for (size_t i = 0; i < t["Kernel offset"].size(); ++i) {
    const int column = cell(t, "Kernel offset", i);
    const int length = cell(t, "Kernel length", i);
    uint64_t covered = 0;
    for (const Element* e : page.with("data-layer", std::to_string(i))) {
      if (!e->attr.contains("data-column")) continue;
      EXPECT_EQ(std::stoi(e->attr.at("data-column")), column) << "layer " << i;
      EXPECT_EQ(std::stoi(e->attr.at("data-words")), length) << "layer " << i;
      const int first = std::stoi(e->attr.at("data-first-processor"));
      const int last = std::stoi(e->attr.at("data-last-processor"));
      for (int p = first; p <= last; ++p) {
        covered |= uint64_t{1} << p;
        per_processor[static_cast<size_t>(p)] += std::stoi(e->attr.at("data-words"));
      }
    }
    // Kernels live in the memories of the layer's input processors.
    EXPECT_EQ(covered, parse_hex(t["Processor map"][i].get<std::string>())) << "layer " << i;
  }
  for (size_t p = 0; p < 64; ++p) EXPECT_EQ(per_processor[p], c.kernels.words_used[p]) << "processor " << p;
}

std::string case_name(const testing::TestParamInfo<std::string>& param) {
  std::string n = param.param;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Shared, MemoryMapCase, testing::Values("demo85-mnist", "demo85-kws20_v3"), case_name);

// hw-facts §7: the ten 32-bit logits of mnist are at 0x50401000 (×4),
// 0x50409000 (×4) and 0x50411000 (×2); each instance reserves four words.
TEST(MemoryMap, MnistLogits) {
  const Case c = load_case("demo85-mnist");
  const ParsedPage page = parse(memory_map_html(c.net, c.kernels, c.biases));
  std::set<Range> logits;
  for (const Range& r : drawn(page, "out")) {
    if (std::get<0>(r) == 4) logits.insert(r);
  }
  const std::set<Range> expected{
      {4, 0, 0x50401000, 0x5040100f}, {4, 1, 0x50409000, 0x5040900f}, {4, 2, 0x50411000, 0x5041100f}};
  EXPECT_EQ(logits, expected);
  // Channel 8 and 9 sit in the first two words of instance 2.
  bool found = false;
  for (const Element* e : page.with("data-kind", "out")) {
    if (e->name == "tr" && e->attr.at("data-layer") == "4" && e->text.find("0x50411000") != std::string::npos) {
      found = e->text.find("ch 8 9 · ·") != std::string::npos;
    }
  }
  EXPECT_TRUE(found);
  // The layer table: bias of L4 in quadrant 0 from entry 0, one entry per output.
  const auto bias = page.with("data-quadrant", "0");
  ASSERT_EQ(bias.size(), 1U);
  EXPECT_EQ(bias[0]->attr.at("data-layer"), "4");
  EXPECT_EQ(bias[0]->attr.at("data-first"), "0");
  EXPECT_EQ(bias[0]->attr.at("data-length"), "10");
}

// kws20_v3 layer 0: 128 channels in two passes on all 64 processors; instance 0
// holds channels 0–3 in pass 0 and 64–67 in pass 1, two words per sample.
TEST(MemoryMap, KwsMultiPassLanes) {
  const Case c = load_case("demo85-kws20_v3");
  const ParsedPage page = parse(memory_map_html(c.net, c.kernels, c.biases));
  bool found = false;
  for (const Element* e : page.with("data-kind", "in")) {
    if (e->name != "tr" || e->attr.at("data-layer") != "0") continue;
    if (e->text.find("0x50400000–0x504003ff") == std::string::npos) continue;
    found = true;
    EXPECT_NE(e->text.find("pass 0: ch 0 1 2 3 | pass 1: ch 64 65 66 67"), std::string::npos) << e->text;
    EXPECT_NE(e->text.find("rows 0–127 of 128"), std::string::npos) << e->text;
  }
  EXPECT_TRUE(found);
}

// L2 of mnist writes its output where its input (L1's output) is: in place.
// When L3 also reads L1's output, the same bytes are a real clash.
TEST(MemoryMap, OverwrittenDataStandsOut) {
  Case c = load_case("demo85-mnist");
  c.net.layers[2].out_offset = 0x0000;
  c.net.layers[3].in_offset = 0x0000;
  c.net.layers[3].out_offset = 0x2000;
  c.net.layers[4].in_offset = 0x2000;
  ParsedPage page = parse(memory_map_html(c.net, c.kernels, c.biases));
  ASSERT_TRUE(page.ok) << page.errors;
  EXPECT_TRUE(page.with("data-kind", "clash").empty());
  std::set<int> instances;
  for (const Element* e : page.with("data-kind", "inplace")) {
    EXPECT_EQ(e->attr.at("data-layer"), "2");
    EXPECT_NE(e->text.find("L1's output at 0x0000–0x00ff"), std::string::npos) << e->text;
    instances.insert(std::stoi(e->attr.at("data-instance")));
  }
  // L2's 56 outputs (8×8, one word per pixel) go to instances 1..14, where L1
  // left its 60 channels (16×16).
  EXPECT_EQ(instances, (std::set<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));

  c.net.layers[3].in_sequences = {1};
  page = parse(memory_map_html(c.net, c.kernels, c.biases));
  const auto clashes = page.with("data-kind", "clash");
  EXPECT_EQ(clashes.size(), 14U);
  for (const Element* e : clashes) {
    EXPECT_EQ(e->attr.at("data-layer"), "2");
    EXPECT_NE(e->text.find("which L3 still reads"), std::string::npos) << e->text;
  }
}

TEST(MemoryMap, WithoutScript) {
  const Case c = load_case("demo85-mnist");
  MemoryMapOptions opt;
  opt.script = false;
  opt.title = "plain";
  const std::string html = memory_map_html(c.net, c.kernels, c.biases, opt);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("<title>Memory map: plain</title>"), std::string::npos);
  // Every layer section is visible without the script.
  EXPECT_EQ(html.find("<section class=\"layer\" hidden"), std::string::npos);
}

// The largest shared case (most layers) stays small.
TEST(MemoryMap, LargestCaseSize) {
  std::string largest;
  int most = -1;
  for (const auto& e : fs::directory_iterator(fs::path(AI8X_SHARED_DIR) / "conformance")) {
    std::ifstream f(e.path() / "case.json");
    if (!f) continue;
    const json j = json::parse(f);
    if (j.contains("izer_error")) continue;
    if (j.value("layers", 0) > most) {
      most = j.value("layers", 0);
      largest = e.path().filename().string();
    }
  }
  ASSERT_FALSE(largest.empty());
  const Case c = load_case(largest);
  const std::string html = memory_map_html(c.net, c.kernels, c.biases);
  EXPECT_LT(html.size(), 4U << 20) << largest;
  EXPECT_TRUE(parse(html).ok) << largest;
  const std::string svg = memory_map_svg(c.net, c.kernels, c.biases);
  EXPECT_LT(svg.size(), 1U << 20) << largest;
  EXPECT_TRUE(parse(svg).ok) << largest;
}

// docs/img/<case>-memory.svg are this code's output for the shared cases.
// AI8X_UPDATE_FIGURES=1 rewrites them (scripts/memory-map-figures.sh).
TEST(MemoryMap, DocumentationFigures) {
  const bool update = std::getenv("AI8X_UPDATE_FIGURES") != nullptr;
  for (const auto& [name, file] : std::vector<std::pair<std::string, std::string>>{
           {"demo85-mnist", "mnist-memory.svg"}, {"demo85-kws20_v3", "kws20_v3-memory.svg"}}) {
    const Case c = load_case(name);
    MemoryMapOptions opt;
    opt.title = c.net.arch + " on " + c.net.device->name;
    const std::string svg = memory_map_svg(c.net, c.kernels, c.biases, opt);
    const ParsedPage page = parse(svg);
    ASSERT_TRUE(page.ok) << name << page.errors;
    EXPECT_EQ(page.elements.front().name, "svg");
    EXPECT_LT(svg.size(), 300U * 1024) << name;
    EXPECT_EQ(drawn(page, "out"), expected_outputs(c.meta)) << name;
    const fs::path path = fs::path(AI8X_SOURCE_DIR) / "docs" / "img" / file;
    if (update) {
      fs::create_directories(path.parent_path());
      std::ofstream(path, std::ios::binary) << svg;
      continue;
    }
    std::ifstream f(path, std::ios::binary);
    ASSERT_TRUE(f) << path << " is missing: run scripts/memory-map-figures.sh";
    std::stringstream committed;
    committed << f.rdbuf();
    EXPECT_TRUE(committed.str() == svg) << path << " is out of date: run scripts/memory-map-figures.sh";
  }
}

}  // namespace

namespace {

// Every shared case: the page is well-formed and small, whatever the network,
// and shows no clash (AI8X_MEMORY_MAP_PAGES=DIR writes the pages there).
TEST(MemoryMap, EveryCase) {
  size_t pages = 0;
  for (const auto& e : fs::directory_iterator(fs::path(AI8X_SHARED_DIR) / "conformance")) {
    std::ifstream f(e.path() / "case.json");
    if (!f) continue;
    Case c;
    try {
      c = load_case(e.path().filename().string());
    } catch (const std::exception& x) {
      ADD_FAILURE() << e.path() << ": " << x.what();
      continue;
    }
    const std::string html = memory_map_html(c.net, c.kernels, c.biases);
    const ParsedPage page = parse(html);
    EXPECT_TRUE(page.ok) << e.path() << page.errors;
    EXPECT_LT(html.size(), 4U << 20) << e.path();
    if (const char* dir = std::getenv("AI8X_MEMORY_MAP_PAGES")) {  // to look at the pages
      std::ofstream(fs::path(dir) / (e.path().filename().string() + ".html"), std::ios::binary) << html;
    }
    // The generator's plans never overwrite data a later layer reads.
    EXPECT_TRUE(page.with("data-kind", "clash").empty()) << e.path();
    ++pages;
  }
  EXPECT_GT(pages, 0U);
}

}  // namespace
