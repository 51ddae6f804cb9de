#include "io/checkpoint.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "core/error.hpp"
#include "io/binary.hpp"
#include "io/file_bytes.hpp"
#include "io/pickle.hpp"
#include "io/zip_archive.hpp"

namespace ai8x::io {

namespace {

using pickle::Kind;
using pickle::Pickle;
using pickle::Ref;

enum class Repr { kF16, kBF16, kF32, kF64, kI8, kI16, kI32, kI64, kU8, kBool };

struct DType {
  const char* name;
  size_t size;
  Repr repr;
};

// torch.<X>Storage -> element type. Only the classes a state_dict can hold are listed.
std::optional<DType> dtype_of(std::string_view storage_class) {
  static const std::map<std::string_view, DType> kTypes = {
      {"torch.FloatStorage", {"float32", 4, Repr::kF32}}, {"torch.DoubleStorage", {"float64", 8, Repr::kF64}},
      {"torch.HalfStorage", {"float16", 2, Repr::kF16}},  {"torch.BFloat16Storage", {"bfloat16", 2, Repr::kBF16}},
      {"torch.LongStorage", {"int64", 8, Repr::kI64}},    {"torch.IntStorage", {"int32", 4, Repr::kI32}},
      {"torch.ShortStorage", {"int16", 2, Repr::kI16}},   {"torch.CharStorage", {"int8", 1, Repr::kI8}},
      {"torch.ByteStorage", {"uint8", 1, Repr::kU8}},     {"torch.BoolStorage", {"bool", 1, Repr::kBool}},
  };
  const auto it = kTypes.find(storage_class);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

// Magic number of the legacy format, 0x1950a86a20f9469cfc6c, as LONG1 little-endian bytes.
constexpr uint8_t kLegacyMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kLegacyProtocol = 1001;

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& msg) {
  throw Error({.file = file, .key = key}, msg);
}

double decode(const uint8_t* p, const DType& t, bool big_endian) {
  const uint64_t bits = load_bits(p, t.size, big_endian);
  switch (t.repr) {
    case Repr::kF16: return half_to_double(static_cast<uint16_t>(bits));
    case Repr::kBF16: return std::bit_cast<float>(static_cast<uint32_t>(bits << 16));
    case Repr::kF32: return std::bit_cast<float>(static_cast<uint32_t>(bits));
    case Repr::kF64: return std::bit_cast<double>(bits);
    case Repr::kI8: return static_cast<int8_t>(bits);
    case Repr::kI16: return static_cast<int16_t>(bits);
    case Repr::kI32: return static_cast<int32_t>(bits);
    case Repr::kI64: return static_cast<double>(static_cast<int64_t>(bits));
    case Repr::kU8: return static_cast<double>(bits);
    case Repr::kBool: return bits != 0 ? 1.0 : 0.0;
  }
  return 0;
}

// The raw bytes of one storage (the whole root storage, before any view is applied).
struct StorageBytes {
  const uint8_t* data = nullptr;
  size_t numel = 0;
};

// Resolves a storage key to its bytes; implementations cache, since tensors share storages.
// `tensor_key` (the state_dict key that needs the storage) names errors.
using StorageSource =
    std::function<StorageBytes(const std::string& key, const DType& type, const std::string& tensor_key)>;

struct Reader {
  std::string path;
  bool big_endian = false;
  size_t value_budget = 0;  // elements still allowed in the output (bounded by the file size)
  // Bytes still allowed out of zip entries. Each entry is bounded by its compressed size, but
  // many deflated entries (up to ~1000:1 each) could still add up to far more than the file.
  uint64_t inflate_budget = 0;
  uint64_t zip_file_bytes = 0;

  std::vector<uint8_t> read_entry(const ZipArchive& zip, size_t index, uint64_t max_bytes) {
    if (zip.size(index) > inflate_budget) {
      fail(path, zip.names()[index],
           "zip entries expand to more than " + std::to_string(inflate_budget) + " further bytes (limit for a " +
               std::to_string(zip_file_bytes) + "-byte archive)");
    }
    std::vector<uint8_t> out = zip.read(index, std::min(max_bytes, inflate_budget));
    inflate_budget -= out.size();
    return out;
  }

