#include "cli/verdict.hpp"

#include <cstdio>
#include <filesystem>

namespace ai8x::cli {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::vector<KatBlock> read_known_answer(const std::string& path) {
  if (std::filesystem::path(path).extension() == ".h") return read_sampleoutput_h(path);
  return read_expected_json(path);
}

int report_kat(const KatVerdict& v, const std::string& expected_path, bool locations) {
  if (v.pass) {
    std::printf("KAT: PASS (%zu words, %s)\n", v.total_words, expected_path.c_str());
    return 0;
  }
  std::printf("KAT: FAIL (%zu of %zu words differ, %s)\n", v.mismatched_words, v.total_words, expected_path.c_str());
  for (const auto& m : v.mismatches) {
    std::printf("  %s mask %s: expected %s, got %s", hex32(m.addr).c_str(), hex32(m.mask).c_str(),
                hex32(m.expected).c_str(), hex32(m.got).c_str());
    if (locations && m.where) {
      std::printf("  (layer %d, pass %d, row %d, column %d, channel", m.where->layer, m.where->pass, m.where->row,
                  m.where->col);
      for (int c : m.where->channels) std::printf(" %d", c);
      std::printf(")");
    }
    std::printf("\n");
  }
  if (locations && v.unplaced_words > 0) {
    std::printf("  %zu expected words lie where no output layer writes\n", v.unplaced_words);
  }
  return 1;
}

size_t report_model_warnings(const hw::ReplayResult& r) {
  size_t n = 0;
  for (const hw::LayerRecord& l : r.layers) {
    for (const std::string& w : l.warnings) {
      std::printf("warning: layer %d: %s\n", l.layer, w.c_str());
      ++n;
    }
  }
  constexpr size_t kShown = 8;
  for (size_t i = 0; i < r.kernel_overwrites.size() && i < kShown; ++i) {
    const hw::KernelOverwrite& k = r.kernel_overwrites[i];
    std::printf(
        "warning: kernel memory of processor %d (q%d p%d), words %u..%u: loaded twice with different data before "
        "the start; the first kernels are lost, so a layer that needs them computes with the second (on the chip "
        "too)\n",
        16 * k.quadrant + k.processor, k.quadrant, k.processor, k.first_word, k.last_word);
  }
  if (r.kernel_overwrites.size() > kShown) {
    std::printf("warning: ... and %zu more kernel memory ranges loaded twice\n", r.kernel_overwrites.size() - kShown);
  }
  return n + r.kernel_overwrites.size();
}

}  // namespace ai8x::cli
