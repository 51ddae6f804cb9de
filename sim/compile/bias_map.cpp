#include "compile/bias_map.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "compile/configured_layers.hpp"
#include "compile/memory_rules.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

constexpr int kUnset = -1;  // an entry that is reserved but holds no value (loaded as 0)

std::string list_text(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// A single-quadrant bias waiting for its quadrant.
struct BiasRequest {
  int layer = 0;
  std::vector<int> quadrants;  // candidates
  int length = 0;
  bool flatten = false;
};

class BiasPlacer {
 public:
  BiasPlacer(const Network& net, const CompileOptions& opt)
      : net_(net),
        dev_(*net.device),
        rules_(memory_rules(*net.device)),
        opt_(opt),
        quadrants_(quadrant_count(net)),
        per_quadrant_(quadrant_size(net)),
        capacity_(static_cast<int>(net.device->bias_entries_per_quadrant)) {}

  BiasMap run() {
    const ConfiguredRange range = configured_range(net_);
    map_.layers.assign(net_.layers.size(), BiasPlacement{});
    for (auto& b : map_.layers) b.offsets.assign(static_cast<size_t>(quadrants_), std::nullopt);
    values_.assign(static_cast<size_t>(quadrants_), std::vector<int>(static_cast<size_t>(capacity_), kUnset));
    used_.assign(static_cast<size_t>(quadrants_), 0);
    const std::vector<int> owners = bias_owners(range.end);
    const std::vector<int> used_quadrants = quadrants_in_use(range);

    std::vector<BiasRequest> requests;
    for (int ll = range.first; ll < range.end; ++ll) {
      const LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
      if (owners[static_cast<size_t>(ll)] != ll) continue;
      if (static_cast<int>(l.bias.size()) != l.out_channels)
        fail(l, "output channel count " + std::to_string(l.out_channels) + " does not match the " +
                    std::to_string(l.bias.size()) + " bias values");
      if (std::all_of(l.bias.begin(), l.bias.end(), [](int64_t v) { return v == 0; })) continue;  // ignored
      if (l.groups == 1 && !fast_fifo_quad_layer(l)) {
        requests.push_back(request(l, used_quadrants));
      } else {
        place_in_every_quadrant(l);  // bound to their quadrants: placed first
      }
    }
    // First fit descending: the largest biases first; biases with a single
    // candidate quadrant (and on MAX78000 flattening layers) before all others.
    std::stable_sort(requests.begin(), requests.end(),
                     [&](const BiasRequest& a, const BiasRequest& b) { return priority(a) < priority(b); });
    for (const BiasRequest& r : requests) assign(r);
    for (const BiasRequest& r : requests) store(net_.layers[static_cast<size_t>(r.layer)]);

    for (size_t i = 0; i < owners.size(); ++i) {
      const int o = owners[i];
      if (o < 0 || o == static_cast<int>(i)) continue;
      map_.layers[i] = map_.layers[static_cast<size_t>(o)];
      map_.layers[i].shared_with = o;
    }
    map_.memory.assign(static_cast<size_t>(quadrants_), {});
    for (int q = 0; q < quadrants_; ++q) {
      auto& image = map_.memory[static_cast<size_t>(q)];
      for (int i = 0; i < used_[static_cast<size_t>(q)]; ++i)
        image.push_back(static_cast<uint8_t>(std::max(0, values_[static_cast<size_t>(q)][static_cast<size_t>(i)])));
    }
    return std::move(map_);
  }

 private:
  [[noreturn]] void fail(const LayerSpec& l, const std::string& message, const std::string& key = "bias") const {
    throw Error({.file = net_.config_file, .layer = l.index, .layer_name = l.name, .key = key}, message);
  }

  bool fast_fifo_quad_layer(const LayerSpec& l) const {
    return net_.options.fast_fifo_quad && l.index == net_.start_layer;
  }

  // Identical bias values are stored once (unless deduplication is off).
  std::vector<int> bias_owners(int end) const {
    std::vector<bool> present(net_.layers.size());
    std::vector<const std::vector<int64_t>*> biases;
    for (size_t i = 0; i < net_.layers.size(); ++i) {
      present[i] = !net_.layers[i].bias.empty() && static_cast<int>(i) < end;
      biases.push_back(&net_.layers[i].bias);
    }
    if (!opt_.deduplicate_weights) {
      std::vector<int> own(present.size(), -1);
      for (size_t i = 0; i < present.size(); ++i) own[i] = present[i] ? static_cast<int>(i) : -1;
      return own;
    }
    return share_equal(biases, present, [](const auto* a, const auto* b, size_t, size_t) { return *a == *b; });
  }

  // Quadrants with a processor any configured layer reads from, or that the
  // final layer writes to.
  std::vector<int> quadrants_in_use(const ConfiguredRange& range) const {
    uint64_t map = 0;
    for (int ll = range.first; ll < range.end; ++ll) map |= net_.layers[static_cast<size_t>(ll)].processors;
    if (!net_.hardware_order.empty())
      map |= net_.layers[static_cast<size_t>(net_.hardware_order.back())].output_processors;
    std::vector<int> out;
    for (int q = 0; q < quadrants_; ++q)
      if ((map >> (q * per_quadrant_)) & ((uint64_t{1} << per_quadrant_) - 1)) out.push_back(q);
    for (int ll = range.first; ll < range.end; ++ll) {
      const LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
      if (l.bias_group && std::find(out.begin(), out.end(), *l.bias_group) == out.end())
        fail(l,
             "`bias_group` references the unused quadrant " + std::to_string(*l.bias_group) +
                 "; the quadrants used by this network are " + list_text(out),
             "bias_group");
    }
    return out;
  }

  BiasRequest request(const LayerSpec& l, const std::vector<int>& used_quadrants) const {
    if (l.output_processors == 0) fail(l, "the layer has a bias but no output processors", "output_processors");
    BiasRequest r{.layer = l.index, .quadrants = used_quadrants, .length = 0, .flatten = l.flatten};
    if (l.bias_group) r.quadrants = {*l.bias_group};
    r.length = l.out_channels + leading_entries(l);
    if (rules_.streaming_bias_dummy && l.index == 0 && l.streaming) ++r.length;
    return r;
  }

  // Output processors start at `first % 4` within their memory: the bias of
  // each pass is shifted by as many entries.
  int leading_entries(const LayerSpec& l) const {
    return first_set(l.output_processors) % dev_.processors_per_memory * output_expansion(net_, l).passes;
  }

  int priority(const BiasRequest& r) const {
    if (rules_.flatten_bias_first && r.flatten) return -1;
    if (r.quadrants.size() == 1) return 0;
    return capacity_ - r.length;
  }

  void assign(const BiasRequest& r) {
    const LayerSpec& l = net_.layers[static_cast<size_t>(r.layer)];
    const bool x4 = opt_.calcx4(r.layer);  // calcx4 reads four bias entries at a time
    auto level = [&](int q) {
      const int u = used_[static_cast<size_t>(q)];
      return x4 ? (u + 3) & ~3 : u;
    };
    int best = r.quadrants.front();
    for (int q : r.quadrants)
      if (level(q) < level(best)) best = q;
    int& u = used_[static_cast<size_t>(best)];
    if (x4) u = (u + 3) & ~3;
    if (u + r.length > capacity_) {
      fail(l, "bias memory capacity exhausted: available quadrants " + list_text(r.quadrants) + ", used so far " +
                  list_text(used_) + ", needed " + std::to_string(r.length) + " entries, best available: quadrant " +
                  std::to_string(best) + " with " + std::to_string(capacity_ - u) + " entries free");
    }
    BiasPlacement& b = map_.layers[static_cast<size_t>(r.layer)];
    b.where = BiasPlacement::Where::Quadrant;
    b.quadrant = best;
    b.length = r.length;
    for (auto& o : b.offsets) o = u;
    u += r.length;
  }

  void store(const LayerSpec& l) {
    const BiasPlacement& b = map_.layers[static_cast<size_t>(l.index)];
    auto& mem = values_[static_cast<size_t>(b.quadrant)];
    const int base = *b.offsets[static_cast<size_t>(b.quadrant)];
    int at = leading_entries(l);
    if (rules_.streaming_bias_dummy && l.index == 0 && l.streaming) {
      mem[static_cast<size_t>(base)] = 0;
      ++at;
    }
    for (int64_t v : l.bias) {
      mem[static_cast<size_t>(base) + static_cast<size_t>(at)] = static_cast<int>(v & 0xff);
      ++at;
    }
  }

  void append(const LayerSpec& l, int quadrant, int value) {
    if (quadrant < 0 || quadrant >= quadrants_)
      fail(l, "the bias needs quadrant " + std::to_string(quadrant) + ", which does not exist", "processors");
    int& u = used_[static_cast<size_t>(quadrant)];
    if (u >= capacity_)
      fail(l, "bias memory capacity for quadrant " + std::to_string(quadrant) +
                  " exhausted, used so far: " + std::to_string(u));
    if (value != kUnset) values_[static_cast<size_t>(quadrant)][static_cast<size_t>(u)] = value & 0xff;
    ++u;
  }

  void place_in_every_quadrant(const LayerSpec& l);

  const Network& net_;
  const Device& dev_;
  const MemoryRules rules_;
  const CompileOptions& opt_;
  int quadrants_;
  int per_quadrant_;
  int capacity_;
  std::vector<std::vector<int>> values_;  // per quadrant, kUnset where nothing was stored
  std::vector<int> used_;                 // per quadrant: entries allocated
  BiasMap map_;
};

// Depthwise layers (and the fast-FIFO quad layer) need each quadrant's output
// channels' bias in that quadrant's memory.
void BiasPlacer::place_in_every_quadrant(const LayerSpec& l) {
  if (l.processors == 0) fail(l, "the layer has a bias but no processors", "processors");
  BiasPlacement& b = map_.layers[static_cast<size_t>(l.index)];
  b.where = BiasPlacement::Where::AllQuadrants;
  const uint64_t quadrant_bits = (uint64_t{1} << per_quadrant_) - 1;
  const bool broadcast = l.groups > 1 && l.processors == l.output_processors;
  int active = 0;
  const std::vector<int> before = used_;
  for (int q = 0; q < quadrants_; ++q) {
    if ((l.processors >> (q * per_quadrant_)) & quadrant_bits) {
      int& u = used_[static_cast<size_t>(q)];
      if (broadcast) u = (u + 3) & ~3;  // the four processors of a memory read in parallel
      b.offsets[static_cast<size_t>(q)] = u;
      ++active;
    }
  }
  auto consumed = [&] {
    int n = 0;
    for (int q = 0; q < quadrants_; ++q) n += used_[static_cast<size_t>(q)] - before[static_cast<size_t>(q)];
    return n;
  };
  if (l.groups == 1) {  // fast-FIFO quad: channels go round the quadrants
    for (size_t i = 0; i < l.bias.size(); ++i) append(l, static_cast<int>(i % 4), static_cast<int>(l.bias[i] & 0xff));
    b.length = consumed();
    return;
  }
  uint64_t map = l.processors;
  int start = first_set(map);
  if (!broadcast) {  // the first quadrant's gap moves to its end
    const int q0 = start / per_quadrant_;
    const uint64_t q0_bits = quadrant_bits << (q0 * per_quadrant_);
    map = (map & ~q0_bits) | ((l.processors & q0_bits) >> (start % per_quadrant_));
  }
  start = first_set(map);
  int last = last_set(map);
  if (broadcast) last = ((last + 16) & ~15) - 1;  // to the end of its quadrant
  // The generator clears the low bits of the processor *index* with a
  // processor-map mask here, so the columns always start at processor 0.
  if (broadcast || active > 1) start &= ~((1 << per_quadrant_) - 1);

  const Expansion out = output_expansion(net_, l);
  if (std::popcount(l.processors) != out.per_pass)
    fail(l, "depthwise bias: the processor map does not match the channels per pass", "processors");
  // Per pass, one column per processor from `start`; unused processors get
  // an empty column.
  std::vector<std::vector<int>> rows(static_cast<size_t>(out.passes));
  for (int e = 0; e < out.passes; ++e) {
    for (int j = 0; j < out.per_pass; ++j) {
      const size_t c = static_cast<size_t>(e) * out.per_pass + j;
      rows[static_cast<size_t>(e)].push_back(c < l.bias.size() ? static_cast<int>(l.bias[c] & 0xff) : kUnset);
    }
  }
  for (int p = start; p <= last; ++p) {
    if ((map >> p) & 1) continue;
    for (auto& r : rows) {
      if (static_cast<size_t>(p) > r.size())
        fail(l, "the generator cannot lay out this depthwise bias (processor map gaps)", "processors");
      r.insert(r.begin() + p, kUnset);
    }
  }
  int quadrant = 0;
  for (int e = 0; e < out.passes; ++e) {
    for (int p = start; p <= last; ++p) {
      quadrant = p / per_quadrant_;
      // Broadcast mode reads channel 4i+j of a quadrant from processor 4j+i.
      const int src = broadcast ? (p & ~15) + (p % 4) * 4 + (p % 16) / 4 : p;
      const auto& r = rows[static_cast<size_t>(e)];
      const int value = static_cast<size_t>(src - start) < r.size() ? r[static_cast<size_t>(src - start)] : kUnset;
      append(l, quadrant, value);
    }
  }
  int& u = used_[static_cast<size_t>(quadrant)];
  while (u > 0 && values_[static_cast<size_t>(quadrant)][static_cast<size_t>(u - 1)] == kUnset) --u;
  b.length = consumed();
}

}  // namespace

BiasMap place_biases(const Network& net, const CompileOptions& opt) {
  if (net.device == nullptr) throw Error("place_biases: the network has no device");
  return BiasPlacer(net, opt).run();
}

std::string quadrant_text(const BiasPlacement& b) {
  switch (b.where) {
    case BiasPlacement::Where::None: return "None";
    case BiasPlacement::Where::AllQuadrants: return "'all'";  // as Python prints it in a list
    case BiasPlacement::Where::Quadrant: return std::to_string(b.quadrant);
  }
  return "None";
}

std::string offsets_text(const BiasPlacement& b) {
  std::string s = "[";
  for (size_t i = 0; i < b.offsets.size(); ++i)
    s += (i ? ", " : "") + (b.offsets[i] ? std::to_string(*b.offsets[i]) : std::string("None"));
  return s + "]";
}

}  // namespace ai8x::compile
