#include "check/hazards.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <limits>
#include <tuple>
#include <unordered_map>

#include "core/error.hpp"
#include "register_map.hpp"

namespace ai8x {
namespace {

using hw::AccessLog;
using hw::DataAccess;

// Log events are stored 1-based in the per-byte arrays so that 0 means "none".
using EventRef = uint32_t;
constexpr EventRef kNone = 0;
constexpr int kMaxLayer = 1 << 16;  // bounds the streamed-layer table

uint64_t mix(uint64_t h, uint64_t v) {
  // splitmix64 step: cheap and good enough to spread small packed integers.
  h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  return h;
}

// Hazards of the same kind, layers and memory collapse into one.
struct GroupKey {
  HazardKind kind;
  int writer;
  int producer;
  int reader;
  int memory;
  bool operator==(const GroupKey&) const = default;
};
struct GroupKeyHash {
  size_t operator()(const GroupKey& k) const {
    uint64_t h = static_cast<uint64_t>(k.kind);
    for (int v : {k.writer, k.producer, k.reader, k.memory}) h = mix(h, static_cast<uint32_t>(v));
    return static_cast<size_t>(h);
  }
};

// The words a reader reads with one (operand, memory, channel); each byte lane
// of them is one input channel, which must come from one layer.
struct StreamKey {
  int reader;
  int operand;
  int memory;
  int channel;
  bool operator==(const StreamKey&) const = default;
};
struct StreamKeyHash {
  size_t operator()(const StreamKey& k) const {
    uint64_t h = 0;
    for (int v : {k.reader, k.operand, k.memory, k.channel}) h = mix(h, static_cast<uint32_t>(v));
    return static_cast<size_t>(h);
  }
};

// Bytes of a stream whose value (by `writer`) replaced an earlier layer's (`producer`).
struct Candidate {
  int writer = 0;
  int producer = 0;
  size_t count = 0;
  EventRef read = kNone, write = kNone, overwritten = kNone;  // first occurrence
  uint32_t byte_offset = 0;
  uint32_t min_offset = std::numeric_limits<uint32_t>::max();
  uint32_t max_offset = 0;
};

struct LaneStream {
  std::vector<int> writers;  // layers whose data this lane reads (few)
  std::vector<Candidate> candidates;
};
using Stream = std::array<LaneStream, 4>;

HazardParty party(const DataAccess& a) {
  return {.layer = a.layer, .channel = a.channel, .row = a.row, .col = a.col, .operand = a.operand};
}

bool contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

class Checker {
 public:
  Checker(const AccessLog& log, const Device& device, const HazardOptions& options)
      : log_(log),
        device_(device),
        map_(device),
        options_(options),
        memories_(device.quadrants * (device.processors_per_quadrant / device.processors_per_memory)),
        bytes_(device.data_memory_bytes),
        cur_(static_cast<size_t>(memories_) * bytes_, kNone),
        prev_(cur_.size(), kNone),
        read_(cur_.size(), kNone) {
    for (int layer : options.streamed_layers) {
      if (layer < 0 || layer > kMaxLayer) continue;
      if (static_cast<size_t>(layer) >= streamed_.size()) streamed_.resize(static_cast<size_t>(layer) + 1, false);
      streamed_[static_cast<size_t>(layer)] = true;
    }
  }

  std::vector<Hazard> run() {
    for (size_t i = 0; i < log_.size(); ++i) {
      const DataAccess& a = log_[i];
      if (a.lanes == 0) continue;
      if (a.is_write) {
        write(i, a);
      } else {
        read(i, a);
      }
    }
    resolve_streams();
    // Groups come out of hash maps: order them fully so that reports are stable.
    auto order = [](const Hazard& h) {
      return std::make_tuple(h.first_event, h.kind, h.memory, h.writer ? h.writer->layer : 0,
                             h.producer ? h.producer->layer : 0, h.lanes);
    };
    std::sort(hazards_.begin(), hazards_.end(), [&](const Hazard& x, const Hazard& y) { return order(x) < order(y); });
    return std::move(hazards_);
  }

