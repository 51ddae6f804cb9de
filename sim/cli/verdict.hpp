#pragma once
// The known-answer verdict as every run mode prints it (fast engine, --replay,
// --model systemc): reading the expected file, the SystemC model's memories as
// the memory source, and the PASS/FAIL report.
#include <cstdint>
#include <string>
#include <vector>

#include "check/expected.hpp"
#include "check/kat.hpp"
#include "hw/replay.hpp"

namespace ai8x::cli {

std::string hex32(uint32_t v);

// An izer sampleoutput.h (by its .h extension) or an expected.json.
std::vector<KatBlock> read_known_answer(const std::string& path);

// The model's data memories after a run, as check_output() reads them.
class ModelMemory final : public MemoryReader {
 public:
  explicit ModelMemory(const hw::ReplayResult& r) : r_(r) {}
  [[nodiscard]] uint32_t read32(uint32_t addr) const override { return r_.read32(addr); }

 private:
  const hw::ReplayResult& r_;
};

// Prints "KAT: PASS ..." or "KAT: FAIL ..." with the mismatching words (and,
// with `locations`, their tensor coordinates and the unplaced words). Returns
// 0 on pass, 1 on mismatch.
int report_kat(const KatVerdict& v, const std::string& expected_path, bool locations);

// Warnings the model raised during a run (kernels lost to a second load).
// Returns how many were printed.
size_t report_model_warnings(const hw::ReplayResult& r);

}  // namespace ai8x::cli