  CheckpointTensor tensor(const Pickle& p, const pickle::TensorRef& t, const std::string& key,
                          const StorageSource& source) {
    const pickle::StorageRef& s = p.storages.at(t.storage);
    const auto type = dtype_of(s.type);
    if (!type) fail(path, key, "unsupported storage type " + s.type);
    const StorageBytes bytes = source(s.key, *type, key);

    // A legacy storage view selects [view_offset, view_offset + view_size) of the root.
    const auto base = static_cast<uint64_t>(s.view_offset);
    if (base > bytes.numel) fail(path, key, "storage view starts beyond its storage");
    const uint64_t length = s.view_size ? static_cast<uint64_t>(*s.view_size) : bytes.numel - base;
    if (length > bytes.numel - base) fail(path, key, "storage view ends beyond its storage");

    uint64_t numel = 1;
    for (int64_t d : t.shape) {
      if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel)) numel = UINT64_MAX;
    }
    if (numel > value_budget) {
      fail(path, key, "tensor of " + std::to_string(numel) + " elements exceeds what the file can hold");
    }
    if (numel > 0) {
      // Highest element addressed, checked without overflow (numel <= budget bounds the sizes).
      uint64_t last = static_cast<uint64_t>(t.offset);
      bool overflow = false;
      for (size_t i = 0; i < t.shape.size(); ++i) {
        uint64_t span = 0;
        overflow =
            overflow ||
            __builtin_mul_overflow(static_cast<uint64_t>(t.shape[i] - 1), static_cast<uint64_t>(t.stride[i]), &span) ||
            __builtin_add_overflow(last, span, &last);
      }
      if (overflow || last >= length) {
        fail(path, key,
             "tensor (offset " + std::to_string(t.offset) + ", " + std::to_string(numel) +
                 " elements) reaches beyond its storage of " + std::to_string(length) + " elements");
      }
    }
    value_budget -= numel;

    CheckpointTensor out;
    out.key = key;
    out.dtype = type->name;
    out.shape = t.shape;
    out.values.resize(numel);
    const uint8_t* origin = bytes.data + (base + static_cast<uint64_t>(t.offset)) * type->size;
    // Row-major walk with an odometer over the strides.
    const size_t ndim = t.shape.size();
    std::vector<int64_t> index(ndim, 0);
    uint64_t pos = 0;
    for (uint64_t flat = 0; flat < numel; ++flat) {
      out.values[flat] = decode(origin + pos * type->size, *type, big_endian);
      for (size_t k = ndim; k-- > 0;) {
        pos += static_cast<uint64_t>(t.stride[k]);
        if (++index[k] < t.shape[k]) break;
        pos -= static_cast<uint64_t>(t.stride[k]) * static_cast<uint64_t>(index[k]);
        index[k] = 0;
      }
    }
    return out;
  }

  Checkpoint extract(const Pickle& p, const StorageSource& source, const std::string& format) {
    Checkpoint ck;
    ck.path = path;
    ck.format = format;
    if (p.at(p.root).kind != Kind::kDict) fail(path, "", "checkpoint is not a dictionary");
    const auto sd = p.dict_get(p.root, "state_dict");
    if (!sd) fail(path, "state_dict", "`state_dict` missing");
    if (p.at(*sd).kind != Kind::kDict) fail(path, "state_dict", "`state_dict` is not a dictionary");
    if (const auto arch = p.dict_get(p.root, "arch"); arch && p.at(*arch).kind == Kind::kStr) {
      ck.arch = p.at(*arch).text;
    }
    if (const auto epoch = p.dict_get(p.root, "epoch"); epoch && p.at(*epoch).kind == Kind::kInt) {
      ck.epoch = p.at(*epoch).integer;
    }
    for (const auto& [k, v] : p.dict_items(*sd)) {
      if (p.at(k).kind != Kind::kStr) {
        fail(path, "state_dict", "`state_dict` has a key that is not a string");
      }
      const std::string& key = p.at(k).text;
      if (p.at(v).kind != Kind::kTensor) fail(path, key, "state_dict entry is not a tensor");
      ck.state_dict.push_back(tensor(p, p.tensors.at(p.at(v).index), key, source));
    }
    return ck;
  }

