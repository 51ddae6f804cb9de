#pragma once
// The generated cnn_load_weights(): the kernel memory words grouped into runs
// of consecutive words (one loader block each, in processor and address
// order), and their bus encodings (hw-facts §4.8).
#include <array>
#include <cstdint>
#include <vector>

#include "compile/kernel_map.hpp"

namespace ai8x::compile {

struct KernelRun {
  int processor = 0;  // 0..63
  int word = 0;       // first physical word
  std::vector<KernelWord> words;
};

// One word the generated loader writes: processor, physical word, contents.
struct KernelLoad {
  int processor = 0;
  int word = 0;
  KernelWord bytes{};
};

// Runs of consecutive words, from the loads in the generator's order (per
// processor, by logical column). The generator sorts each processor's loads
// by address, keeping the order of loads to the same word (a calcx4 layer can
// overwrite an earlier layer's words), and starts a new run wherever the next
// load is not the following word — so a word loaded twice starts a new run.
// With `skip_zero` (--zero-sram, memories already cleared) all-zero words are
// not loaded.
std::vector<KernelRun> kernel_runs(std::vector<KernelLoad> loads, bool skip_zero = false);

// The loads of a kernel map: one per occupied word, in processor and word
// order (the final memory contents). A network that mixes a non-calcx4 layer
// with calcx4 layers whose words collide with it needs the generator's full
// load order instead, which KernelMap does not record yet (such a network
// loses kernels on the chip too: hw::KernelMemory::overwritten()).
std::vector<KernelLoad> kernel_loads(const KernelMap& map);

// kernel_runs(kernel_loads(map), skip_zero).
std::vector<KernelRun> kernel_runs(const KernelMap& map, bool skip_zero = false);

// The 32-bit words the express loader streams for a run: the run's 9-byte
// words back to back, four bytes per word, first byte most significant,
// zero-padded (hw-facts §4.8 "mexpress").
std::vector<uint32_t> express_words(const KernelRun& run);

// The four 32-bit words the normal loader writes for one kernel word:
// byte 0; bytes 1-4; bytes 5-8; 0 ("execute write").
std::array<uint32_t, 4> normal_words(const KernelWord& w);

}  // namespace ai8x::compile
