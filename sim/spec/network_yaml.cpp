#include "spec/network_yaml.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "core/error.hpp"

namespace ai8x::spec {

namespace {

using io::YamlValue;

const std::set<std::string> kTopKeys = {"arch",       "dataset", "layers",      "weights", "bias",
                                        "output_map", "unload",  "data_buffer", "snoop"};

const std::set<std::string> kLayerKeys = {"max_pool",
                                          "avg_pool",
                                          "convolution",
                                          "conv_groups",
                                          "dilation",
                                          "groups",
                                          "in_channels",
                                          "in_dim",
                                          "in_sequences",
                                          "in_skip",
                                          "in_channel_skip",
                                          "in_offset",
                                          "kernel_size",
                                          "pool_stride",
                                          "out_channels",
                                          "out_offset",
                                          "activate",
                                          "activation",
                                          "data_format",
                                          "eltwise",
                                          "flatten",
                                          "op",
                                          "operands",
                                          "operation",
                                          "operator",
                                          "output_processors",
                                          "output_width",
                                          "output_shift",
                                          "pool_first",
                                          "processors",
                                          "pad",
                                          "quantization",
                                          "next_sequence",
                                          "snoop_sequence",
                                          "simulated_sequence",
                                          "sequence",
                                          "streaming",
                                          "stride",
                                          "write_gap",
                                          "bypass",
                                          "bias_group",
                                          "bias_quadrant",
                                          "calcx4",
                                          "readahead",
                                          "name",
                                          "pool_dilation",
                                          "output_pad",
                                          "tcalc",
                                          "read_gap",
                                          "output",
                                          "weight_source",
                                          "buffer_shift",
                                          "buffer_insert",
                                          "in_crop"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Reads the keys of one layer, with the file/layer/key context attached to
// every error it raises.
class LayerReader {
 public:
  LayerReader(const YamlValue& node, const std::string& file, int sequence)
      : node_(node), file_(file), sequence_(sequence) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    const YamlValue* v = key.empty() ? nullptr : node_.find(key);
    const int line = v != nullptr ? v->line : node_.line;
    throw Error({.file = file_, .layer = sequence_, .key = key}, message + " (line " + std::to_string(line) + ")");
  }

  [[nodiscard]] const YamlValue* get(const std::string& key) const { return node_.find(key); }
  [[nodiscard]] bool has(const std::string& key) const { return node_.has(key); }

  // The first of `aliases` present; more than one present is an error.
  [[nodiscard]] const char* alias(std::initializer_list<const char*> aliases) const {
    const char* found = nullptr;
    for (const char* a : aliases) {
      if (!has(a)) continue;
      if (found != nullptr) {
        std::string all;
        for (const char* b : aliases) all += std::string(all.empty() ? "" : "/") + "`" + b + "`";
        fail(a, "duplicate key for " + all);
      }
      found = a;
    }
    return found;
  }

  [[nodiscard]] int64_t integer(const std::string& key) const {
    const YamlValue& v = *get(key);
    if (v.kind == YamlValue::Kind::Int) return v.i;
    if (v.kind == YamlValue::Kind::Bool) return v.b ? 1 : 0;  // Python: True is 1
    fail(key, "expected an integer, found " + v.describe());
  }

  [[nodiscard]] int small_int(const std::string& key, int64_t lo, int64_t hi) const {
    const int64_t v = integer(key);
    if (v < lo || v > hi) {
      fail(key,
           "value " + std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return static_cast<int>(v);
  }

  [[nodiscard]] bool boolean(const std::string& key) const { return get(key)->truthy(); }

  [[nodiscard]] std::string string(const std::string& key) const {
    const YamlValue& v = *get(key);
    if (v.kind == YamlValue::Kind::String) return v.s;
    if (v.kind == YamlValue::Kind::Null) fail(key, "expected a string, found null");
    if (v.kind == YamlValue::Kind::Seq || v.kind == YamlValue::Kind::Map)
      fail(key, "expected a string, found " + v.describe());
    // The izer calls .lower() on these values; a number or boolean crashes it.
    fail(key, "expected a string, found " + v.describe());
  }

  // int n -> [n, n]; [a, b] -> [a, b].
  [[nodiscard]] Pair pair(const std::string& key, int64_t lo, int64_t hi, bool scalar_is_length = false) const {
    const YamlValue& v = *get(key);
    auto check = [&](const YamlValue& e) {
      if (e.kind != YamlValue::Kind::Int)
        fail(key, "expected an integer or a list of two integers, found " + v.describe());
      if (e.i < lo || e.i > hi) {
        fail(key, "value " + std::to_string(e.i) + " is out of range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
      }
      return static_cast<int>(e.i);
    };
    if (v.kind == YamlValue::Kind::Seq) {
      if (v.seq.size() != 2)
        fail(key, "expected a list of two values [rows, columns], found " + std::to_string(v.seq.size()) + " values");
      return {check(v.seq[0]), check(v.seq[1])};
    }
    const int n = check(v);
    return scalar_is_length ? Pair{n, 1} : Pair{n, n};
  }

  // Processor maps: an int, or a hex string with optional dots/underscores.
  [[nodiscard]] uint64_t processor_map(const std::string& key) const {
    const YamlValue& v = *get(key);
    if (v.kind == YamlValue::Kind::Int || v.kind == YamlValue::Kind::Bool) {
      const int64_t i = v.kind == YamlValue::Kind::Bool ? (v.b ? 1 : 0) : v.i;
      if (i == 0) fail(key, "processor map must not be zero");
      if (v.kind == YamlValue::Kind::Int && v.i < 0 && v.s.find('-') != std::string::npos) {
        fail(key, "processor map must be an integer from 1 to 2**64-1, found " + v.s);
      }
      return static_cast<uint64_t>(i);
    }
    if (v.kind == YamlValue::Kind::String) {
      std::string hex;
      for (char c : v.s) {
        if (c != '.' && c != '_') hex += c;
      }
      if (hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex = hex.substr(2);
      if (hex.empty() || hex.size() > 16 ||
          !std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c) != 0; })) {
        fail(key, "processor map \"" + v.s + "\" is not a hexadecimal number of at most 64 bits");
      }
      const uint64_t m = std::stoull(hex, nullptr, 16);
      if (m == 0) fail(key, "processor map must not be zero");
      return m;
    }
    fail(key, "processor map must be an integer or a hex string, found " + v.describe());
  }

  // Layer references: an int, a name, or a list of them (names resolved later).
  struct Ref {
    bool is_name = false;
    int64_t number = 0;
    std::string name;
  };
  [[nodiscard]] std::vector<Ref> refs(const std::string& key) const {
    const YamlValue& v = *get(key);
    std::vector<Ref> out;
    auto one = [&](const YamlValue& e) {
      if (e.kind == YamlValue::Kind::Int)
        out.push_back({false, e.i, {}});
      else if (e.kind == YamlValue::Kind::String)
        out.push_back({true, 0, lower(e.s)});
      else
        fail(key, "expected a layer number or name, found " + e.describe());
    };
    if (v.kind == YamlValue::Kind::Seq) {
      if (v.seq.empty()) fail(key, "empty list");
      for (const auto& e : v.seq) one(e);
    } else {
      one(v);
    }
    return out;
  }

 private:
  const YamlValue& node_;
  const std::string& file_;
  int sequence_;
};

struct PendingRefs {
  std::optional<std::vector<LayerReader::Ref>> in_sequences;
  std::optional<LayerReader::Ref> next_sequence;
  std::optional<LayerReader::Ref> simulated_sequence;
  std::optional<LayerReader::Ref> weight_source;
};

void read_operator(const LayerReader& r, YamlLayer& l) {
  const char* key = r.alias({"convolution", "operation", "operator", "op"});
  if (key == nullptr) return;  // the izer defaults to Conv2d with a warning
  const std::string v = lower(r.string(key));
  auto eltwise_op = [&](Eltwise e) {
    l.op = Op::Passthrough;
    l.eltwise = e;
    l.operands = 2;
    l.pad = {0, 0};
  };
  if (v == "conv1d") {
    l.op = Op::Conv1d;
  } else if (v == "conv2d") {
    l.op = Op::Conv2d;
  } else if (v == "convtranspose2d") {
    l.op = Op::ConvTranspose2d;
  } else if (v == "none" || v == "passthrough") {
    l.op = Op::Passthrough;
    l.pad = {0, 0};
  } else if (v == "add") {
    eltwise_op(Eltwise::Add);
  } else if (v == "sub") {
    eltwise_op(Eltwise::Sub);
  } else if (v == "or" || v == "bitwiseor" || v == "bitwise_or") {
    eltwise_op(Eltwise::Or);
  } else if (v == "xor" || v == "bitwisexor" || v == "bitwise_xor") {
    eltwise_op(Eltwise::Xor);
  } else if (v == "linear" || v == "fc" || v == "mlp") {
    l.op = Op::Linear;
    l.kernel = {1, 1};
    l.pad = {0, 0};
  } else {
    r.fail(key,
           "unknown operator \"" + r.string(key) +
               "\" (expected Conv1d, Conv2d, ConvTranspose2d, Linear/FC/MLP, None/Passthrough, Add, Sub, Or, Xor)");
  }
}

void read_kernel_size(const LayerReader& r, YamlLayer& l) {
  if (!r.has("kernel_size")) {
    if (l.op == Op::Conv1d) l.kernel = {9, 1};
    return;
  }
  if (l.op == Op::Linear) r.fail("kernel_size", "cannot configure `kernel_size` for fully connected layers");
  const YamlValue& v = *r.get("kernel_size");
  std::string text = v.kind == YamlValue::Kind::Int ? std::to_string(v.i) : lower(v.s);
  if (l.op == Op::Conv2d || l.op == Op::ConvTranspose2d) {
    const bool ok = l.op == Op::Conv2d ? (text == "1x1" || text == "3x3") : text == "3x3";
    if (!ok || v.kind != YamlValue::Kind::String) {
      r.fail("kernel_size", "unsupported value `" + text + "` (" + to_string(l.op) + " supports " +
                                (l.op == Op::Conv2d ? "\"1x1\" or \"3x3\"" : "\"3x3\"") + ")");
    }
    l.kernel = {text[0] - '0', text[2] - '0'};
    return;
  }
  int k = 0;
  try {
    size_t used = 0;
    k = std::stoi(text, &used);
    if (used != text.size()) k = 0;
  } catch (const std::exception&) {
    k = 0;
  }
  if (k < 1 || k > 9) r.fail("kernel_size", "unsupported value `" + text + "` (1-D kernels are 1 to 9 long)");
  l.kernel = {k, 1};
}

YamlLayer read_layer(const YamlValue& node, const std::string& file, int sequence, const Device& dev,
                     PendingRefs& pending) {
  LayerReader r(node, file, sequence);
  YamlLayer l;
  l.sequence = sequence;
  l.line = node.line;

  if (!node.is_map()) r.fail("", "a layer must be a mapping of keys, found " + node.describe());
  std::vector<std::string> unknown;
  for (const auto& kv : node.map) {
    if (kLayerKeys.count(kv.first) == 0) unknown.push_back(kv.first);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "`" : ", `") + u + "`";
    r.fail(unknown.front(), "unknown key(s) " + list + " in layer");
  }

  if (!r.has("processors")) r.fail("processors", "`processors` must not be zero or missing");
  l.processors = r.processor_map("processors");
  if (r.has("output_processors")) l.output_processors = r.processor_map("output_processors");

  if (r.has("max_pool")) {
    l.pool = PoolKind::Max;
    l.pool_size = r.pair("max_pool", 1, 1 << 20);
  } else if (r.has("avg_pool")) {
    l.pool = PoolKind::Avg;
    l.pool_size = r.pair("avg_pool", 1, 1 << 20);
  }
  bool pool_stride_given = false;
  if (r.has("pool_stride")) {
    l.pool_stride = r.pair("pool_stride", 1, 1 << 20);
    pool_stride_given = true;
  }
  if (r.has("quantization")) {
    const YamlValue& q = *r.get("quantization");
    if (q.kind == YamlValue::Kind::String && (lower(q.s) == "bin" || lower(q.s) == "binary")) {
      l.quantization = -1;
    } else if (q.kind == YamlValue::Kind::Int && (q.i == 1 || q.i == 2 || q.i == 4 || q.i == 8)) {
      l.quantization = static_cast<int>(q.i);
    } else {
      r.fail("quantization", "`quantization` must be 1, 2, 4, 8 or bin/binary, found " + q.describe());
    }
  }
  if (r.has("output_shift")) l.output_shift = r.small_int("output_shift", -1000, 1000);
  if (r.has("in_channels")) l.in_channels = r.small_int("in_channels", 1, 1 << 24);
  if (r.has("in_dim")) l.in_dim = r.pair("in_dim", 1, 1 << 20, true);
  if (r.has("in_crop")) l.in_crop = r.pair("in_crop", 0, 1 << 20);
  if (const char* k = r.alias({"in_skip", "read_gap"})) l.read_gap = r.small_int(k, 0, 1 << 16);
  if (r.has("in_channel_skip")) l.in_channel_skip = r.small_int("in_channel_skip", 0, 1 << 16);
  if (r.has("in_offset")) l.in_offset = static_cast<uint32_t>(r.small_int("in_offset", 0, 0x7fffffff));
  if (r.has("out_channels")) l.out_channels = r.small_int("out_channels", 1, 1 << 24);
  if (r.has("out_offset")) {
    const int64_t v = r.integer("out_offset");
    if (v < 0 || v >= static_cast<int64_t>(dev.max_out_offset)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "0x%x", dev.max_out_offset);
      r.fail("out_offset", "unsupported value " + std::to_string(v) + "; " + dev.name + " supports 0 to " + buf);
    }
    l.out_offset = static_cast<uint32_t>(v);
  }
  if (const char* k = r.alias({"activate", "activation"})) {
    const std::string a = lower(r.string(k));
    if (a == "relu")
      l.activation = Activation::ReLU;
    else if (a == "abs")
      l.activation = Activation::Abs;
    else if (a == "none")
      l.activation = Activation::None;
    else
      r.fail(k, "unknown activation \"" + r.string(k) + "\" (expected ReLU, Abs or None)");
  }
  l.pad_is_default = true;
  read_operator(r, l);
  if (l.op == Op::Passthrough || l.op == Op::Linear) l.pad_is_default = false;
  if (r.has("pad")) {
    const int p = r.small_int("pad", -1000, 1000);
    if (p < 0) r.fail("pad", "unsupported value " + std::to_string(p) + " for `pad`");
    l.pad = {p, p};
    l.pad_is_default = false;
  }
  if (r.has("dilation")) {
    l.dilation = r.pair("dilation", 1, 1 << 16);
    if (l.op == Op::Passthrough) r.fail("dilation", "`dilation` requires a convolution operator");
  }
  if (r.has("eltwise")) {
    const std::string e = lower(r.string("eltwise"));
    if (e == "add")
      l.eltwise = Eltwise::Add;
    else if (e == "sub")
      l.eltwise = Eltwise::Sub;
    else if (e == "or")
      l.eltwise = Eltwise::Or;
    else if (e == "xor")
      l.eltwise = Eltwise::Xor;
    else
      r.fail("eltwise", "unknown element-wise operation \"" + r.string("eltwise") + "\" (expected add, sub, or, xor)");
    l.operands = 2;
  }
  if (r.has("pool_first")) l.pool_first = r.boolean("pool_first");
  if (r.has("operands")) {
    if (l.eltwise == Eltwise::None) r.fail("operands", "`operands` can only be used with element-wise operations");
    l.operands = r.small_int("operands", -1000, 1000);
    if (l.operands < 2 || l.operands > 16) r.fail("operands", "`operands` has to be 2..16");
  }
  if (r.has("data_format")) {
    const std::string f = lower(r.string("data_format"));
    if (f == "chw" || f == "big")
      l.chw = true;
    else if (f != "hwc" && f != "little")
      r.fail("data_format", "unknown value \"" + r.string("data_format") + "\" (expected HWC or CHW)");
  }
  if (r.has("output_width")) {
    const int64_t w = r.integer("output_width");
    if (w != 8 && w != 32) r.fail("output_width", "`output_width` must be 8 or 32");
    l.output_width = static_cast<int>(w);
  }
  read_kernel_size(r, l);
  if (r.has("stride")) {
    const Pair s = r.pair("stride", 1, 1 << 16);
    if (s[0] != s[1]) r.fail("stride", "`stride` values must be equal in both dimensions");
    if (l.pool != PoolKind::None) {
      if (s[0] != 1) r.fail("stride", "cannot set `stride` to a value other than 1 when pooling (use `pool_stride`)");
    } else {
      if (l.op == Op::ConvTranspose2d && s[0] != 2) r.fail("stride", "ConvTranspose2d supports only `stride: 2`");
      l.stride = s;
    }
  }
  if (r.has("streaming")) l.streaming = r.boolean("streaming");
  if (r.has("flatten")) l.flatten = r.boolean("flatten");
  if (r.has("in_sequences")) pending.in_sequences = r.refs("in_sequences");
  if (r.has("next_sequence")) {
    auto refs = r.refs("next_sequence");
    if (refs.size() != 1) r.fail("next_sequence", "expected one layer number, name or `stop`");
    pending.next_sequence = refs[0];
  }
  if (const char* k = r.alias({"conv_groups", "groups"})) {
    l.groups = r.small_int(k, 1, 4096);
    if (l.groups > 1 && !dev.depthwise)
      r.fail(k, "convolution groups > 1 (depthwise) are not supported on " + dev.name);
  }
  if (r.has("write_gap")) l.write_gap = r.small_int("write_gap", 0, 1 << 16);
  if (r.has("bypass")) l.bypass = r.boolean("bypass");
  if (const char* k = r.alias({"bias_group", "bias_quadrant"})) {
    const YamlValue& v = *r.get(k);
    if (v.kind == YamlValue::Kind::Seq) {
      for (const auto& e : v.seq) {
        if (e.kind != YamlValue::Kind::Int || e.i < 0 || e.i > 3) r.fail(k, "bias groups are quadrant numbers 0..3");
        l.bias_group.push_back(static_cast<int>(e.i));
      }
    } else {
      l.bias_group.push_back(r.small_int(k, 0, 3));
    }
  }
  if (r.has("calcx4")) l.calcx4 = r.boolean("calcx4");
  for (const char* k : {"readahead", "tcalc"}) {
    if (r.has(k)) (void)r.boolean(k);
  }
  if (r.has("pool_dilation")) {
    l.pool_dilation = r.pair("pool_dilation", 1, 1 << 16);
    if (l.pool == PoolKind::None) r.fail("pool_dilation", "`pool_dilation` requires pooling");
  }
  if (r.has("output_pad")) {
    const int p = r.small_int("output_pad", -1000, 1000);
    if (p < 0) r.fail("output_pad", "unsupported value " + std::to_string(p) + " for `output_pad`");
    l.output_pad = p;
  } else if (l.op == Op::ConvTranspose2d) {
    l.output_pad = 1;
  }
  if (r.has("output")) l.output = r.boolean("output");
  if (r.has("name")) {
    l.name = r.string("name");
    const std::string n = lower(l.name);
    if (n == "stop" || n == "input") r.fail("name", "`" + l.name + "` is a reserved name");
  }
  if (r.has("weight_source")) {
    auto refs = r.refs("weight_source");
    if (refs.size() != 1) r.fail("weight_source", "expected one layer number or name");
    pending.weight_source = refs[0];
  }
  if (r.has("buffer_shift") || r.has("buffer_insert")) {
    r.fail(r.has("buffer_shift") ? "buffer_shift" : "buffer_insert",
           "data buffers (`buffer_shift`/`buffer_insert`) are not supported by ai8xsim yet");
  }
  if (r.has("simulated_sequence") || r.has("snoop_sequence")) {
    if (!dev.link_layer)
      r.fail(r.has("simulated_sequence") ? "simulated_sequence" : "snoop_sequence", "not supported on " + dev.name);
  }
  if (r.has("simulated_sequence")) {
    auto refs = r.refs("simulated_sequence");
    if (refs.size() != 1) r.fail("simulated_sequence", "expected one layer number, name or `stop`");
    pending.simulated_sequence = refs[0];
  }

