#pragma once
// Known-answer files: the conformance corpus' expected.json and the izer's
// sampleoutput.h (conventions §5.1). Both hold the same list of blocks; a
// block asks that (memory[addr + 4i] & mask) == words[i] for every i.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ai8x {

struct KatBlock {
  uint32_t addr = 0;
  uint32_t mask = 0xffffffff;
  std::vector<uint32_t> words;

  bool operator==(const KatBlock&) const = default;
};

// Total number of words over all blocks.
size_t kat_word_count(const std::vector<KatBlock>& blocks);

// {"checks": [{"addr": A, "mask": M, "words": [...]}, ...]} (other top-level keys
// are ignored). Throws ai8x::Error naming the file and the offending key or byte.
std::vector<KatBlock> read_expected_json(const std::string& path);
std::vector<KatBlock> parse_expected_json(std::string_view text, const std::string& name);

// `#define SAMPLE_OUTPUT { addr, mask, count, values..., ..., 0 }`. Throws
// ai8x::Error naming the file and line.
std::vector<KatBlock> read_sampleoutput_h(const std::string& path);
std::vector<KatBlock> parse_sampleoutput_h(std::string_view text, const std::string& name);

// The izer's exact text: header comment, blank line, 8 `0x%08x` values per
// line, terminating 0. An empty list is written as the terminator alone (the
// izer writes no file then).
std::string format_sampleoutput_h(const std::vector<KatBlock>& blocks);
void write_sampleoutput_h(const std::string& path, const std::vector<KatBlock>& blocks);

}  // namespace ai8x
