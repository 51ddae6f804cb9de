#include "check/memory_map.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "check/kat.hpp"
#include "core/error.hpp"

namespace ai8x {

namespace {

// ---------------------------------------------------------------------------
// Text helpers

std::string hex(uint64_t v, int digits = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}

// A coordinate with one decimal, without a trailing ".0".
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string range_text(int64_t lo, int64_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "–" + std::to_string(hi);
}

// Kernel and bias colours: one hue per layer, neighbours far apart.
std::string layer_colour(int layer) {
  return "hsl(" + std::to_string((layer * 137 + 200) % 360) + ",62%,58%)";
}

std::string layer_title(const LayerSpec& l) {
  std::string s = "L" + std::to_string(l.index);
  if (!l.name.empty()) s += " (" + l.name + ")";
  return s;
}

// What a layer computes, in one line.
std::string layer_summary(const LayerSpec& l) {
  std::string op = to_string(l.op);
  if (l.is_eltwise()) op += " + " + std::string(to_string(l.eltwise)) + " of " + std::to_string(l.operands);
  if (l.flatten) op += " (flatten)";
  auto dims = [](Pair p) { return std::to_string(p[0]) + "×" + std::to_string(p[1]); };
  std::string s = op + ": " + std::to_string(l.in_channels) + " ch " + dims(l.in_dim) + " → " +
                  std::to_string(l.out_channels) + " ch " + dims(l.out_dim);
  if (l.output_width == 32) s += ", 32-bit output";
  return s;
}

// ---------------------------------------------------------------------------
// Where tensors sit in the data memories

// One tensor in one data memory instance: `count` words from byte offset
// `first`, `step` bytes apart (more than 4 with a write gap).
struct Part {
  int instance = 0;  // processors 4·instance .. 4·instance+3
  int64_t first = 0;
  int64_t step = 4;
  int64_t count = 0;
  unsigned lanes = 0;    // byte lanes holding data (bit i: lane i)
  std::string channels;  // which channel sits in which lane
  [[nodiscard]] int64_t end() const { return first + (count - 1) * step + 4; }  // one past the last byte
};

struct TensorMap {
  int layer = -1;       // producer (output) or reader (input); -1: the network input
  bool output = false;  // written by `layer` (else read by it)
  std::string format;   // "HWC", "CHW", "HWC, 32-bit"
  Pair dim{0, 0};
  int64_t row_quarter_words = 1;  // 4 × the words one row takes (CHW has four pixels per word)
  std::vector<Part> parts;
};

std::string lane_list(const std::array<int, 4>& lanes) {
  std::string s;
  for (int lane = 0; lane < 4; ++lane) {
    if (lane > 0) s += ' ';
    s += lanes[static_cast<size_t>(lane)] < 0 ? std::string("·") : std::to_string(lanes[static_cast<size_t>(lane)]);
  }
  return s;
}

// "ch 0 1 2 3" for one pass, "pass 0: ch 0 1 2 3 | pass 1: ..." for more.
std::string pass_text(const std::map<int, std::array<int, 4>>& by_pass, int passes) {
  std::string s;
  for (const auto& [pass, lanes] : by_pass) {
    if (!s.empty()) s += " | ";
    if (passes > 1) s += "pass " + std::to_string(pass) + ": ";
    s += "ch " + lane_list(lanes);
  }
  return s;
}

int instance_count(const Device& dev) {
  return dev.processors() / dev.processors_per_memory;
}

TensorMap input_map(const LayerSpec& l) {
  TensorMap t;
  t.layer = l.index;
  t.dim = l.in_dim;
  const int64_t pixels = static_cast<int64_t>(l.in_dim[0]) * l.in_dim[1];
  const int per_pass = l.in_per_pass > 0 ? l.in_per_pass : expansion(l.in_channels).per_pass;
  const int passes = std::max(1, l.in_passes);
  if (pixels <= 0) return t;
  if (l.chw_input) {  // one channel per instance, four pixels per word
    t.format = "CHW";
    t.row_quarter_words = l.in_dim[1];
    for (int c = 0; c < l.in_channels; ++c) {
      const ChannelPlace cp = place_channel(l.processors, per_pass, c);
      if (cp.processor < 0) continue;
      t.parts.push_back({.instance = cp.processor / 4,
                         .first = l.in_offset,
                         .step = 4,
                         .count = (pixels + 3) / 4,
                         .lanes = 0xf,
                         .channels = "ch " + std::to_string(c) + " (4 pixels per word)"});
    }
    return t;
  }
  t.format = "HWC";
  const int operands = std::max(1, l.operands);
  t.row_quarter_words = 4LL * l.in_dim[1] * passes * operands;
  std::map<int, std::map<int, std::array<int, 4>>> lanes;  // instance → pass → lane → channel
  for (int c = 0; c < l.in_channels; ++c) {
    const ChannelPlace cp = place_channel(l.processors, per_pass, c);
    if (cp.processor < 0) continue;
    auto [it, fresh] = lanes[cp.processor / 4].try_emplace(cp.pass, std::array<int, 4>{-1, -1, -1, -1});
    it->second[static_cast<size_t>(cp.processor % 4)] = c;
  }
  for (const auto& [instance, by_pass] : lanes) {
    Part p{.instance = instance,
           .first = l.in_offset,
           .step = 4LL * (l.read_gap + 1),
           .count = pixels * passes * operands,
           .channels = pass_text(by_pass, passes)};
    for (const auto& [pass, ls] : by_pass) {
      for (int lane = 0; lane < 4; ++lane) {
        if (ls[static_cast<size_t>(lane)] >= 0) p.lanes |= 1U << lane;
      }
    }
    if (operands > 1) p.channels += " (" + std::to_string(operands) + " operands interleaved)";
    t.parts.push_back(std::move(p));
  }
  return t;
}

TensorMap output_map(const LayerSpec& l) {
  TensorMap t;
  t.layer = l.index;
  t.output = true;
  t.dim = l.out_dim;
  const bool wide = l.output_width == 32;
  t.format = wide ? "HWC, 32-bit" : "HWC";
  const int64_t pixels = static_cast<int64_t>(l.out_dim[0]) * l.out_dim[1];
  if (pixels <= 0 || l.out_channels <= 0) return t;
  const int passes = output_expansion(l, l.out_channels).passes;
  const int words = wide ? 4 : 1;  // per pixel and pass
  t.row_quarter_words = 4LL * l.out_dim[1] * passes * words;
  std::map<int, std::map<int, std::array<int, 4>>> lanes;
  for (const OutputQuad& q : output_quads(l, l.out_channels)) lanes[q.processor / 4][q.pass] = q.lane_channel;
  for (const auto& [instance, by_pass] : lanes) {
    Part p{.instance = instance,
           .first = l.out_offset,
           .step = 4LL * (l.write_gap + 1),
           .count = pixels * passes * words,
           .lanes = wide ? 0xfU : 0U,
           .channels = pass_text(by_pass, passes)};
    for (const auto& [pass, ls] : by_pass) {
      for (int lane = 0; lane < 4; ++lane) {
        if (ls[static_cast<size_t>(lane)] >= 0) p.lanes |= 1U << lane;
      }
    }
    if (wide) p.channels = "words +0 +1 +2 +3: " + p.channels;
    t.parts.push_back(std::move(p));
  }
  return t;
}

// The bytes two parts of the same instance both touch, if any: the same
// lanes of a common word (interleaved parts with a write gap do not meet).
std::optional<std::pair<int64_t, int64_t>> overlap(const Part& a, const Part& b) {
  if (a.instance != b.instance || (a.lanes & b.lanes) == 0 || a.count <= 0 || b.count <= 0) return std::nullopt;
  const int64_t lo = std::max(a.first, b.first);
  const int64_t hi = std::min(a.end(), b.end());
  if (lo >= hi) return std::nullopt;
  const int64_t g = std::gcd(a.step, b.step);
  if (g > 0 && (b.first - a.first) % g != 0) return std::nullopt;
  return std::make_pair(lo, hi);
}

// Data that must survive a layer: a tensor produced earlier that this or a
// later layer (or the host, for outputs) still reads.
struct Live {
  const TensorMap* map = nullptr;
  int source = -1;           // producing layer, -1: network input
  std::vector<int> readers;  // later layers reading it; -2: the host (an output layer)
  bool own_input = false;    // read by the layer being drawn
};

// Output bytes on data that is still needed. `readers` empty: only the layer
// itself reads it (it writes over its own input as it goes, which works when
// the writes stay behind the reads, and which the generator does not check).
struct Clash {
  int instance = 0;
  int64_t lo = 0, hi = 0;
  int source = -1;
  std::vector<int> readers;
  [[nodiscard]] bool in_place() const { return readers.empty(); }
};

struct LayerView {
  const LayerSpec* layer = nullptr;
  TensorMap input;
  TensorMap output;
  std::vector<Live> live;
  std::vector<Clash> clashes;
};

std::string source_name(int s) {
  return s < 0 ? std::string("the network input") : "L" + std::to_string(s) + "'s output";
}

std::string readers_text(const std::vector<int>& readers) {
  std::string s;
  for (int r : readers) {
    if (!s.empty()) s += ", ";
    s += r == -2 ? std::string("the host (output layer)") : "L" + std::to_string(r);
  }
  return s;
}

bool has_clash(const LayerView& v) {
  return std::any_of(v.clashes.begin(), v.clashes.end(), [](const Clash& c) { return !c.in_place(); });
}

std::string clash_text(const LayerView& v, const Clash& c) {
  std::string s = "L" + std::to_string(v.layer->index) + " output overwrites " + source_name(c.source) + " at " +
                  hex(static_cast<uint64_t>(c.lo), 4) + "–" + hex(static_cast<uint64_t>(c.hi - 1), 4) +
                  " of instance " + std::to_string(c.instance);
  if (c.in_place()) return s + ", its own input (in place: fine while the writes stay behind the reads)";
  return s + ", which " + readers_text(c.readers) + " still read" + (c.readers.size() == 1 ? "s" : "");
}

class DataLayout {
 public:
  explicit DataLayout(const Network& net) : net_(net) {
    std::vector<int> run = net.order;
    if (run.empty()) {
      for (int l = 0; l <= net.final_layer && l < static_cast<int>(net.layers.size()); ++l) run.push_back(l);
    }
    for (int l : run) {
      if (l < 0 || static_cast<size_t>(l) >= net.layers.size())
        throw Error("memory map: execution order names layer " + std::to_string(l) + ", which does not exist");
      if (!pos_.contains(l)) pos_[l] = static_cast<int>(order_.size());
      order_.push_back(l);
    }
    outputs_.reserve(order_.size());
    for (int l : order_) outputs_.push_back(output_map(net.layers[static_cast<size_t>(l)]));
    if (!order_.empty()) network_input_ = input_map(net.layers[static_cast<size_t>(order_.front())]);
    network_input_.layer = -1;
    for (int l : kat_layers(net)) kept_.insert(l);
    for (size_t t = 0; t < order_.size(); ++t) views_.push_back(view(t));
  }