  // Per-operator fix-ups (conventions §1.5).
  if (l.op == Op::Conv1d) {
    l.pad[1] = 0;
    l.pool_size[1] = 1;
    l.pool_stride[1] = 1;
    l.stride[1] = 1;
    l.dilation[1] = 1;
    l.pool_dilation[1] = 1;
  } else if (l.op == Op::Passthrough) {
    l.kernel = {1, 1};
  } else if (l.op == Op::ConvTranspose2d) {
    l.stride = {2, 2};
  }
  if (!pool_stride_given && l.op != Op::Conv1d) l.pool_stride = {1, 1};
  if (!l.pool_first && (l.operands == 1 || (l.pool_size[0] == 1 && l.pool_size[1] == 1))) {
    r.fail("pool_first", "`pool_first: False` requires both pooling and an element-wise operation");
  }
  return l;
}

int resolve_ref(const LayerReader::Ref& ref, const std::vector<YamlLayer>& layers, const std::string& data_buffer,
                int skip, const std::string& file, int sequence, const std::string& key) {
  if (!ref.is_name) {
    // Checked in 64 bits: a number beyond int must not wrap around into a valid layer.
    int64_t n = 0;
    if (__builtin_sub_overflow(ref.number, ref.number >= 0 ? skip : 0, &n) || n < std::numeric_limits<int>::min() ||
        n > std::numeric_limits<int>::max()) {
      throw Error({.file = file, .layer = sequence, .key = key},
                  "layer " + std::to_string(ref.number) + " does not exist");
    }
    return static_cast<int>(n);
  }
  if (ref.name == "input") return -1;
  for (const auto& l : layers) {
    if (!l.name.empty() && lower(l.name) == ref.name) return l.sequence;
  }
  if (!data_buffer.empty() && ref.name == data_buffer) return -2;
  throw Error({.file = file, .layer = sequence, .key = key}, "no layer is named `" + ref.name + "`");
}

}  // namespace

