#include "compile/kernel_map.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <string>

#include "compile/configured_layers.hpp"
#include "compile/kernel_memory.hpp"
#include "compile/kernel_packing.hpp"
#include "compile/layer_kernels.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

constexpr uint64_t kAllProcessors = ~uint64_t{0};

// Physical word of logical column `column` of a calcx4 layer: the layer's
// words are cut into four equal runs, one per quarter of the memory (MAX78002
// kernel memories are four instances of 1024 words, plus four of 256 in the
// extension of processors 0/16/32/48).
int calcx4_word(const Device& dev, int column, int start, int count) {
  const int run = std::max(1, (count + 3) / 4);
  const int instance = (column - start) / run;
  const int within = (column - start) % run;
  const int small = static_cast<int>(dev.kernel_words_small);
  const int large = static_cast<int>(dev.kernel_words_large);
  if (column < small) return instance * (small / 4) + within + start / 4;
  return instance * ((large - small) / 4) + within + small + start / 4;
}

class KernelPlacer {
 public:
  KernelPlacer(const Network& net, const CompileOptions& opt)
      : net_(net), dev_(*net.device), opt_(opt), memories_(net), kernels_(layer_kernels(net)) {}

  KernelMap run() {
    const ConfiguredRange range = configured_range(net_);
    const std::vector<int> owners = kernel_owners(net_, kernels_, range.end, opt_);
    map_.layers.assign(net_.layers.size(), KernelPlacement{});
    for (size_t i = 0; i < net_.layers.size(); ++i) {
      KernelPlacement& k = map_.layers[i];
      const LayerSpec& l = net_.layers[i];
      k.reported = kernels_[i].present ? kernels_[i].reported : l.kernel;
      k.size = kernels_[i].present ? kernels_[i].size : l.kernel;
      k.words.assign(static_cast<size_t>(dev_.processors()), 0);
      if (owners[i] == static_cast<int>(i)) k.column = opt_.weight_start;  // unless placed below
    }
    // Layers that use every processor first: they constrain the search most.
    std::vector<int> order;
    for (int pass = 0; pass < 2; ++pass) {
      for (int ll = range.first; ll < range.end; ++ll) {
        const bool all = net_.layers[static_cast<size_t>(ll)].processors == kAllProcessors;
        if (all == (pass == 0)) order.push_back(ll);
      }
    }
    for (int ll : order) {
      if (owners[static_cast<size_t>(ll)] == ll) place(ll);
    }
    for (size_t i = 0; i < owners.size(); ++i) {
      const int o = owners[i];
      if (o < 0 || o == static_cast<int>(i)) continue;
      KernelPlacement& k = map_.layers[i];
      const KernelPlacement& src = map_.layers[static_cast<size_t>(o)];
      k.has_kernels = src.has_kernels;
      k.shared_with = o;
      k.column = src.column;
      k.length = src.length;
      k.count = src.count;
      k.calcx4 = src.calcx4;
    }
    collect_memory();
    return std::move(map_);
  }

 private:
  void place(int ll) {
    const LayerSpec& l = net_.layers[static_cast<size_t>(ll)];
    const bool x4 = opt_.calcx4(ll);
    if (x4 && !memory_rules(dev_).calcx4)
      throw Error({.file = net_.config_file, .layer = ll, .layer_name = l.name, .key = "calcx4"},
                  "calcx4 is not supported on " + dev_.name);
    PackingGeometry g = packing_geometry(net_, l, kernels_[static_cast<size_t>(ll)], x4);
    KernelPlacement& k = map_.layers[static_cast<size_t>(ll)];
    k.has_kernels = true;
    k.calcx4 = x4;
    k.count = g.count;
    k.column = find_column(l, g, x4);
    const int last = last_set(g.processors);
    if (k.column + g.length > memories_.width(last)) memories_.exhausted(l, last, k.column, g.length);
    k.length = pack_layer(memories_, net_, l, kernels_[static_cast<size_t>(ll)], g, k.column);
  }

