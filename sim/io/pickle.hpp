#pragma once
// A minimal, bounded pickle virtual machine for PyTorch checkpoints (conventions.md §2.2).
// It never runs code: only the classes a checkpoint needs are built (collections.OrderedDict,
// torch._utils._rebuild_tensor[_v2] / _rebuild_parameter, persistent storage ids); every other
// global is an opaque value, and calling or building an opaque value gives another opaque value.
// Objects live in an arena and refer to each other by index, so cyclic or deeply nested input
// cannot leak or overflow the C++ stack.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ai8x::io::pickle {

using Ref = uint32_t;  // index into Pickle::objects

enum class Kind : uint8_t {
  kNone,
  kBool,
  kInt,
  kBigInt,  // integer beyond int64: `text` holds its little-endian two's-complement bytes
  kFloat,
  kStr,
  kBytes,
  kTuple,
  kList,  // also sets and frozensets
  kDict,
  kGlobal,   // a class or function named by GLOBAL/STACK_GLOBAL: `text` = "module.name"
  kOpaque,   // result of calling/instantiating an unknown global: `text` = its "module.name"
  kStorage,  // persistent storage id: `index` into Pickle::storages
  kTensor,   // rebuilt tensor: `index` into Pickle::tensors
};

struct Object {
  Kind kind = Kind::kNone;
  bool ordered = false;    // kDict built by collections.OrderedDict
  int64_t integer = 0;     // kBool (0/1), kInt
  uint32_t index = 0;      // kStorage, kTensor
  double real = 0;         // kFloat
  std::string text;        // kStr (UTF-8 bytes), kBytes, kBigInt, kGlobal, kOpaque
  std::vector<Ref> items;  // kTuple/kList elements; kDict: key0, value0, key1, value1, ...
};

// One torch persistent id ('storage', <class>, key, location, numel[, view_metadata]).
struct StorageRef {
  std::string type;      // qualified class name, e.g. "torch.FloatStorage"
  std::string key;       // storage key, e.g. "94405000724992"
  std::string location;  // e.g. "cpu"
  int64_t numel = 0;     // as recorded in the id
  // Legacy storage views (view_metadata = (view_key, offset, size)); plain storages have none.
  int64_t view_offset = 0;
  std::optional<int64_t> view_size;
};

struct TensorRef {
  uint32_t storage = 0;  // index into Pickle::storages
  int64_t offset = 0;    // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

enum class PersistentIds {
  kReject,       // no persistent ids allowed
  kTorchZip,     // 5-tuple ids (torch >= 1.6 zip files)
  kTorchLegacy,  // 6-tuple ids (legacy sequential-pickle files)
};

struct Limits {
  size_t max_stack = size_t{1} << 20;    // values on the stack
  size_t max_marks = 4096;               // nesting of MARKs
  size_t max_memo = size_t{1} << 22;     // memo entries
  size_t max_objects = size_t{1} << 24;  // arena size (also bounded by 2 x input bytes)
};

struct Options {
  std::string file;        // names the file in errors
  std::string what;        // names the pickle in messages, e.g. "archive/data.pkl"
  size_t base_offset = 0;  // file offset of the pickle's first byte (for error offsets)
  PersistentIds persistent_ids = PersistentIds::kReject;
  Limits limits;
};

struct Pickle {
  std::vector<Object> objects;
  std::vector<StorageRef> storages;
  std::vector<TensorRef> tensors;
  Ref root = 0;
  size_t consumed = 0;  // bytes up to and including STOP

  [[nodiscard]] const Object& at(Ref ref) const { return objects.at(ref); }
  // A dict's entries as Python would see them: a repeated key keeps its first position and
  // takes its last value.
  [[nodiscard]] std::vector<std::pair<Ref, Ref>> dict_items(Ref dict) const;
  // Value for a string key of a dict, if present.
  [[nodiscard]] std::optional<Ref> dict_get(Ref dict, std::string_view key) const;
};

// Runs one pickle starting at `data` (it ends at STOP; later bytes are not read).
// Throws ai8x::Error{file, key = "byte offset N"} on malformed input or a limit hit.
Pickle unpickle(const uint8_t* data, size_t size, const Options& options);

}  // namespace ai8x::io::pickle