 private:
  [[nodiscard]] bool inside(const DataAccess& a) const {
    return a.memory >= 0 && a.memory < memories_ && a.byte_offset < bytes_ && bytes_ - a.byte_offset >= 4;
  }
  [[nodiscard]] size_t byte_index(const DataAccess& a, int lane) const {
    return static_cast<size_t>(a.memory) * bytes_ + a.byte_offset + static_cast<uint32_t>(lane);
  }
  [[nodiscard]] const DataAccess& event(EventRef e) const { return log_[e - 1]; }
  [[nodiscard]] bool streamed(int layer) const {
    return layer >= 0 && static_cast<size_t>(layer) < streamed_.size() && streamed_[static_cast<size_t>(layer)];
  }
  [[nodiscard]] uint32_t address(int memory, uint32_t byte_offset) const {
    const int per_quadrant = device_.processors_per_quadrant / device_.processors_per_memory;
    return map_.data_address(memory / per_quadrant, memory % per_quadrant, byte_offset);
  }
  [[nodiscard]] const std::vector<int>* producers(int layer, int operand) const {
    if (layer < 0 || static_cast<size_t>(layer) >= options_.producers.size()) return nullptr;
    const auto& per_operand = options_.producers[static_cast<size_t>(layer)];
    if (per_operand.empty()) return nullptr;
    const auto k = static_cast<size_t>(operand);
    const auto& list =
        per_operand.size() == 1 || operand < 0 || k >= per_operand.size() ? per_operand.front() : per_operand[k];
    return list.empty() ? nullptr : &list;
  }

  // Adds `bytes` bytes (in `lanes`) at word `byte_offset` of `memory` to the
  // group of `key`; the first occurrence (smallest event) gives the coordinates.
  void add(const GroupKey& key, size_t event_index, uint32_t byte_offset, uint8_t lanes, size_t bytes,
           const std::optional<HazardParty>& writer, const std::optional<HazardParty>& producer,
           const std::optional<HazardParty>& reader, uint32_t min_offset, uint32_t max_offset) {
    const bool valid_memory = key.memory >= 0 && key.memory < memories_;
    auto [it, fresh] = groups_.try_emplace(key, hazards_.size());
    if (fresh) {
      Hazard h;
      h.kind = key.kind;
      h.memory = key.memory;
      h.first_event = std::numeric_limits<size_t>::max();
      h.first_address = std::numeric_limits<uint32_t>::max();
      hazards_.push_back(h);
    }
    Hazard& h = hazards_[it->second];
    if (event_index < h.first_event) {
      h.first_event = event_index;
      h.writer = writer;
      h.producer = producer;
      h.reader = reader;
      h.byte_offset = byte_offset;
      h.address = valid_memory ? address(key.memory, byte_offset) : byte_offset;
    }
    if (valid_memory) {
      h.first_address = std::min(h.first_address, address(key.memory, min_offset));
      h.last_address = std::max(h.last_address, address(key.memory, max_offset));
    } else {
      h.first_address = std::min(h.first_address, min_offset);
      h.last_address = std::max(h.last_address, max_offset);
    }
    h.lanes |= lanes;
    h.count += bytes;
  }
  void add(HazardKind kind, size_t i, const DataAccess& a, uint8_t lanes, const std::optional<HazardParty>& writer,
           const std::optional<HazardParty>& producer, const std::optional<HazardParty>& reader) {
    const GroupKey key{kind, writer ? writer->layer : 0, producer ? producer->layer : 0, reader ? reader->layer : 0,
                       a.memory};
    add(key, i, a.byte_offset, lanes, static_cast<size_t>(std::popcount(lanes)), writer, producer, reader,
        a.byte_offset, a.byte_offset);
  }

