#include "compile/kernel_loading.hpp"

#include <algorithm>
#include <utility>

namespace ai8x::compile {

std::vector<KernelRun> kernel_runs(std::vector<KernelLoad> loads, bool skip_zero) {
  std::stable_sort(loads.begin(), loads.end(), [](const KernelLoad& a, const KernelLoad& b) {
    return a.processor != b.processor ? a.processor < b.processor : a.word < b.word;
  });
  std::vector<KernelRun> runs;
  for (const KernelLoad& l : loads) {
    if (skip_zero && std::all_of(l.bytes.begin(), l.bytes.end(), [](uint8_t b) { return b == 0; })) continue;
    const bool extends = !runs.empty() && runs.back().processor == l.processor &&
                         runs.back().word + static_cast<int>(runs.back().words.size()) == l.word;
    if (!extends) runs.push_back({.processor = l.processor, .word = l.word, .words = {}});
    runs.back().words.push_back(l.bytes);
  }
  return runs;
}

std::vector<KernelLoad> kernel_loads(const KernelMap& map) {
  std::vector<KernelLoad> loads;
  for (size_t p = 0; p < map.loads.size(); ++p) {
    for (const auto& [word, bytes] : map.loads[p]) {
      loads.push_back({.processor = static_cast<int>(p), .word = word, .bytes = bytes});
    }
  }
  return loads;
}

std::vector<KernelRun> kernel_runs(const KernelMap& map, bool skip_zero) {
  return kernel_runs(kernel_loads(map), skip_zero);
}

std::vector<uint32_t> express_words(const KernelRun& run) {
  std::vector<uint32_t> out;
  out.reserve((run.words.size() * 9 + 3) / 4);
  uint32_t u = 0;
  int count = 0;
  for (const KernelWord& w : run.words) {
    for (uint8_t b : w) {
      u = u << 8 | b;
      if (++count == 4) {
        out.push_back(u);
        u = 0;
        count = 0;
      }
    }
  }
  if (count > 0) out.push_back(u << (8 * (4 - count)));
  return out;
}

std::array<uint32_t, 4> normal_words(const KernelWord& w) {
  auto be = [&](size_t i) {
    return static_cast<uint32_t>(w[i]) << 24 | static_cast<uint32_t>(w[i + 1]) << 16 |
           static_cast<uint32_t>(w[i + 2]) << 8 | w[i + 3];
  };
  return {w[0], be(1), be(5), 0};
}

}  // namespace ai8x::compile
