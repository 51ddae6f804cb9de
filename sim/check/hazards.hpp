#pragma once
// Memory hazards of a run (docs/hazards.md): a layer that overwrites data a
// later layer still reads, reads of bytes nothing wrote, writes beyond a data
// memory instance, outputs written over the layer's own input, and kernel or
// bias memory overflows. The data-memory hazards come from the access log the
// SystemC model records (hw/access_log.hpp), so they describe what the
// configured registers actually do, not what the YAML meant.
//
// No SystemC here: only the plain header hw/access_log.hpp is used.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "device.hpp"
#include "hw/access_log.hpp"
#include "io/trace.hpp"
#include "spec/network.hpp"

namespace ai8x {

// The layer number the access log uses for the host's (CPU's) input writes.
inline constexpr int kHostLayer = -1;

enum class HazardKind : uint8_t {
  OverwriteBeforeUse,   // layer L overwrote a byte of layer K that layer M reads later
  ReadNeverWritten,     // layer M reads a byte neither the host nor a layer wrote
  WriteBeyondInstance,  // a write at or beyond Device::data_memory_bytes (or to no instance)
  ReadBeyondInstance,   // the same for a read
  InPlace,              // warning: a layer writes bytes of its own input
  UnexpectedProducer,   // warning: M reads data of a layer that is not one of its inputs (needs producers)
  KernelOverflow,       // a processor needs more kernel words than its kernel memory holds
  BiasOverflow,         // a quadrant needs more bias entries than its bias memory holds
};

// "overwrite-before-use", "read-never-written", ...
std::string_view hazard_kind_name(HazardKind kind);
// InPlace and UnexpectedProducer are warnings (they may be harmless); the rest
// are errors: the run reads or writes something other than intended.
bool is_warning(HazardKind kind);

// One party of a hazard: an access as the model logged it.
struct HazardParty {
  int layer = kHostLayer;
  int channel = -1;  // hardware channel as logged (-1: unknown)
  int row = -1;
  int col = -1;
  int operand = 0;  // element-wise operand of a read
};

struct Hazard {
  HazardKind kind = HazardKind::OverwriteBeforeUse;
  // Who is involved (coordinates of the group's first occurrence):
  //   OverwriteBeforeUse:   writer = L (the clobbering write), producer = K (whose value was lost),
  //                         reader = M (reads L's value instead of K's)
  //   ReadNeverWritten:     reader
  //   Write/ReadBeyond:     writer or reader
  //   InPlace:              writer and reader (the same layer)
  //   UnexpectedProducer:   writer (the layer whose data is read), reader
  std::optional<HazardParty> writer;
  std::optional<HazardParty> producer;
  std::optional<HazardParty> reader;

  // Where (data memory hazards).
  int memory = -1;             // data memory instance (quadrant·4 + instance); -1 for capacity hazards
  uint32_t byte_offset = 0;    // first occurrence: offset of the 32-bit word inside the instance
  uint32_t address = 0;        // ... its absolute bus address (RegisterMap::data_address)
  uint32_t first_address = 0;  // lowest and highest word address in the group
  uint32_t last_address = 0;
  uint8_t lanes = 0;       // byte lanes involved, over the whole group
  size_t count = 0;        // bytes (capacity hazards: 1) grouped into this hazard
  size_t first_event = 0;  // index of the first occurrence in the access log

  // Capacity hazards.
  int quadrant = -1;
  int processor = -1;      // 0..63 (KernelOverflow)
  uint64_t used = 0;       // kernel words / bias entries needed
  uint64_t available = 0;  // ... and what the memory holds
};

struct HazardOptions {
  // Optional data flow, indexed by layer: producers[M][k] lists the layers
  // (kHostLayer = the input data) whose output element-wise operand k of layer
  // M is meant to read; a single list applies to every operand. A layer with no
  // entry (or an empty list) is judged from the log alone (see find_hazards).
  std::vector<std::vector<std::vector<int>>> producers;
  // Layers that take part in streaming (`streaming: true` and the layers that
  // feed them): their buffers roll over while the consumer runs, which a
  // layer-granularity log cannot order. Their reads are not judged; their
  // writes are recorded (later layers read them) but not checked for InPlace
  // or WriteBeyondInstance (a write beyond the instance is dropped).
  std::vector<int> streamed_layers;
  bool in_place = true;             // report InPlace warnings
  bool unexpected_producer = true;  // report UnexpectedProducer warnings (only with producers)
};

// The producers of every layer of a network, from its resolved in_sequences
// (empty: the previously executed layer; the first layer reads the input).
// Element-wise layers with one in_sequences entry per operand get one list per
// operand. streamed_layers: the `streaming` layers and their producers.
HazardOptions hazard_options(const Network& net);

// The CPU's writes of a program into the data memories (the input load), as
// accesses of kHostLayer, to stand before the layers' accesses in a log.
hw::AccessLog host_input_writes(const Device& device, const io::Trace& program);

// Data memory hazards of a run, `log` in execution order ("earlier" and
// "later" are log positions, not layer numbers). Each byte of every instance
// keeps its last writer, the last writer from another layer before that, and
// its last reader, so this is linear in the log.
//
// Overwrite-before-use is decided per byte read by layer M whose value was
// written by L and, before that, by another layer K:
// * with producers for M: L is not a producer of the operand but K is;
// * without: in the same read stream of M (operand, memory, lane, channel —
//   one input channel), M also reads bytes still holding K's data: one input
//   channel cannot legitimately come from two layers. A complete overwrite of
//   K's data is then invisible; pass producers to catch it.
// Hazards of the same kind, layers and memory are grouped into one, with the
// byte count, the lanes and the address range; the result is ordered by first
// occurrence. Throws ai8x::Error for a log of 2^32 - 1 or more entries.
std::vector<Hazard> find_hazards(const hw::AccessLog& log, const Device& device, const HazardOptions& options = {});

// Kernel and bias memory capacity: kernel_words[p] = kernel memory words
// processor p (0..63) needs (compile::KernelMap::words_used), bias_entries[q] =
// bias entries quadrant q needs (compile::BiasMap::memory[q].size()). Entries
// for processors or quadrants the device does not have overflow a memory of
// size 0. Negative counts are treated as 0.
std::vector<Hazard> capacity_hazards(std::span<const int> kernel_words, std::span<const int> bias_entries,
                                     const Device& device);

// One line a person can act on, e.g. "hazard: layer 3 overwrites memory 0 (q0
// instance 0) address 0x50400100 lanes 0-3 (layer 3 output channel 0, row 2,
// col 0) before layer 5 reads it (layer 5 input operand 1, channel 0, row 2,
// col 0; written by layer 1 output channel 0, row 2, col 0)". Warnings start
// with "warning:"; a group adds " [N bytes, 0xFIRST-0xLAST]".
std::string format_hazard(const Hazard& hazard, const Device& device);

}  // namespace ai8x