  void write(size_t i, const DataAccess& a) {
    const bool stream = streamed(a.layer);
    if (!inside(a)) {
      if (!stream) add(HazardKind::WriteBeyondInstance, i, a, a.lanes, party(a), std::nullopt, std::nullopt);
      return;
    }
    const auto self = static_cast<EventRef>(i + 1);
    uint8_t in_place = 0;
    EventRef in_place_read = kNone;
    for (int lane = 0; lane < 4; ++lane) {
      if (((a.lanes >> lane) & 1U) == 0) continue;
      const size_t b = byte_index(a, lane);
      // The layer read the value it now replaces: output over its own input.
      if (!stream && read_[b] != kNone && read_[b] > cur_[b] && event(read_[b]).layer == a.layer) {
        in_place |= static_cast<uint8_t>(1U << lane);
        if (in_place_read == kNone) in_place_read = read_[b];
      }
      if (cur_[b] != kNone && event(cur_[b]).layer != a.layer) prev_[b] = cur_[b];
      cur_[b] = self;
    }
    if (in_place != 0 && options_.in_place) {
      add(HazardKind::InPlace, i, a, in_place, party(a), std::nullopt, party(event(in_place_read)));
    }
  }

  void read(size_t i, const DataAccess& a) {
    if (streamed(a.layer)) return;
    if (!inside(a)) {
      add(HazardKind::ReadBeyondInstance, i, a, a.lanes, std::nullopt, std::nullopt, party(a));
      return;
    }
    const auto self = static_cast<EventRef>(i + 1);
    const std::vector<int>* expected = producers(a.layer, a.operand);
    uint8_t never = 0;
    for (int lane = 0; lane < 4; ++lane) {
      if (((a.lanes >> lane) & 1U) == 0) continue;
      const size_t b = byte_index(a, lane);
      read_[b] = self;
      const EventRef w = cur_[b];
      if (w == kNone) {
        never |= static_cast<uint8_t>(1U << lane);
        continue;
      }
      const auto bit = static_cast<uint8_t>(1U << lane);
      const DataAccess& writer = event(w);
      const EventRef p = prev_[b];
      if (writer.layer == a.layer) {
        // Reads its own output: the write came before the read (a finer-grained log).
        if (options_.in_place) add(HazardKind::InPlace, i, a, bit, party(writer), std::nullopt, party(a));
      } else if (expected != nullptr) {
        if (contains(*expected, writer.layer)) continue;
        if (p != kNone && contains(*expected, event(p).layer)) {
          add(HazardKind::OverwriteBeforeUse, i, a, bit, party(writer), party(event(p)), party(a));
        } else if (options_.unexpected_producer) {
          add(HazardKind::UnexpectedProducer, i, a, bit, party(writer), std::nullopt, party(a));
        }
      } else {
        note_stream(i, a, lane, w, p);
      }
    }
    if (never != 0) add(HazardKind::ReadNeverWritten, i, a, never, std::nullopt, std::nullopt, party(a));
  }

  void note_stream(size_t i, const DataAccess& a, int lane, EventRef w, EventRef p) {
    const StreamKey key{a.layer, a.operand, a.memory, a.channel};
    if (last_stream_ == nullptr || !(last_key_ == key)) {
      last_stream_ = &streams_[key];
      last_key_ = key;
    }
    LaneStream& s = (*last_stream_)[static_cast<size_t>(lane)];
    const int wl = event(w).layer;
    if (!contains(s.writers, wl)) s.writers.push_back(wl);
    if (p == kNone) return;
    const int pl = event(p).layer;
    auto c = std::find_if(s.candidates.begin(), s.candidates.end(),
                          [&](const Candidate& x) { return x.writer == wl && x.producer == pl; });
    if (c == s.candidates.end()) {
      s.candidates.push_back({.writer = wl,
                              .producer = pl,
                              .read = static_cast<EventRef>(i + 1),
                              .write = w,
                              .overwritten = p,
                              .byte_offset = a.byte_offset});
      c = s.candidates.end() - 1;
    }
    ++c->count;
    c->min_offset = std::min(c->min_offset, a.byte_offset);
    c->max_offset = std::max(c->max_offset, a.byte_offset);
  }

  // A stream that reads both K's data and bytes where L replaced K's data: L
  // overwrote what the reader still needed.
  void resolve_streams() {
    for (const auto& [key, stream] : streams_) {
      for (size_t lane = 0; lane < stream.size(); ++lane) {
        const LaneStream& s = stream[lane];
        for (const Candidate& c : s.candidates) {
          if (!contains(s.writers, c.producer)) continue;
          const GroupKey g{HazardKind::OverwriteBeforeUse, c.writer, c.producer, key.reader, key.memory};
          add(g, c.read - 1, c.byte_offset, static_cast<uint8_t>(1U << lane), c.count, party(event(c.write)),
              party(event(c.overwritten)), party(event(c.read)), c.min_offset, c.max_offset);
        }
      }
    }
  }

