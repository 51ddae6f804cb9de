#pragma once
// Whole-file reads with a size cap, shared by every reader.
#include <cstdint>
#include <string>
#include <vector>

namespace ai8x::io {

// Largest input file any reader accepts (checkpoints of the largest public
// networks are a few MB; samples a few MB).
inline constexpr uint64_t kMaxInputFileBytes = 1ULL << 30;

// Reads `path` completely. Throws ai8x::Error naming the file when it does
// not exist, is not a regular file, cannot be read or exceeds `max_bytes`.
std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t max_bytes = kMaxInputFileBytes);

}  // namespace ai8x::io