NetworkYaml parse_network_yaml(const YamlValue& doc, const std::string& file, const Device& dev, int skip_layers) {
  NetworkYaml net;
  net.file = file;
  if (!doc.is_map())
    throw Error({.file = file}, "the network description must be a YAML mapping with `arch`, `dataset` and `layers`");
  for (const auto& kv : doc.map) {
    if (kTopKeys.count(kv.first) == 0) {
      throw Error({.file = file, .key = kv.first},
                  "unknown top-level key (line " + std::to_string(kv.second.line) +
                      "); accepted: arch, dataset, layers, weights, bias, output_map, unload, data_buffer, snoop");
    }
  }
  for (const char* k : {"layers", "arch", "dataset"}) {
    if (!doc.has(k))
      throw Error({.file = file, .key = k}, "the network description must contain `layers`, `arch` and `dataset`");
  }
  auto top_string = [&](const char* key) {
    const YamlValue& v = *doc.find(key);
    if (v.kind == YamlValue::Kind::Seq || v.kind == YamlValue::Kind::Map || v.kind == YamlValue::Kind::Null) {
      throw Error({.file = file, .key = key}, "expected a name, found " + v.describe());
    }
    return v.s;
  };
  net.arch = top_string("arch");
  net.dataset = top_string("dataset");
  if (doc.has("weights")) net.weights = top_string("weights");
  if (doc.has("bias")) net.bias = top_string("bias");
  if (const YamlValue* om = doc.find("output_map")) {
    if (om->kind != YamlValue::Kind::Int || om->i == 0)
      throw Error({.file = file, .key = "output_map"}, "`output_map` must be a non-zero YAML integer");
    net.output_map = static_cast<uint64_t>(om->i);
  }
  if (doc.has("snoop") && !dev.link_layer)
    throw Error({.file = file, .key = "snoop"}, "`snoop` is not supported on " + dev.name);
  std::string data_buffer;
  if (const YamlValue* db = doc.find("data_buffer")) {
    net.has_data_buffer = true;
    if (db->is_seq() && !db->seq.empty() && db->seq[0].is_map()) {
      if (const YamlValue* n = db->seq[0].find("name")) data_buffer = lower(n->s);
    }
  }

  const YamlValue& layers = *doc.find("layers");
  if (!layers.is_seq() || layers.seq.empty())
    throw Error({.file = file, .key = "layers"}, "`layers` must be a non-empty list");

  // Slots as the izer fills them: `sequence:` may jump; holes are closed afterwards.
  std::map<int, std::pair<YamlLayer, PendingRefs>> slots;
  int sequence = 0;
  int skip = skip_layers;
  for (const auto& node : layers.seq) {
    if (skip > 0) {
      --skip;
      continue;
    }
    if (node.is_map()) {
      if (const YamlValue* s = node.find("sequence")) {
        if (s->kind != YamlValue::Kind::Int)
          throw Error({.file = file, .layer = sequence, .key = "sequence"}, "expected an integer");
        // Checked in 64 bits: a huge `sequence:` must not wrap around into a valid slot.
        int64_t wanted = -1;
        if (__builtin_sub_overflow(s->i, skip_layers, &wanted)) wanted = -1;
        sequence = static_cast<int>(std::clamp<int64_t>(wanted, -1, dev.max_layers));
      }
    }
    if (sequence < 0 || sequence >= dev.max_layers) {
      throw Error({.file = file, .layer = sequence, .key = "sequence"},
                  dev.name + " supports up to " + std::to_string(dev.max_layers) + " layers");
    }
    if (slots.count(sequence) != 0)
      throw Error({.file = file, .layer = sequence, .key = "sequence"}, "layer was already specified");
    PendingRefs pending;
    YamlLayer l = read_layer(node, file, sequence, dev, pending);
    for (const auto& [seq, other] : slots) {
      if (!l.name.empty() && lower(other.first.name) == lower(l.name)) {
        throw Error({.file = file, .layer = sequence, .key = "name"},
                    "duplicate layer name `" + l.name + "` (also layer " + std::to_string(seq) + ")");
      }
    }
    slots.emplace(sequence, std::make_pair(std::move(l), std::move(pending)));
    ++sequence;
  }

  // Close up the gaps, then resolve names and numbers.
  std::vector<PendingRefs> pending;
  for (auto& [seq, entry] : slots) {
    entry.first.sequence = static_cast<int>(net.layers.size());
    net.layers.push_back(std::move(entry.first));
    pending.push_back(std::move(entry.second));
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    YamlLayer& l = net.layers[i];
    const PendingRefs& p = pending[i];
    if (p.in_sequences) {
      std::vector<int> seqs;
      for (const auto& ref : *p.in_sequences)
        seqs.push_back(resolve_ref(ref, net.layers, data_buffer, skip_layers, file, l.sequence, "in_sequences"));
      l.in_sequences = seqs;
    }
    if (p.next_sequence) {
      if (p.next_sequence->is_name && p.next_sequence->name == "stop") {
        l.next_sequence = -1;
      } else {
        l.next_sequence =
            resolve_ref(*p.next_sequence, net.layers, data_buffer, skip_layers, file, l.sequence, "next_sequence");
      }
    }
    if (p.simulated_sequence) {
      if (p.simulated_sequence->is_name && p.simulated_sequence->name == "stop") {
        l.simulated_sequence = -1;
      } else {
        l.simulated_sequence = resolve_ref(*p.simulated_sequence, net.layers, data_buffer, skip_layers, file,
                                           l.sequence, "simulated_sequence");
      }
    }
    if (p.weight_source)
      l.weight_source =
          resolve_ref(*p.weight_source, net.layers, data_buffer, skip_layers, file, l.sequence, "weight_source");
  }

  // The izer's layers share one default padding list; a Conv1d layer without
  // `pad` zeroes its column element, so every layer on the default pads [1, 0].
  const bool default_pad_zeroed = std::any_of(
      net.layers.begin(), net.layers.end(), [](const YamlLayer& l) { return l.op == Op::Conv1d && l.pad_is_default; });
  if (default_pad_zeroed) {
    for (auto& l : net.layers) {
      if (l.pad_is_default) l.pad[1] = 0;
    }
  }
  return net;
}

}  // namespace ai8x::spec