  const AccessLog& log_;
  const Device& device_;
  RegisterMap map_;
  const HazardOptions& options_;
  std::vector<bool> streamed_;  // by layer
  int memories_;
  uint32_t bytes_;
  std::vector<EventRef> cur_;   // per byte: last write
  std::vector<EventRef> prev_;  // per byte: last write by another layer before cur_
  std::vector<EventRef> read_;  // per byte: last read
  std::unordered_map<StreamKey, Stream, StreamKeyHash> streams_;
  Stream* last_stream_ = nullptr;  // cache: consecutive reads mostly hit the same stream
  StreamKey last_key_{};
  std::unordered_map<GroupKey, size_t, GroupKeyHash> groups_;
  std::vector<Hazard> hazards_;
};

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string short_hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string lanes_text(uint8_t lanes) {
  std::vector<int> set;
  for (int i = 0; i < 8; ++i) {
    if ((lanes >> i) & 1U) set.push_back(i);
  }
  if (set.empty()) return "no lanes";
  if (set.size() == 1) return "lane " + std::to_string(set[0]);
  if (set.back() - set.front() + 1 == static_cast<int>(set.size())) {
    return "lanes " + std::to_string(set.front()) + "-" + std::to_string(set.back());
  }
  std::string s = "lanes ";
  for (size_t i = 0; i < set.size(); ++i) s += (i ? "," : "") + std::to_string(set[i]);
  return s;
}

std::string layer_text(int layer) {
  return layer == kHostLayer ? "the host" : "layer " + std::to_string(layer);
}

std::string coordinates(const HazardParty& p) {
  std::string s;
  auto field = [&](const char* name, int v) {
    if (v < 0) return;
    if (!s.empty()) s += ", ";
    s += name;
    s += " " + std::to_string(v);
  };
  field("channel", p.channel);
  field("row", p.row);
  field("col", p.col);
  return s;
}

// "layer 3 output channel 0, row 2, col 0" / "the host input channel 0, ..."
std::string output_text(const HazardParty& p) {
  const std::string c = coordinates(p);
  return layer_text(p.layer) + (p.layer == kHostLayer ? " input" : " output") + (c.empty() ? "" : " " + c);
}
std::string input_text(const HazardParty& p) {
  const std::string c = coordinates(p);
  return layer_text(p.layer) + " input operand " + std::to_string(p.operand) + (c.empty() ? "" : ", " + c);
}

bool valid_memory(const Hazard& h, const Device& d) {
  return h.memory >= 0 && h.memory < d.quadrants * (d.processors_per_quadrant / d.processors_per_memory);
}

std::string where_text(const Hazard& h, const Device& d) {
  if (!valid_memory(h, d)) {
    return "memory " + std::to_string(h.memory) + " (no such instance) byte offset " + short_hex(h.byte_offset);
  }
  const int per_quadrant = d.processors_per_quadrant / d.processors_per_memory;
  return "memory " + std::to_string(h.memory) + " (q" + std::to_string(h.memory / per_quadrant) + " instance " +
         std::to_string(h.memory % per_quadrant) + ") address " + hex(h.address);
}

// ", byte offset 0x8000 is beyond the instance's 0x8000 bytes" (nothing when there is no such instance).
std::string beyond_text(const Hazard& h, const Device& d) {
  if (!valid_memory(h, d)) return "";
  return ", byte offset " + short_hex(h.byte_offset) + " is beyond the instance's " + short_hex(d.data_memory_bytes) +
         " bytes";
}

// " [32 bytes, 0x50402020-0x5040203c]" for a group of more than one access.
std::string group_text(const Hazard& h, const Device& d) {
  if (h.count <= static_cast<size_t>(std::popcount(h.lanes)) && h.first_address == h.last_address) return "";
  const auto range = valid_memory(h, d)
                         ? hex(h.first_address) + "-" + hex(h.last_address)
                         : "byte offsets " + short_hex(h.first_address) + "-" + short_hex(h.last_address);
  return " [" + std::to_string(h.count) + " bytes, " + range + "]";
}

std::string format_data_hazard(const Hazard& h, const Device& d) {
  const HazardParty none{};
  const HazardParty& w = h.writer ? *h.writer : none;
  const HazardParty& r = h.reader ? *h.reader : none;
  const std::string where = where_text(h, d) + " " + lanes_text(h.lanes);
  std::string s = is_warning(h.kind) ? "warning: " : "hazard: ";
  switch (h.kind) {
    case HazardKind::OverwriteBeforeUse:
      s += layer_text(w.layer) + " overwrites " + where + " (" + output_text(w) + ") before " + layer_text(r.layer) +
           " reads it (" + input_text(r) + "; written by " + (h.producer ? output_text(*h.producer) : "?") + ")";
      break;
    case HazardKind::ReadNeverWritten:
      s += layer_text(r.layer) + " reads " + where + " that nothing wrote (" + input_text(r) + ")";
      break;
    case HazardKind::WriteBeyondInstance:
      s += layer_text(w.layer) + " writes " + where + beyond_text(h, d) + " (" + output_text(w) + ")";
      break;
    case HazardKind::ReadBeyondInstance:
      s += layer_text(r.layer) + " reads " + where + beyond_text(h, d) + " (" + input_text(r) + ")";
      break;
    case HazardKind::InPlace:
      s += layer_text(w.layer) + " writes its output over its own input at " + where + " (" + output_text(w) + "; " +
           input_text(r) + "): the hardware may overwrite input it has not read yet";
      break;
    case HazardKind::UnexpectedProducer:
      s += layer_text(r.layer) + " reads " + where + " holding " + output_text(w) +
           ", which is not one of its inputs (" + input_text(r) + ")";
      break;
    default: break;
  }
  return s + group_text(h, d);
}

}  // namespace

std::string_view hazard_kind_name(HazardKind kind) {
  switch (kind) {
    case HazardKind::OverwriteBeforeUse: return "overwrite-before-use";
    case HazardKind::ReadNeverWritten: return "read-never-written";
    case HazardKind::WriteBeyondInstance: return "write-beyond-instance";
    case HazardKind::ReadBeyondInstance: return "read-beyond-instance";
    case HazardKind::InPlace: return "in-place";
    case HazardKind::UnexpectedProducer: return "unexpected-producer";
    case HazardKind::KernelOverflow: return "kernel-overflow";
    case HazardKind::BiasOverflow: return "bias-overflow";
  }
  return "?";
}

bool is_warning(HazardKind kind) {
  return kind == HazardKind::InPlace || kind == HazardKind::UnexpectedProducer;
}

HazardOptions hazard_options(const Network& net) {
  HazardOptions o;
  o.producers.resize(net.layers.size());
  // The layer before each one in the executed order: with MAX78002 snoop
  // branches (`simulated_sequence`) it differs from prev_sequence.
  std::vector<std::optional<int>> order_prev(net.layers.size());
  for (size_t k = 1; k < net.order.size(); ++k) {
    const auto layer = static_cast<size_t>(net.order[k]);
    if (layer < order_prev.size()) order_prev[layer] = net.order[k - 1];
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const LayerSpec& l = net.layers[i];
    auto& per_operand = o.producers[i];
    if (l.in_sequences.empty()) {
      std::vector<int> list{l.prev_sequence < 0 ? kHostLayer : l.prev_sequence};
      if (order_prev[i] && !contains(list, *order_prev[i])) list.push_back(*order_prev[i]);
      per_operand.push_back(std::move(list));
    } else if (l.is_eltwise() && static_cast<int>(l.in_sequences.size()) == l.operands) {
      for (int s : l.in_sequences) per_operand.push_back({s < 0 ? kHostLayer : s});
    } else {
      std::vector<int> all;
      for (int s : l.in_sequences) all.push_back(s < 0 ? kHostLayer : s);
      per_operand.push_back(std::move(all));
    }
    if (l.streaming) {
      o.streamed_layers.push_back(static_cast<int>(i));
      for (const auto& list : per_operand) {
        for (int p : list) {
          if (p != kHostLayer) o.streamed_layers.push_back(p);
        }
      }
    }
  }
  std::sort(o.streamed_layers.begin(), o.streamed_layers.end());
  o.streamed_layers.erase(std::unique(o.streamed_layers.begin(), o.streamed_layers.end()), o.streamed_layers.end());
  return o;
}

std::vector<Hazard> find_hazards(const hw::AccessLog& log, const Device& device, const HazardOptions& options) {
  if (log.size() >= std::numeric_limits<EventRef>::max()) {
    throw Error({.key = "access log"}, "the access log has " + std::to_string(log.size()) +
                                           " entries; the hazard check handles fewer than 2^32 - 1");
  }
  return Checker(log, device, options).run();
}

std::vector<Hazard> capacity_hazards(std::span<const int> kernel_words, std::span<const int> bias_entries,
                                     const Device& device) {
  std::vector<Hazard> out;
  for (size_t p = 0; p < kernel_words.size(); ++p) {
    const auto used = static_cast<uint64_t>(std::max(kernel_words[p], 0));
    const bool exists = p < static_cast<size_t>(device.processors());
    const uint64_t available = exists ? device.kernel_words(static_cast<int>(p)) : 0;
    if (used <= available) continue;
    Hazard h;
    h.kind = HazardKind::KernelOverflow;
    h.processor = static_cast<int>(p);
    h.quadrant = static_cast<int>(p) / device.processors_per_quadrant;
    h.used = used;
    h.available = available;
    h.count = 1;
    out.push_back(h);
  }
  for (size_t q = 0; q < bias_entries.size(); ++q) {
    const auto used = static_cast<uint64_t>(std::max(bias_entries[q], 0));
    const uint64_t available = q < static_cast<size_t>(device.quadrants) ? device.bias_entries_per_quadrant : 0;
    if (used <= available) continue;
    Hazard h;
    h.kind = HazardKind::BiasOverflow;
    h.quadrant = static_cast<int>(q);
    h.used = used;
    h.available = available;
    h.count = 1;
    out.push_back(h);
  }
  return out;
}

std::string format_hazard(const Hazard& h, const Device& device) {
  const RegisterMap map(device);
  switch (h.kind) {
    case HazardKind::KernelOverflow: {
      const int p = h.processor % device.processors_per_quadrant;
      std::string s = "hazard: processor " + std::to_string(h.processor) + " (q" + std::to_string(h.quadrant) +
                      " processor " + std::to_string(p) + ") needs " + std::to_string(h.used) +
                      " kernel words, its kernel memory holds " + std::to_string(h.available);
      if (h.available > 0 && h.quadrant < device.quadrants) {
        s += " (first missing word at " + hex(map.kernel_address(h.quadrant, p, static_cast<int>(h.available))) + ")";
      }
      return s;
    }
    case HazardKind::BiasOverflow: {
      std::string s = "hazard: quadrant " + std::to_string(h.quadrant) + " needs " + std::to_string(h.used) +
                      " bias entries, its bias memory holds " + std::to_string(h.available);
      if (h.available > 0) {
        s += " (first missing entry at " + hex(map.bias_address(h.quadrant, static_cast<int>(h.available))) + ")";
      }
      return s;
    }
    default: return format_data_hazard(h, device);
  }
}

hw::AccessLog host_input_writes(const Device& device, const io::Trace& program) {
  const RegisterMap map(device);
  hw::AccessLog log;
  for (const io::BusOp& op : program.ops) {
    if (op.kind != io::BusOp::Kind::Write) continue;
    const auto t = map.decode(op.address);
    if (!t || t->kind != AddressTarget::Kind::Data) continue;
    const uint32_t byte = t->index & 3U;
    const auto lanes = static_cast<uint8_t>(op.width == 32 ? 0xFU : op.width == 16 ? (0x3U << byte) : (1U << byte));
    log.push_back({.layer = kHostLayer,
                   .is_write = true,
                   .memory = t->quadrant * 4 + t->processor / 4,
                   .byte_offset = t->index & ~3U,
                   .lanes = lanes});
  }
  return log;
}

}  // namespace ai8x
