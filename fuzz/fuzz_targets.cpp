#include "fuzz_targets.hpp"

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "check/expected.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "io/checkpoint.hpp"
#include "io/npy.hpp"
#include "io/pickle.hpp"
#include "io/trace.hpp"
#include "io/yaml_value.hpp"
#include "io/zip_archive.hpp"
#include "register_map.hpp"
#include "spec/network_yaml.hpp"

namespace ai8x::fuzz {

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw InvariantBroken(what);
}

// Runs one reader step: ai8x::Error is a rejection, everything else propagates.
template <typename F>
Outcome attempt(F&& step) {
  try {
    step();
    return Outcome::kParsed;
  } catch (const Error&) {
    return Outcome::kRejected;
  }
}

Outcome both(Outcome a, Outcome b) {
  return a == Outcome::kParsed && b == Outcome::kParsed ? Outcome::kParsed : Outcome::kRejected;
}

// Element count of a shape; the readers have already bounded it by the input size.
size_t elements(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

std::string as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

void check_npy(const io::NpyArray& a) {
  for (int64_t d : a.shape) require(d >= 0, "npy: negative dimension");
  require(a.data.size() == elements(a.shape), "npy: element count differs from the shape");
}

void check_dict(const io::pickle::Pickle& p, io::pickle::Ref dict) {
  for (const auto& [k, v] : p.dict_items(dict)) {
    require(k < p.objects.size() && v < p.objects.size(), "pickle: dict refers past the arena");
  }
}

}  // namespace

Outcome npy(const uint8_t* data, size_t size) {
  const Outcome single = attempt([&] {
    size_t consumed = 0;
    const io::NpyArray a = io::parse_npy(data, size, "fuzz.npy", &consumed);
    check_npy(a);
    require(consumed <= size, "npy: consumed more bytes than given");
  });
  const Outcome sequence = attempt([&] {
    for (const io::NpyArray& a : io::parse_npy_sequence(data, size, "fuzz.npy")) check_npy(a);
  });
  return both(single, sequence);
}

Outcome zip(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<const std::vector<uint8_t>>(data, data + size);
  std::unique_ptr<io::ZipArchive> archive;
  if (attempt([&] { archive = std::make_unique<io::ZipArchive>(bytes, "fuzz.zip"); }) == Outcome::kRejected) {
    return Outcome::kRejected;
  }
  Outcome all = Outcome::kParsed;
  for (size_t i = 0; i < archive->names().size(); ++i) {
    require(archive->find(archive->names()[i]).has_value(), "zip: listed entry not found");
    all = both(all, attempt([&] {
                 const uint64_t recorded = archive->size(i);
                 const std::vector<uint8_t> entry = archive->read(i, 1 << 24);
                 require(entry.size() == recorded, "zip: entry size differs from the central directory");
               }));
  }
  return all;
}

Outcome pickle(const uint8_t* data, size_t size) {
  Outcome all = Outcome::kParsed;
  for (const auto ids : {io::pickle::PersistentIds::kTorchZip, io::pickle::PersistentIds::kTorchLegacy}) {
    size_t offset = 0;
    for (int n = 0; n < 8 && offset < size; ++n) {
      const Outcome one = attempt([&] {
        const io::pickle::Pickle p = io::pickle::unpickle(
            data + offset, size - offset, {.file = "fuzz.pkl", .base_offset = offset, .persistent_ids = ids});
        require(p.consumed > 0 && p.consumed <= size - offset, "pickle: consumed count out of range");
        require(p.root < p.objects.size(), "pickle: root is not an object");
        for (const io::pickle::TensorRef& t : p.tensors) {
          require(t.storage < p.storages.size(), "pickle: tensor without its storage");
        }
        // What the checkpoint reader does with the dictionaries it meets.
        check_dict(p, p.root);
        if (const auto sd = p.dict_get(p.root, "state_dict")) check_dict(p, *sd);
        offset += p.consumed;
      });
      all = both(all, one);
      if (one == Outcome::kRejected) break;
    }
  }
  return all;
}