  [[nodiscard]] const std::vector<LayerView>& views() const { return views_; }

  // Bytes from offset 0 that the network's tensors use, rounded up to 4 KiB
  // (at most the instance): the range the drawings show.
  [[nodiscard]] uint32_t shown_bytes() const {
    int64_t used = 0;
    for (const LayerView& v : views_) {
      for (const TensorMap* t : {&v.input, &v.output}) {
        for (const Part& p : t->parts) used = std::max(used, p.end());
      }
    }
    const int64_t cap = net_.device->data_memory_bytes;
    return static_cast<uint32_t>(std::min(cap, std::max<int64_t>(0x1000, (used + 0xfff) & ~int64_t{0xfff})));
  }

 private:
  // The layers whose outputs layer `l` reads; -1 is the network input.
  [[nodiscard]] std::vector<int> sources(const LayerSpec& l) const {
    if (l.in_sequences.empty()) return {l.prev_sequence < 0 ? -1 : l.prev_sequence};
    std::vector<int> s;
    for (int i : l.in_sequences) s.push_back(i < 0 ? -1 : i);
    return s;
  }

  [[nodiscard]] const TensorMap* produced(int source) const {
    if (source < 0) return &network_input_;
    const auto it = pos_.find(source);
    return it == pos_.end() ? nullptr : &outputs_[static_cast<size_t>(it->second)];
  }

  [[nodiscard]] bool before(int source, size_t t) const {
    if (source < 0) return true;
    const auto it = pos_.find(source);
    return it != pos_.end() && static_cast<size_t>(it->second) < t;
  }

  [[nodiscard]] LayerView view(size_t t) const {
    const LayerSpec& l = net_.layers[static_cast<size_t>(order_[t])];
    LayerView v{.layer = &l, .input = input_map(l), .output = outputs_[t], .live = {}, .clashes = {}};
    std::map<int, Live> live;
    for (size_t u = t; u < order_.size(); ++u) {
      for (int s : sources(net_.layers[static_cast<size_t>(order_[u])])) {
        if (!before(s, t) || produced(s) == nullptr) continue;
        // A streaming layer reads a rolling buffer, not the whole tensor
        // (the generator checks those buffers itself).
        const LayerSpec& reader = net_.layers[static_cast<size_t>(order_[u])];
        if (reader.streaming) continue;
        Live& e = live[s];
        e.map = produced(s);
        e.source = s;
        if (u == t) {
          e.own_input = true;
        } else if (std::find(e.readers.begin(), e.readers.end(), reader.index) == e.readers.end()) {
          e.readers.push_back(reader.index);
        }
      }
    }
    for (int s : kept_) {
      if (!before(s, t) || produced(s) == nullptr) continue;
      Live& e = live[s];
      e.map = produced(s);
      e.source = s;
      e.readers.push_back(-2);
    }
    for (auto& [s, e] : live) v.live.push_back(std::move(e));
    for (const Live& e : v.live) {
      for (const Part& out : v.output.parts) {
        for (const Part& held : e.map->parts) {
          if (auto o = overlap(out, held)) {
            v.clashes.push_back(
                {.instance = out.instance, .lo = o->first, .hi = o->second, .source = e.source, .readers = e.readers});
          }
        }
      }
    }
    return v;
  }

