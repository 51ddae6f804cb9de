#pragma once
// Reader for quantized PyTorch checkpoints (`*.pth.tar`, conventions.md §2): the torch >= 1.6
// zip format and the legacy sequential-pickle format. Only what the izer uses is extracted:
// the state_dict (in insertion order), `arch` and `epoch`; optimizer state and extras are
// parsed but ignored.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ai8x::io {

struct CheckpointTensor {
  std::string key;    // state_dict key, e.g. "conv1.op.weight"
  std::string dtype;  // "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
                      // "int8", "uint8", "bool"
  std::vector<int64_t> shape;
  std::vector<double> values;  // row-major, honouring storage offset and strides
  [[nodiscard]] size_t numel() const { return values.size(); }
};

struct Checkpoint {
  std::string path;
  std::string format;  // "zip" or "legacy"
  std::optional<std::string> arch;
  std::optional<int64_t> epoch;
  std::vector<CheckpointTensor> state_dict;  // insertion order (it matters, §2.4)
  [[nodiscard]] const CheckpointTensor* find(std::string_view key) const;
};

// Throws ai8x::Error{.file = path, .key = checkpoint key or "byte offset N"} for anything
// malformed, e.g. "not a PyTorch checkpoint (neither zip nor legacy pickle)",
// "truncated zip archive ...", "`state_dict` missing".
Checkpoint read_checkpoint(const std::string& path);

// read_checkpoint on the file's contents already in memory; `path` only names them (in errors
// and Checkpoint::path).
Checkpoint read_checkpoint_bytes(std::vector<uint8_t> contents, const std::string& path);

}  // namespace ai8x::io