Outcome checkpoint(const uint8_t* data, size_t size) {
  return attempt([&] {
    const io::Checkpoint ck = io::read_checkpoint_bytes(std::vector<uint8_t>(data, data + size), "fuzz.pth.tar");
    for (const io::CheckpointTensor& t : ck.state_dict) {
      for (int64_t d : t.shape) require(d >= 0, "checkpoint: negative dimension");
      require(t.values.size() == elements(t.shape), "checkpoint: value count differs from the shape");
    }
  });
}

Outcome network_yaml(const uint8_t* data, size_t size) {
  io::YamlValue doc;
  if (attempt([&] { doc = io::parse_yaml(as_text(data, size), "fuzz.yaml"); }) == Outcome::kRejected) {
    return Outcome::kRejected;
  }
  Outcome all = Outcome::kParsed;
  struct Run {
    const Device* device;
    int skip_layers;
  };
  const std::array<Run, 3> runs = {{{&max78000(), 0}, {&max78002(), 0}, {&max78000(), 1}}};
  for (const Run& run : runs) {
    all = both(all, attempt([&] {
                 const spec::NetworkYaml net = spec::parse_network_yaml(doc, "fuzz.yaml", *run.device, run.skip_layers);
                 for (size_t i = 0; i < net.layers.size(); ++i) {
                   require(net.layers[i].sequence == static_cast<int>(i), "yaml: layer slots not closed up");
                 }
               }));
  }
  return all;
}

Outcome expected_json(const uint8_t* data, size_t size) {
  return attempt([&] {
    const std::vector<KatBlock> blocks = parse_expected_json(as_text(data, size), "fuzz.json");
    // sampleoutput.h ends its list with address 0, so only blocks at non-zero addresses survive.
    for (const KatBlock& b : blocks) {
      if (b.addr == 0) return;
    }
    require(parse_sampleoutput_h(format_sampleoutput_h(blocks), "fuzz.h") == blocks,
            "expected.json: sampleoutput.h round trip changed the blocks");
  });
}

Outcome sampleoutput_h(const uint8_t* data, size_t size) {
  return attempt([&] {
    const std::vector<KatBlock> blocks = parse_sampleoutput_h(as_text(data, size), "fuzz.h");
    require(parse_sampleoutput_h(format_sampleoutput_h(blocks), "fuzz.h") == blocks,
            "sampleoutput.h: format/parse round trip changed the blocks");
  });
}

Outcome trace(const uint8_t* data, size_t size) {
  return attempt([&] {
    const io::Trace t = io::parse_trace(as_text(data, size), "fuzz.txt");
    const io::Trace again = io::parse_trace(io::format_trace(t), "fuzz.txt");
    require(again.ops.size() == t.ops.size(), "trace: format/parse round trip changed the record count");
    for (size_t i = 0; i < t.ops.size(); ++i) {
      const io::BusOp& a = t.ops[i];
      const io::BusOp& b = again.ops[i];
      require(a.kind == b.kind && a.width == b.width && a.address == b.address && a.value == b.value &&
                  a.mask == b.mask && a.phase == b.phase,
              "trace: format/parse round trip changed a record");
    }
    const Device* device = find_device(t.device);
    if (device == nullptr) return;
    const RegisterMap map(*device);
    for (const io::BusOp& op : t.ops) {
      const auto target = map.decode(op.address);
      if (target && target->kind == AddressTarget::Kind::Layer) {
        require(map.address(target->quadrant, target->layer, target->reg) == op.address,
                "trace: register address does not round-trip through the register map");
      }
    }
  });
}

std::span<const NamedTarget> all_targets() {
  static constexpr NamedTarget kTargets[] = {
      {"npy", &npy},
      {"zip", &zip},
      {"pickle", &pickle},
      {"checkpoint", &checkpoint},
      {"network_yaml", &network_yaml},
      {"expected_json", &expected_json},
      {"sampleoutput_h", &sampleoutput_h},
      {"trace", &trace},
  };
  return kTargets;
}

}  // namespace ai8x::fuzz