  const Network& net_;
  std::vector<int> order_;
  std::map<int, int> pos_;
  std::vector<TensorMap> outputs_;  // per position in order_
  TensorMap network_input_;
  std::set<int> kept_;
  std::vector<LayerView> views_;
};

// ---------------------------------------------------------------------------
// SVG drawing

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

void rect(std::ostringstream& os, const Box& b, const std::string& cls, const std::string& extra = {},
          const std::string& title = {}) {
  os << "<rect x=\"" << num(b.x) << "\" y=\"" << num(b.y) << "\" width=\"" << num(b.w) << "\" height=\"" << num(b.h)
     << '"';
  if (!cls.empty()) os << " class=\"" << cls << '"';
  if (!extra.empty()) os << ' ' << extra;
  if (title.empty()) {
    os << "/>";
  } else {
    os << "><title>" << esc(title) << "</title></rect>";
  }
}

void text(std::ostringstream& os, double x, double y, const std::string& s, const std::string& cls = {},
          const std::string& anchor = {}) {
  os << "<text x=\"" << num(x) << "\" y=\"" << num(y) << '"';
  if (!cls.empty()) os << " class=\"" << cls << '"';
  if (!anchor.empty()) os << " text-anchor=\"" << anchor << '"';
  os << '>' << esc(s) << "</text>";
}

void line(std::ostringstream& os, double x1, double y1, double x2, double y2, const std::string& cls) {
  os << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2)
     << "\" class=\"" << cls << "\"/>";
}

// The styles every drawing uses (the page and the standalone figure).
const char* const kSvgStyle = R"(
.mem{fill:#f4f4f4;stroke:#c8c8c8;stroke-width:.5}
.in{fill:#4a90d9}
.out{fill:#f08c2e}
.live{fill:#b9b9b9}
.clash{fill:#d62728;fill-opacity:.85}
.inplace{fill:#9467bd;fill-opacity:.7}
.gap{stroke:#222;stroke-width:.8;stroke-dasharray:2 1.5}
.over{stroke:#d62728;stroke-width:2}
.sep{stroke:#888;stroke-width:.6}
.tick{stroke:#aaa;stroke-width:.5}
.lbl{font:10px sans-serif;fill:#333}
.sm{font:8px sans-serif;fill:#333}
.hd{font:bold 11px sans-serif;fill:#222}
.in-l{font:9px sans-serif;fill:#fff}
rect[data-layer]:hover,rect[data-kind]:hover{stroke:#000;stroke-width:1.2}
)";

struct DataGeometry {
  double axis = 64;     // width of the offset axis
  double col = 40;      // one instance
  double qgap = 8;      // between quadrants
  double top = 30;      // header: quadrant and instance labels
  double height = 480;  // the instance, or `shown` bytes of it
  uint32_t shown = 0;   // bytes drawn from offset 0 (0: the whole instance)
  bool labels = true;   // text in rectangles, fine ticks
};

double data_width(const DataGeometry& g, int instances) {
  const int quadrants = instances / 4;  // whole quadrants: the gaps between them
  return g.axis + instances * g.col + (quadrants - 1) * g.qgap + 8;
}

std::string part_title(const Network& net, const TensorMap& t, const Part& p, const std::string& what) {
  const int proc = p.instance * 4;
  std::string s =
      what + ": instance " + std::to_string(p.instance) + " (processors " + range_text(proc, proc + 3) + "), offset " +
      hex(static_cast<uint64_t>(p.first), 4) + "–" + hex(static_cast<uint64_t>(p.end() - 1), 4) + ", " +
      hex(output_address(net, proc, static_cast<uint64_t>(p.first)), 8) + "–" +
      hex(output_address(net, proc, static_cast<uint64_t>(p.end() - 1)), 8) + ", " + std::to_string(p.count) + " words";
  if (p.step > 4) s += " every " + std::to_string(p.step / 4) + " words";
  s += ", " + t.format + " " + p.channels;
  return s;
}

// One layer's data memory: what is there (its input, other data still
// needed) on the left of each instance, what it writes on the right, and in
// red where the output lands on data that is still needed.
void data_panel(std::ostringstream& os, const Network& net, const LayerView& v, double x0, double y0,
                const DataGeometry& g) {
  const Device& dev = *net.device;
  const int n = instance_count(dev);
  const double cap = g.shown > 0 ? std::min(g.shown, dev.data_memory_bytes) : dev.data_memory_bytes;
  const double scale = g.height / cap;
  auto col_x = [&](int k) {
    const int quadrant = k / 4;
    return x0 + g.axis + k * g.col + quadrant * g.qgap;
  };
  const double py = y0 + g.top;
  // Header and axis.
  for (int q = 0; q < n / 4; ++q) {
    text(os, col_x(4 * q) + 2 * g.col, y0 + (g.labels ? 11 : 8), (g.labels ? "quadrant " : "q") + std::to_string(q),
         g.labels ? "lbl" : "sm", "middle");
  }
  for (int k = 0; k < n; ++k) {
    if (g.labels) text(os, col_x(k) + g.col / 2, y0 + g.top - 5, std::to_string(k), "sm", "middle");
    rect(os, {col_x(k) + 1, py, g.col - 2, g.height}, "mem");
  }
  uint32_t tick = 0x800;
  while (cap / tick > (g.labels ? 10 : 5)) tick *= 2;
  for (uint32_t a = 0; a <= cap; a += tick) {
    const double y = py + a * scale;
    line(os, x0 + g.axis - 4, y, col_x(n - 1) + g.col, y, "tick");
    text(os, x0 + g.axis - 6, y + 3, hex(a, 4), "sm", "end");
  }
  auto part_box = [&](const Part& p, double left, double width) {
    const double top = std::min<double>(static_cast<double>(p.first), cap);
    const double bottom = std::min<double>(static_cast<double>(p.end()), cap);
    return Box{col_x(p.instance) + left, py + top * scale, width, std::max(2.0, (bottom - top) * scale)};
  };
  auto draw = [&](const TensorMap& t, const Part& p, const std::string& cls, const std::string& kind, bool right,
                  const std::string& what, const std::string& label) {
    if (p.count <= 0) return;
    const double half = (g.col - 4) / 2;
    const Box b = part_box(p, right ? 2 + half : 2, half);
    std::string c = cls;
    if (p.step > 4) c += " gap";
    if (p.end() > static_cast<int64_t>(dev.data_memory_bytes)) c += " over";
    const int proc = p.instance * 4;
    std::string data = "data-kind=\"" + kind + "\" data-layer=\"" + std::to_string(t.layer) + "\" data-instance=\"" +
                       std::to_string(p.instance) + "\" data-start=\"" +
                       hex(output_address(net, proc, static_cast<uint64_t>(p.first)), 8) + "\" data-end=\"" +
                       hex(output_address(net, proc, static_cast<uint64_t>(p.end() - 1)), 8) + "\"";
    rect(os, b, c, data, part_title(net, t, p, what));
    if (g.labels && b.h >= 13) text(os, b.x + b.w / 2, b.y + 10, label, "in-l", "middle");
  };
  const std::string me = "L" + std::to_string(v.layer->index);
  for (const Live& e : v.live) {
    if (e.own_input) continue;  // drawn as this layer's input
    for (const Part& p : e.map->parts) {
      draw(*e.map, p, "live", "live", false, source_name(e.source) + ", still read by " + readers_text(e.readers),
           e.source < 0 ? "in" : "L" + std::to_string(e.source));
    }
  }
  for (const Part& p : v.input.parts) draw(v.input, p, "in", "in", false, me + " input", "in");
  for (const Part& p : v.output.parts) draw(v.output, p, "out", "out", true, me + " output", "out");
  for (const Clash& c : v.clashes) {
    Part p{.instance = c.instance, .first = c.lo, .step = 4, .count = (c.hi - c.lo + 3) / 4};
    const Box b = part_box(p, 1, g.col - 2);
    const std::string kind = c.in_place() ? "inplace" : "clash";
    rect(os, b, kind,
         "data-kind=\"" + kind + "\" data-layer=\"" + std::to_string(v.layer->index) + "\" data-instance=\"" +
             std::to_string(c.instance) + "\"",
         clash_text(v, c));
  }
}

// Consecutive processors whose kernels of one layer take the same columns
// are drawn as one rectangle.
struct KernelRun {
  int layer = 0;
  int first = 0, last = 0;  // processors
  int column = 0;
  int words = 0;
};

std::vector<KernelRun> kernel_runs(const compile::KernelMap& km) {
  std::vector<KernelRun> runs;
  for (size_t i = 0; i < km.layers.size(); ++i) {
    const compile::KernelPlacement& k = km.layers[i];
    if (!k.has_kernels || k.shared_with >= 0) continue;
    for (size_t p = 0; p < k.words.size(); ++p) {
      const int w = k.words[p];
      if (w <= 0) continue;
      const int proc = static_cast<int>(p);
      if (!runs.empty() && runs.back().layer == static_cast<int>(i) && runs.back().last == proc - 1 &&
          runs.back().words == w && (proc % 16) != 0) {
        runs.back().last = proc;
      } else {
        runs.push_back({.layer = static_cast<int>(i), .first = proc, .last = proc, .column = k.column, .words = w});
      }
    }
  }
  return runs;
}

struct GridGeometry {
  double label = 44;   // row labels
  double width = 900;  // the largest memory
  double row = 8;
  double top = 18;    // column axis
  double right = 70;  // per-row usage text (0: none)
};

void kernel_panel(std::ostringstream& os, const Network& net, const compile::KernelMap& km, double x0, double y0,
                  const GridGeometry& g) {
  const Device& dev = *net.device;
  const int procs = dev.processors();
  const double scale = g.width / dev.kernel_words_large;
  const double px = x0 + g.label;
  const double py = y0 + g.top;
  const int tick = dev.kernel_words_large <= 1024 ? 128 : 512;
  for (int c = 0; c <= static_cast<int>(dev.kernel_words_large); c += tick) {
    line(os, px + c * scale, py - 3, px + c * scale, py + procs * g.row, "tick");
    text(os, px + c * scale, py - 5, std::to_string(c), "sm", "middle");
  }
  for (int p = 0; p < procs; ++p) {
    const double y = py + p * g.row;
    const uint32_t cap = dev.kernel_words(p);
    rect(os, {px, y, cap * scale, g.row}, "mem");
    if (p % 4 == 0 && (g.row >= 7 || p % 16 == 0))
      text(os, px - 4, y + std::min(g.row, 9.0), "p" + std::to_string(p), "sm", "end");
    if (g.right > 0 && g.row >= 8 && static_cast<size_t>(p) < km.words_used.size()) {
      text(os, px + g.width + 6, y + std::min(g.row, 9.0) - 0.5,
           std::to_string(km.words_used[static_cast<size_t>(p)]) + "/" + std::to_string(cap), "sm");
    }
  }
  for (int q = 1; q < dev.quadrants; ++q) {
    const double y = py + q * dev.processors_per_quadrant * g.row;
    line(os, px - 30, y, px + g.width, y, "sep");
  }
  for (const KernelRun& r : kernel_runs(km)) {
    const Box b{px + r.column * scale, py + r.first * g.row, std::max(1.0, r.words * scale),
                (r.last - r.first + 1) * g.row};
    const compile::KernelPlacement& k = km.layers[static_cast<size_t>(r.layer)];
    std::string title = "L" + std::to_string(r.layer) + " kernels: processors " + range_text(r.first, r.last) +
                        ", columns " + range_text(r.column, r.column + r.words - 1) + " (" + std::to_string(r.words) +
                        " words; kernel length " + std::to_string(k.length) + ", " + std::to_string(k.count) +
                        " kernel slots)";
    if (k.calcx4) title += "; calcx4: logical columns, the words are spread over the four memory instances";
    for (size_t i = 0; i < km.layers.size(); ++i) {
      if (km.layers[i].shared_with == r.layer) title += "; shared by L" + std::to_string(i);
    }
    rect(os, b, "",
         "style=\"fill:" + layer_colour(r.layer) + "\" data-layer=\"" + std::to_string(r.layer) +
             "\" data-first-processor=\"" + std::to_string(r.first) + "\" data-last-processor=\"" +
             std::to_string(r.last) + "\" data-column=\"" + std::to_string(r.column) + "\" data-words=\"" +
             std::to_string(r.words) + "\"",
         title);
    if (b.w >= 16 && b.h >= 9)
      text(os, b.x + b.w / 2, b.y + b.h / 2 + 3, "L" + std::to_string(r.layer), "sm", "middle");
  }
}

// Per quadrant, the entries [first, first + length) of every layer's bias.
struct BiasRun {
  int layer = 0;
  int quadrant = 0;
  int first = 0;
  int length = 0;
  bool all = false;  // depthwise layout: the length is up to the next layer's entries
};

std::vector<BiasRun> bias_runs(const compile::BiasMap& bm) {
  std::vector<BiasRun> runs;
  const auto quadrants = static_cast<int>(bm.memory.size());
  for (size_t i = 0; i < bm.layers.size(); ++i) {
    const compile::BiasPlacement& b = bm.layers[i];
    if (b.where == compile::BiasPlacement::Where::None || b.shared_with >= 0) continue;
    if (b.where == compile::BiasPlacement::Where::Quadrant) {
      if (b.quadrant < 0 || static_cast<size_t>(b.quadrant) >= b.offsets.size() ||
          !b.offsets[static_cast<size_t>(b.quadrant)])
        continue;
      runs.push_back({.layer = static_cast<int>(i),
                      .quadrant = b.quadrant,
                      .first = *b.offsets[static_cast<size_t>(b.quadrant)],
                      .length = b.length});
      continue;
    }
    for (int q = 0; q < quadrants && static_cast<size_t>(q) < b.offsets.size(); ++q) {
      if (b.offsets[static_cast<size_t>(q)])
        runs.push_back(
            {.layer = static_cast<int>(i), .quadrant = q, .first = *b.offsets[static_cast<size_t>(q)], .all = true});
    }
  }
  // A depthwise bias reaches up to the next entries placed in its quadrant.
  for (BiasRun& r : runs) {
    if (!r.all) continue;
    int end = static_cast<int>(bm.memory[static_cast<size_t>(r.quadrant)].size());
    for (const BiasRun& o : runs) {
      if (o.quadrant == r.quadrant && o.first > r.first) end = std::min(end, o.first);
    }
    r.length = std::max(0, end - r.first);
  }
  return runs;
}

void bias_panel(std::ostringstream& os, const Network& net, const compile::BiasMap& bm, double x0, double y0,
                const GridGeometry& g) {
  const Device& dev = *net.device;
  const double cap = dev.bias_entries_per_quadrant;
  const double scale = g.width / cap;
  const double px = x0 + g.label;
  const double py = y0 + g.top;
  const int tick = cap <= 512 ? 64 : 256;
  for (int c = 0; c <= static_cast<int>(cap); c += tick) {
    line(os, px + c * scale, py - 3, px + c * scale, py + dev.quadrants * g.row, "tick");
    text(os, px + c * scale, py - 5, std::to_string(c), "sm", "middle");
  }
  for (int q = 0; q < dev.quadrants; ++q) {
    const double y = py + q * g.row;
    rect(os, {px, y, g.width, g.row - 2}, "mem");
    text(os, px - 4, y + g.row / 2 + 2, "q" + std::to_string(q), "sm", "end");
    if (g.right > 0 && static_cast<size_t>(q) < bm.memory.size()) {
      text(os, px + g.width + 6, y + g.row / 2 + 2,
           std::to_string(bm.memory[static_cast<size_t>(q)].size()) + "/" + num(cap), "sm");
    }
  }
  for (const BiasRun& r : bias_runs(bm)) {
    const Box b{px + r.first * scale, py + r.quadrant * g.row, std::max(1.0, r.length * scale), g.row - 2};
    std::string title = "L" + std::to_string(r.layer) + " bias: quadrant " + std::to_string(r.quadrant) + ", entries " +
                        range_text(r.first, r.first + r.length - 1) + (r.all ? " (per-quadrant)" : "");
    for (size_t i = 0; i < bm.layers.size(); ++i) {
      if (bm.layers[i].shared_with == r.layer) title += "; shared by L" + std::to_string(i);
    }
    rect(os, b, "",
         "style=\"fill:" + layer_colour(r.layer) + "\" data-layer=\"" + std::to_string(r.layer) +
             "\" data-quadrant=\"" + std::to_string(r.quadrant) + "\" data-first=\"" + std::to_string(r.first) +
             "\" data-length=\"" + std::to_string(r.length) + "\"",
         title);
    if (b.w >= 16) text(os, b.x + b.w / 2, b.y + b.h / 2 + 3, "L" + std::to_string(r.layer), "sm", "middle");
  }
}

void svg_open(std::ostringstream& os, double w, double h, const std::string& cls = {}) {
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(w) << "\" height=\"" << num(h)
     << "\" viewBox=\"0 0 " << num(w) << ' ' << num(h) << '"';
  if (!cls.empty()) os << " class=\"" << cls << '"';
  os << '>';
}

double kernel_height(const Device& dev, const GridGeometry& g) {
  return g.top + dev.processors() * g.row + 4;
}
double bias_height(const Device& dev, const GridGeometry& g) {
  return g.top + dev.quadrants * g.row + 4;
}

// A legend in SVG (the same swatches as the drawings).
double legend(std::ostringstream& os, double x0, double y0, double width) {
  const std::array<std::pair<const char*, const char*>, 7> items{{
      {"in", "input of the layer"},
      {"out", "output of the layer"},
      {"live", "data a later layer (or the host) still reads"},
      {"clash", "output lands on data a later layer still needs"},
      {"inplace", "output lands on its own input (in place)"},
      {"mem gap", "interleaved (write gap)"},
      {"mem over", "beyond the end of the instance"},
  }};
  double x = x0;
  double y = y0;
  for (const auto& [cls, label] : items) {
    const double w = 28 + 5.4 * static_cast<double>(std::string(label).size());
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      y += 16;
    }
    rect(os, {x, y, 12, 12}, cls);
    text(os, x + 16, y + 10, label, "lbl");
    x += w;
  }
  return y + 16 - y0;
}

// ---------------------------------------------------------------------------
// HTML

const char* const kPageStyle = R"(
body{font:14px/1.45 sans-serif;color:#222;margin:1.2em 2em;max-width:1200px}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}h3{margin-bottom:.3em}
table{border-collapse:collapse;font-size:12px;margin:.4em 0 1em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.n{text-align:right;font-family:monospace}
code,.mono{font-family:monospace}
.warn{color:#b00}
.ok{color:#060}
nav a{margin-right:1em}
#stepper{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:1}
section.layer{margin-bottom:1.5em}
svg{display:block;margin:.3em 0}
.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em;border:1px solid #999}
)";

const char* const kScript = R"(//<![CDATA[
(function () {
  var secs = document.querySelectorAll('section.layer');
  var bar = document.getElementById('stepper');
  if (!secs.length || !bar) return;
  var sel = document.getElementById('layer-select');
  var all = document.getElementById('show-all');
  bar.hidden = false;
  function show() {
    for (var i = 0; i < secs.length; i++) secs[i].hidden = !all.checked && i !== sel.selectedIndex;
  }
  document.getElementById('prev').onclick = function () {
    if (sel.selectedIndex > 0) { sel.selectedIndex--; show(); }
  };
  document.getElementById('next').onclick = function () {
    if (sel.selectedIndex + 1 < secs.length) { sel.selectedIndex++; show(); }
  };
  sel.onchange = show;
  all.onchange = show;
  show();
})();
//]]>)";

std::string kib(uint64_t bytes) {
  return bytes % 1024 == 0 ? std::to_string(bytes / 1024) + " KiB" : std::to_string(bytes) + " bytes";
}

void explanation(std::ostringstream& os, const Network& net) {
  const Device& dev = *net.device;
  const int n = instance_count(dev);
  const uint32_t base = output_address(net, 0, 0);
  os << "<section id=\"guide\"><h2>How to read this page</h2>\n";
  os << "<p>The " << esc(dev.name) << " has " << n << " data memory instances of " << kib(dev.data_memory_bytes)
     << " each (" << kib(static_cast<uint64_t>(dev.data_memory_bytes) * static_cast<uint64_t>(n))
     << " in all). Processors 4k&#8230;4k+3 share instance k; quadrant q holds instances 4q&#8230;4q+3. Instance k "
        "starts at <code>"
     << hex(base, 8) << " + " << hex(dev.quadrant_stride) << "·(k÷4) + " << hex(dev.instance_stride)
     << "·(k mod 4)</code>. Layers address their data by a byte offset that is the same in every instance "
        "(<code>in_offset</code>, <code>out_offset</code>); the drawings put offset 0 at the top.</p>\n";
  os << "<ul>\n"
        "<li><b>HWC</b> (every layer's output, and most inputs): one 32-bit word per pixel for each group of four "
        "processors. Byte lane i (bits 8i+7&#8230;8i) belongs to processor 4k+i; channels go to the enabled "
        "processors in ascending order. Pixels are stored row by row.</li>\n"
        "<li><b>CHW</b> (only the first layer's input, <code>data_format: CHW</code>): one channel per instance, "
        "four consecutive pixels per word, the first in the low byte.</li>\n"
        "<li><b>Multi-pass</b>: with more than 64 channels a tensor is split into passes of up to 64 channels "
        "(rounded up to a multiple of 4); the words of all passes of one pixel are consecutive. The tables list "
        "the channels of each pass in lane order 0 1 2 3 (· marks an empty lane).</li>\n"
        "<li><b>32-bit output</b> (<code>output_width: 32</code>): one word per channel, four consecutive words "
        "per group of four processors (lane i becomes the word at +4i).</li>\n"
        "<li><b>Write gap</b> n leaves n words between written words, so that two layers can interleave the "
        "operands of an element-wise layer (dashed outline).</li>\n"
        "</ul>\n";
  os << "<p>Output channel o of a layer goes to pass e = o ÷ t (t channels per pass), to the (o mod t)-th "
        "processor P of <code>output_processors</code>, and is written at</p>\n"
        "<p><code>"
     << hex(base, 8) << " + " << hex(dev.quadrant_stride) << "·(P÷16) + " << hex(dev.instance_stride)
     << "·((P mod 16)÷4) + out_offset + 4·(pixel·w + e·s)·(write_gap+1)</code>,</p>\n"
        "<p>with s = 1 word (8-bit output, byte lane P mod 4) or 4 words (32-bit output, word +P mod 4), and "
        "w = passes·s words per pixel.</p>\n";
  os << "<p>Each data memory drawing shows one layer. In every instance, the left half holds what is in memory "
        "when the layer starts: its input (blue) and data that this or a later layer, or the host, still reads "
        "(grey). The right half is what the layer writes (orange). Red marks output words that land on data "
        "still needed (same word and byte lane). Hover over a rectangle for its addresses and channels; the "
        "table below each drawing lists the same numbers.</p>\n";
  os << "<p>Kernel memory: each processor has its own memory of 72-bit words (" << dev.kernel_words_small << " words";
  if (dev.kernel_words_large != dev.kernel_words_small)
    os << ", " << dev.kernel_words_large << " on processors 0, 16, 32 and 48";
  os << "). A 72-bit word holds one 3×3 kernel of 8-bit weights, or nine 1×1 kernels. A layer's kernels sit in "
        "the memories of its input processors, from the same column in each. Bias memory: each quadrant has "
     << dev.bias_entries_per_quadrant
     << " entries of one byte; a layer's bias sits in one quadrant (depthwise layers: in every quadrant).</p>\n";
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\" height=\"18\" viewBox=\"0 0 1000 18\"><style>"
     << kSvgStyle << "</style>";
  legend(os, 0, 3, 1000);
  os << "</svg>\n</section>\n";
}

std::string part_rows(const Network& net, const TensorMap& t, const Part& p) {
  const int proc = p.instance * 4;
  const int64_t cap = net.device->data_memory_bytes;
  const int64_t fit = p.end() <= cap ? p.count : std::max<int64_t>(0, (cap - p.first + p.step - 4) / p.step);
  int64_t rows = t.dim[0];
  if (fit < p.count && t.row_quarter_words > 0) rows = std::min<int64_t>(rows, fit * 4 / t.row_quarter_words);
  std::ostringstream os;
  os << "<td>" << p.instance << " <span class=\"mono\">(q" << proc / 16 << ", p" << range_text(proc, proc + 3)
     << ")</span></td><td class=\"n\">" << hex(static_cast<uint64_t>(p.first), 4) << "–"
     << hex(static_cast<uint64_t>(p.end() - 1), 4) << "</td><td class=\"n\">"
     << hex(output_address(net, proc, static_cast<uint64_t>(p.first)), 8) << "–"
     << hex(output_address(net, proc, static_cast<uint64_t>(p.end() - 1)), 8) << "</td><td class=\"n\">" << p.count
     << (p.step > 4 ? " (every " + std::to_string(p.step / 4) + ")" : std::string()) << "</td><td class=\"mono\">"
     << esc(p.channels) << "</td><td>";
  if (rows <= 0) {
    os << "none";
  } else {
    os << "rows " << range_text(0, rows - 1) << " of " << t.dim[0];
  }
  if (fit < p.count) os << " <span class=\"warn\">(ends beyond " << hex(static_cast<uint64_t>(cap), 4) << ")</span>";
  os << "</td>";
  return os.str();
}

void layer_section(std::ostringstream& os, const Network& net, const LayerView& v, uint32_t shown) {
  const LayerSpec& l = *v.layer;
  const Device& dev = *net.device;
  os << "<section class=\"layer\" id=\"layer-" << l.index << "\" data-layer=\"" << l.index << "\">\n<h3>"
     << esc(layer_title(l)) << "</h3>\n<p>" << esc(layer_summary(l)) << ". Input at <code>" << hex(l.in_offset, 4)
     << "</code> (" << v.input.format << (l.in_passes > 1 ? ", " + std::to_string(l.in_passes) + " passes" : "")
     << (l.operands > 1 ? ", " + std::to_string(l.operands) + " operands" : "") << "), output at <code>"
     << hex(l.out_offset, 4) << "</code> (" << v.output.format
     << (l.out_passes > 1 ? ", " + std::to_string(l.out_passes) + " passes" : "")
     << (l.write_gap > 0 ? ", write gap " + std::to_string(l.write_gap) : std::string()) << ")"
     << (l.streaming ? "; streaming (the input is a rolling buffer)" : "") << ".</p>\n";
  DataGeometry g;
  g.shown = shown;
  g.height = std::clamp(480.0 * shown / 0x4000, 240.0, 640.0);
  const int n = instance_count(dev);
  svg_open(os, data_width(g, n), g.top + g.height + 6, "data");
  data_panel(os, net, v, 0, 0, g);
  os << "</svg>\n";
  // One line per overwritten tensor and byte range, listing the instances.
  std::map<std::tuple<bool, int, int64_t, int64_t>, std::pair<std::vector<int>, const Clash*>> lines;
  for (const Clash& c : v.clashes) {
    auto& e = lines[{!c.in_place(), c.source, c.lo, c.hi}];
    e.first.push_back(c.instance);
    e.second = &c;
  }
  if (!has_clash(v)) os << "<p class=\"ok\">The output overwrites nothing that a later layer still needs.</p>\n";
  if (!lines.empty()) os << "<ul>\n";
  for (const auto& [key, e] : lines) {
    const Clash& c = *e.second;
    std::string where;
    for (int k : e.first) where += (where.empty() ? "" : ", ") + std::to_string(k);
    std::string s = "Writes over " + source_name(c.source) + " at " + hex(static_cast<uint64_t>(c.lo), 4) + "–" +
                    hex(static_cast<uint64_t>(c.hi - 1), 4) + " of instance" + (e.first.size() > 1 ? "s " : " ") +
                    where;
    s += c.in_place() ? ": its own input, in place (this works when the writes stay behind the reads; the "
                        "generator does not check it)"
                      : ", which " + readers_text(c.readers) + " still read" + (c.readers.size() == 1 ? "s" : "");
    os << "<li class=\"" << (c.in_place() ? "" : "warn") << "\">" << esc(s) << "</li>\n";
  }
  if (!lines.empty()) os << "</ul>\n";
  os << "<table><tr><th>tensor</th><th>instance</th><th>offset</th><th>address</th><th>words</th>"
        "<th>channels in byte lanes 0 1 2 3</th><th>rows</th></tr>\n";
  auto rows = [&](const TensorMap& t, const std::string& what, const std::string& kind) {
    for (const Part& p : t.parts) {
      os << "<tr data-kind=\"" << kind << "\" data-layer=\"" << t.layer << "\"><td>" << esc(what) << "</td>"
         << part_rows(net, t, p) << "</tr>\n";
    }
  };
  rows(v.input, "input", "in");
  rows(v.output, "output", "out");
  os << "</table>\n</section>\n";
}

void kernel_section(std::ostringstream& os, const Network& net, const compile::KernelMap& km) {
  const Device& dev = *net.device;
  os << "<section id=\"kernels\"><h2>Kernel memory</h2>\n<p>One row per processor, one column per 72-bit word; "
        "the numbers on the right are the words used of each processor's memory.</p>\n";
  const GridGeometry g;
  svg_open(os, g.label + g.width + g.right, kernel_height(dev, g), "kernels");
  kernel_panel(os, net, km, 0, 0, g);
  os << "</svg>\n<table><tr><th>layer</th><th>processors</th><th>columns</th><th>kernel length</th>"
        "<th>kernel count</th><th>note</th></tr>\n";
  for (size_t i = 0; i < km.layers.size(); ++i) {
    const compile::KernelPlacement& k = km.layers[i];
    if (!k.has_kernels) continue;
    uint64_t map = 0;
    const compile::KernelPlacement& owner = k.shared_with >= 0 ? km.layers[static_cast<size_t>(k.shared_with)] : k;
    for (size_t p = 0; p < owner.words.size() && p < 64; ++p) {
      if (owner.words[p] > 0) map |= uint64_t{1} << p;
    }
    os << "<tr><td><span class=\"swatch\" style=\"background:"
       << layer_colour(k.shared_with >= 0 ? k.shared_with : static_cast<int>(i)) << "\"></span>L" << i
       << "</td><td class=\"n\">" << hex(map, 16) << "</td><td class=\"n\">"
       << range_text(k.column, k.column + k.length - 1) << "</td><td class=\"n\">" << k.length
       << "</td><td class=\"n\">" << k.count << "</td><td>"
       << (k.shared_with >= 0 ? "the kernels of L" + std::to_string(k.shared_with) : std::string())
       << (k.calcx4 ? " calcx4 (logical columns)" : "") << "</td></tr>\n";
  }
  os << "</table>\n";
  uint64_t used = 0;
  uint64_t total = 0;
  for (int p = 0; p < dev.processors(); ++p) {
    total += dev.kernel_words(p);
    if (static_cast<size_t>(p) < km.words_used.size())
      used += static_cast<uint64_t>(km.words_used[static_cast<size_t>(p)]);
  }
  os << "<p>" << used << " of " << total << " kernel words used, " << total - used << " free.</p>\n</section>\n";
}

void bias_section(std::ostringstream& os, const Network& net, const compile::BiasMap& bm) {
  const Device& dev = *net.device;
  os << "<section id=\"bias\"><h2>Bias memory</h2>\n<p>One row per quadrant, one column per bias entry; the "
        "numbers on the right are the entries used.</p>\n";
  GridGeometry g;
  g.row = 22;
  svg_open(os, g.label + g.width + g.right, bias_height(dev, g), "bias");
  bias_panel(os, net, bm, 0, 0, g);
  os << "</svg>\n";
  const std::vector<BiasRun> runs = bias_runs(bm);
  os << "<table><tr><th>layer</th><th>quadrant</th><th>entries</th><th>note</th></tr>\n";
  for (size_t i = 0; i < bm.layers.size(); ++i) {
    const compile::BiasPlacement& b = bm.layers[i];
    if (b.where == compile::BiasPlacement::Where::None) continue;
    const int owner = b.shared_with >= 0 ? b.shared_with : static_cast<int>(i);
    for (const BiasRun& r : runs) {
      if (r.layer != owner) continue;
      os << "<tr><td><span class=\"swatch\" style=\"background:" << layer_colour(owner) << "\"></span>L" << i
         << "</td><td class=\"n\">" << r.quadrant << "</td><td class=\"n\">"
         << range_text(r.first, r.first + r.length - 1) << "</td><td>"
         << (b.shared_with >= 0 ? "the bias of L" + std::to_string(b.shared_with) : std::string())
         << (r.all ? " per-quadrant (depthwise)" : "") << "</td></tr>\n";
    }
  }
  os << "</table>\n</section>\n";
}

std::string page_title(const Network& net, const MemoryMapOptions& opt) {
  if (!opt.title.empty()) return opt.title;
  return (net.arch.empty() ? std::string("network") : net.arch) + " on " + net.device->name;
}

void require_device(const Network& net) {
  if (net.device == nullptr) throw Error("memory map: the network has no device");
}

}  // namespace

std::string memory_map_html(const Network& net, const compile::KernelMap& kernels, const compile::BiasMap& biases,
                            const MemoryMapOptions& opt) {
  require_device(net);
  const DataLayout layout(net);
  const std::string title = "Memory map: " + page_title(net, opt);
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta "
        "charset=\"utf-8\"/>\n"
     << "<title>" << esc(title) << "</title>\n<style>" << kPageStyle << kSvgStyle << "</style>\n</head>\n<body>\n"
     << "<h1>" << esc(title) << "</h1>\n<p>Configuration <code>" << esc(net.config_file) << "</code>";
  if (!net.weights_file.empty()) os << ", weights <code>" << esc(net.weights_file) << "</code>";
  os << ". " << layout.views().size() << " layers executed";
  if (net.start_layer != 0) os << " from layer " << net.start_layer;
  os << ".</p>\n<nav><a href=\"#guide\">How to read</a><a href=\"#data\">Data memory</a>"
        "<a href=\"#kernels\">Kernel memory</a><a href=\"#bias\">Bias memory</a></nav>\n";
  explanation(os, net);
  os << "<section id=\"data\"><h2>Data memory, layer by layer</h2>\n";
  int clashing = 0;
  int in_place = 0;
  for (const LayerView& v : layout.views()) {
    clashing += has_clash(v) ? 1 : 0;
    in_place += std::any_of(v.clashes.begin(), v.clashes.end(), [](const Clash& c) { return c.in_place(); }) ? 1 : 0;
  }
  if (clashing > 0) {
    os << "<p class=\"warn\">" << clashing << " layer(s) overwrite data that a later layer or the host still "
       << "reads (red).</p>\n";
  } else {
    os << "<p class=\"ok\">No layer overwrites data that a later layer or the host still reads.</p>\n";
  }
  if (in_place > 0) {
    os << "<p>" << in_place << " layer(s) write over their own input as they go (purple).</p>\n";
  }
  os << "<div id=\"stepper\" hidden=\"hidden\"><button type=\"button\" id=\"prev\">&#9664;</button> "
        "<select id=\"layer-select\">";
  for (const LayerView& v : layout.views()) {
    os << "<option value=\"" << v.layer->index << "\">" << esc(layer_title(*v.layer) + ": " + layer_summary(*v.layer))
       << "</option>";
  }
  os << "</select> <button type=\"button\" id=\"next\">&#9654;</button> <label><input type=\"checkbox\" "
        "id=\"show-all\"/> all layers</label></div>\n";
  const uint32_t shown = layout.shown_bytes();
  if (shown < net.device->data_memory_bytes) {
    os << "<p>The drawings show offsets " << hex(0, 4) << "–" << hex(shown - 1, 4) << " of each "
       << kib(net.device->data_memory_bytes) << " instance; this network uses nothing above.</p>\n";
  }
  for (const LayerView& v : layout.views()) layer_section(os, net, v, shown);
  os << "</section>\n";
  kernel_section(os, net, kernels);
  bias_section(os, net, biases);
  if (opt.script) os << "<script>" << kScript << "</script>\n";
  os << "</body>\n</html>\n";
  return os.str();
}

std::string memory_map_svg(const Network& net, const compile::KernelMap& kernels, const compile::BiasMap& biases,
                           const MemoryMapOptions& opt) {
  require_device(net);
  const Device& dev = *net.device;
  const DataLayout layout(net);
  const int n = instance_count(dev);
  DataGeometry dg;
  dg.axis = 40;
  dg.col = 9;
  dg.qgap = 3;
  dg.top = 20;
  dg.height = 170;
  dg.labels = false;
  dg.shown = layout.shown_bytes();
  const double panel_w = data_width(dg, n) + 6;
  const double panel_h = 12 + dg.top + dg.height + 8;
  const int per_row = std::max(1, opt.figure_panels_per_row);
  const auto panels = static_cast<int>(layout.views().size());
  const int rows = (panels + per_row - 1) / per_row;
  const double width = std::max(per_row * panel_w, 700.0) + 10;
  GridGeometry kg;
  kg.right = 0;
  kg.width = width - kg.label - 16;
  kg.row = 4;
  GridGeometry bg = kg;
  bg.row = 14;

  std::ostringstream body;
  text(body, 4, 14, "Memory map: " + page_title(net, opt), "hd");
  const double head = 22 + legend(body, 4, 22, width - 8) + 6;
  text(body, 4, head + 10,
       "Data memory per layer: the " + std::to_string(n) + " instances side by side, offsets " + hex(0, 4) + "–" +
           hex(dg.shown - 1, 4) + " of " + hex(dev.data_memory_bytes, 4) +
           " bytes each; left half of an instance: in memory when the layer starts, right half: written",
       "lbl");
  const double data_y = head + 18;
  for (int i = 0; i < panels; ++i) {
    const LayerView& v = layout.views()[static_cast<size_t>(i)];
    const double x = (i % per_row) * panel_w;
    const int row = i / per_row;
    const double y = data_y + row * panel_h;
    const LayerSpec& l = *v.layer;
    text(body, x + dg.axis, y + 10,
         "L" + std::to_string(l.index) + " " + to_string(l.op) + " " + std::to_string(l.in_channels) + "→" +
             std::to_string(l.out_channels) + (has_clash(v) ? " (overwrites live data)" : ""),
         "lbl");
    data_panel(body, net, v, x, y + 12, dg);
  }
  const double kern_y = data_y + rows * panel_h + 26;
  int fullest = 0;
  for (size_t p = 0; p < kernels.words_used.size(); ++p) {
    if (kernels.words_used[p] > kernels.words_used[static_cast<size_t>(fullest)]) fullest = static_cast<int>(p);
  }
  std::string kernel_head = "Kernel memory (72-bit words of each processor)";
  if (!kernels.words_used.empty()) {
    kernel_head += ": the fullest, processor " + std::to_string(fullest) + ", uses " +
                   std::to_string(kernels.words_used[static_cast<size_t>(fullest)]) + " of " +
                   std::to_string(dev.kernel_words(fullest));
  }
  text(body, 4, kern_y - 8, kernel_head, "hd");
  kernel_panel(body, net, kernels, 0, kern_y, kg);
  const double bias_y = kern_y + kernel_height(dev, kg) + 26;
  std::string bias_head = "Bias memory (entries of each quadrant):";
  for (const auto& q : biases.memory) bias_head += " " + std::to_string(q.size());
  bias_head += " of " + std::to_string(dev.bias_entries_per_quadrant) + " used";
  text(body, 4, bias_y - 8, bias_head, "hd");
  bias_panel(body, net, biases, 0, bias_y, bg);
  const double height = bias_y + bias_height(dev, bg) + 8;

  std::ostringstream os;
  svg_open(os, width, height);
  os << "<style>" << kSvgStyle << "</style>";
  rect(os, {0, 0, width, height}, "", "fill=\"#fff\"");
  os << body.str() << "</svg>\n";
  return os.str();
}

}  // namespace ai8x