  Checkpoint read_zip(const std::shared_ptr<const std::vector<uint8_t>>& bytes) {
    const ZipArchive zip(bytes, path);
    // torch writes "<name>/data.pkl" with the storages under "<name>/data/".
    std::optional<size_t> pkl;
    for (size_t i = 0; i < zip.names().size(); ++i) {
      const std::string& n = zip.names()[i];
      const size_t slash = n.find('/');
      const bool top_level =
          n == "data.pkl" || (slash != std::string::npos && slash + 9 == n.size() && n.ends_with("/data.pkl"));
      if (!top_level) continue;
      if (pkl) fail(path, n, "zip archive holds more than one data.pkl");
      pkl = i;
    }
    if (!pkl) fail(path, "data.pkl", "zip archive has no data.pkl (not a PyTorch checkpoint)");
    const std::string& pkl_name = zip.names()[*pkl];
    const std::string prefix = pkl_name.substr(0, pkl_name.size() - 8);

    if (const auto order = zip.find(prefix + "byteorder")) {
      const std::vector<uint8_t> text = read_entry(zip, *order, 64);
      std::string s(text.begin(), text.end());
      while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.pop_back();
      if (s != "little" && s != "big") {
        fail(path, prefix + "byteorder", "unknown byte order '" + s + "'");
      }
      big_endian = s == "big";
    }

    const std::vector<uint8_t> pkl_bytes = read_entry(zip, *pkl, kMaxInputFileBytes);
    const Pickle p =
        pickle::unpickle(pkl_bytes.data(), pkl_bytes.size(),
                         {.file = path, .what = pkl_name, .persistent_ids = pickle::PersistentIds::kTorchZip});

    std::map<std::string, std::vector<uint8_t>> cache;
    const StorageSource source = [&](const std::string& key, const DType& type, const std::string& tensor_key) {
      const std::string name = prefix + "data/" + key;
      auto it = cache.find(key);
      if (it == cache.end()) {
        const auto index = zip.find(name);
        if (!index) fail(path, tensor_key, "storage " + name + " is missing from the zip archive");
        it = cache.emplace(key, read_entry(zip, *index, kMaxInputFileBytes)).first;
      }
      if (it->second.size() % type.size != 0) {
        fail(path, tensor_key,
             "storage " + name + " has " + std::to_string(it->second.size()) +
                 " bytes, not a multiple of the element size " + std::to_string(type.size));
      }
      return StorageBytes{it->second.data(), it->second.size() / type.size};
    };
    return extract(p, source, "zip");
  }

  pickle::Pickle next_pickle(const std::vector<uint8_t>& bytes, size_t& offset, const std::string& what,
                             pickle::PersistentIds ids) {
    pickle::Pickle p = pickle::unpickle(bytes.data() + offset, bytes.size() - offset,
                                        {.file = path, .what = what, .base_offset = offset, .persistent_ids = ids});
    offset += p.consumed;
    return p;
  }