  int find_column(const LayerSpec& l, const PackingGeometry& g, bool x4) const {
    const MemoryRules& rules = memory_rules(dev_);
    // A layer that switches to calcx4 is placed from the bottom, its column ×4.
    const bool x4_starts = l.index > 0 && x4 && !opt_.calcx4(l.index - 1);
    bool all_large = dev_.kernel_words_large > dev_.kernel_words_small;
    for (int p = 0; p < dev_.processors(); ++p) {
      if (((g.processors >> p) & 1) && kernel_words(net_, p) != static_cast<int>(dev_.kernel_words_large))
        all_large = false;
    }
    // Layers using only processors 0/16/32/48 try the top of their larger memories first.
    if (!x4_starts && all_large &&
        (!rules.depthwise_in_one_instance || l.groups == 1 || g.length <= rules.extension_instance_words)) {
      if (auto top = memories_.search_down(l, g.processors, g.length)) return (*top - (g.length - 1)) & ~3;
    }
    int column = memories_.search_up(l, g.processors, (opt_.weight_start + 3) & ~3, g.length);
    if (x4_starts) column *= 4;
    return (column + 3) & ~3;
  }

  void collect_memory() {
    const auto n = static_cast<size_t>(dev_.processors());
    map_.memory.assign(n, {});
    map_.loads.assign(n, {});
    map_.words_used.assign(n, 0);
    for (int p = 0; p < dev_.processors(); ++p) {
      for (int c = 0; c < memories_.width(p); ++c) {
        const int ll = memories_.owner(p, c);
        if (ll < 0) continue;
        KernelPlacement& k = map_.layers[static_cast<size_t>(ll)];
        ++k.words[static_cast<size_t>(p)];
        ++map_.words_used[static_cast<size_t>(p)];
        int word = c;
        if (k.calcx4) word = calcx4_word(dev_, c, k.column, calcx4_words(net_.layers[static_cast<size_t>(ll)], k));
        map_.memory[static_cast<size_t>(p)][word] = memories_.word(p, c);
        map_.loads[static_cast<size_t>(p)].emplace_back(word, memories_.word(p, c));
      }
    }
  }

  // The word count calcx4 divides among the four instances: input passes ×
  // output channels × 9·bits / (kernel area · 8).
  int calcx4_words(const LayerSpec& l, const KernelPlacement& k) const {
    const int bits = std::abs(l.quantization);
    const int area = k.size[0] * k.size[1];
    return input_expansion(net_, l).passes * l.out_channels * 9 * bits / (area * 8);
  }

  const Network& net_;
  const Device& dev_;
  const CompileOptions& opt_;
  KernelMemories memories_;
  std::vector<LayerKernels> kernels_;
  KernelMap map_;
};

}  // namespace

KernelMap place_kernels(const Network& net, const CompileOptions& opt) {
  if (net.device == nullptr) throw Error("place_kernels: the network has no device");
  if (opt.weight_start < 0 || opt.weight_start >= static_cast<int>(net.device->kernel_words_large)) {
    throw Error({.key = "--weight-start"}, "the first kernel column must be in [0, " +
                                               std::to_string(net.device->kernel_words_large - 1) + "], found " +
                                               std::to_string(opt.weight_start));
  }
  return KernelPlacer(net, opt).run();
}

std::vector<KernelOverlap> kernel_overlaps(const KernelMap& map) {
  std::vector<KernelOverlap> out;
  for (size_t p = 0; p < map.loads.size(); ++p) {
    std::map<int, KernelWord> first;
    std::vector<int> lost;
    for (const auto& [word, bytes] : map.loads[p]) {
      const auto [it, fresh] = first.emplace(word, bytes);
      if (!fresh && it->second != bytes) lost.push_back(word);
    }
    std::sort(lost.begin(), lost.end());
    lost.erase(std::unique(lost.begin(), lost.end()), lost.end());
    for (const int w : lost) {
      if (!out.empty() && out.back().processor == static_cast<int>(p) && out.back().last_word + 1 == w) {
        out.back().last_word = w;
      } else {
        out.push_back({.processor = static_cast<int>(p), .first_word = w, .last_word = w});
      }
    }
  }
  return out;
}

}  // namespace ai8x::compile