  Checkpoint read_legacy(const std::vector<uint8_t>& bytes) {
    size_t offset = 0;
    bool magic_ok = false;
    try {
      const Pickle magic = next_pickle(bytes, offset, "magic number", pickle::PersistentIds::kReject);
      const auto& m = magic.at(magic.root);
      magic_ok = m.kind == Kind::kBigInt && m.text.size() == sizeof kLegacyMagic &&
                 std::memcmp(m.text.data(), kLegacyMagic, sizeof kLegacyMagic) == 0;
    } catch (const Error&) {
      magic_ok = false;
    }
    if (!magic_ok) fail(path, "", "not a PyTorch checkpoint (neither zip nor legacy pickle)");

    const Pickle version = next_pickle(bytes, offset, "protocol version", pickle::PersistentIds::kReject);
    const auto& v = version.at(version.root);
    if (v.kind != Kind::kInt || v.integer != kLegacyProtocol) {
      fail(path, "protocol version", "unsupported legacy checkpoint protocol version");
    }
    const size_t sys_info_offset = offset;
    const Pickle sys_info = next_pickle(bytes, offset, "sys_info", pickle::PersistentIds::kReject);
    if (sys_info.at(sys_info.root).kind != Kind::kDict) {
      fail(path, "byte offset " + std::to_string(sys_info_offset), "legacy sys_info is not a dictionary");
    }
    const Pickle object = next_pickle(bytes, offset, "checkpoint object", pickle::PersistentIds::kTorchLegacy);
    const size_t keys_offset = offset;
    const Pickle keys = next_pickle(bytes, offset, "storage keys", pickle::PersistentIds::kReject);
    const auto& key_list = keys.at(keys.root);
    if (key_list.kind != Kind::kList) {
      fail(path, "byte offset " + std::to_string(keys_offset), "legacy storage key list is not a list");
    }

    // Element type of every storage the object references (a key may be used by several views).
    std::map<std::string, std::string> type_names;
    for (const auto& s : object.storages) {
      // The data section counts elements of one type; a view of another type would be read
      // with the wrong element size (past the end of the storage).
      const auto [it, added] = type_names.emplace(s.key, s.type);
      if (!added && it->second != s.type) {
        fail(path, s.key, "storage `" + s.key + "` is referenced as " + it->second + " and as " + s.type);
      }
    }

    // Data section: per key, int64 LE element count then the raw elements.
    std::map<std::string, StorageBytes> spans;
    for (Ref r : key_list.items) {
      const auto& k = keys.at(r);
      const std::string where = "byte offset " + std::to_string(offset);
      if (k.kind != Kind::kStr) fail(path, where, "legacy storage key is not a string");
      const auto name = type_names.find(k.text);
      if (name == type_names.end()) {
        fail(path, k.text, "storage key in the key list is not referenced by the checkpoint");
      }
      const auto type = dtype_of(name->second);
      if (!type) fail(path, k.text, "unsupported storage type " + name->second);
      if (bytes.size() - offset < 8) {
        fail(path, where, "truncated legacy data section (storage `" + k.text + "`)");
      }
      const uint64_t count = load_bits(bytes.data() + offset, 8, false);
      offset += 8;
      if (count > (bytes.size() - offset) / type->size) {
        fail(path, where,
             "truncated legacy data section (storage `" + k.text + "` needs " + std::to_string(count) + " elements)");
      }
      const StorageBytes span{bytes.data() + offset, static_cast<size_t>(count)};
      if (!spans.emplace(k.text, span).second) {
        fail(path, k.text, "storage key listed twice in the legacy key list");
      }
      offset += static_cast<size_t>(count) * type->size;
    }
    const StorageSource source = [&](const std::string& key, const DType&, const std::string& tensor_key) {
      const auto it = spans.find(key);
      if (it == spans.end()) {
        fail(path, tensor_key, "storage `" + key + "` is missing from the legacy data section");
      }
      return it->second;
    };
    return extract(object, source, "legacy");
  }
};

}  // namespace

const CheckpointTensor* Checkpoint::find(std::string_view key) const {
  for (const CheckpointTensor& t : state_dict) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

Checkpoint read_checkpoint(const std::string& path) {
  return read_checkpoint_bytes(read_file_bytes(path), path);
}

Checkpoint read_checkpoint_bytes(std::vector<uint8_t> contents, const std::string& path) {
  auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(contents));
  Reader reader;
  reader.path = path;
  // Stride-0 views could expand a tiny storage enormously; allow a few times the file size.
  reader.value_budget = 4 * bytes->size() + (size_t{1} << 20);
  // torch stores zip entries uncompressed; leave ample room for re-compressed archives.
  reader.zip_file_bytes = bytes->size();
  reader.inflate_budget = 16 * static_cast<uint64_t>(bytes->size()) + (uint64_t{64} << 20);
  if (bytes->size() >= 4 && std::memcmp(bytes->data(), "PK", 2) == 0) return reader.read_zip(bytes);
  if (!bytes->empty() && (*bytes)[0] == 0x80) return reader.read_legacy(*bytes);
  fail(path, "", "not a PyTorch checkpoint (neither zip nor legacy pickle)");
}

}  // namespace ai8x::io
