#pragma once
// Runs one decoded layer at layer granularity, as the processors would:
// gather the input from the data memories (or FIFOs) with the programmed read
// pointer and packing, unpack the kernels from the kernel memories and the
// bias from the bias RAM, compute with the arithmetic core (the same
// functions the fast engine uses), and scatter the outputs through the
// programmed write pointer.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "device.hpp"
#include "hw/access_log.hpp"
#include "hw/fifo.hpp"
#include "hw/layer_config.hpp"
#include "hw/quadrant.hpp"

namespace ai8x::hw {

// The words a chain of streaming layers passes through its circular buffers.
// Computing whole layers at once, the model keeps them unwrapped here instead
// of in the (smaller) rollover buffers of the data memories.
class StreamBuffer {
 public:
  [[nodiscard]] bool read(int memory, uint32_t word, uint32_t& value) const;
  void write(int memory, uint32_t word, uint32_t data, unsigned byte_mask);
  void clear() { words_.clear(); }

 private:
  std::unordered_map<uint64_t, uint32_t> words_;
};

struct FifoSet {
  StandardFifos* standard = nullptr;
  FastFifo* fast = nullptr;
};

// A data-memory word whose writes are watched (the snoop units).
struct WatchedWord {
  int memory = 0;  // quadrant·4 + instance
  uint32_t word = 0;
  bool written = false;
};

class LayerExecutor {
 public:
  LayerExecutor(const Device& device, std::array<Quadrant*, 4> quadrants, FifoSet fifos);

  // Words each FIFO must hold before a FIFO-fed layer can run (index 4 = fast FIFO).
  [[nodiscard]] std::array<size_t, 5> fifo_words_needed(const LayerConfig& c) const;

  // `stream_output`: the next layer reads this one's output as a stream.
  // `watch`: words whose `written` flag is set when the layer writes them.
  // Returns warnings about the layer's programming (e.g. input processors no
  // FIFO feeds).
  std::vector<std::string> run(const LayerConfig& c, bool stream_output, AccessLog* log,
                               std::span<WatchedWord> watch = {});

  StreamBuffer& stream() { return stream_; }

 private:
  const Device& device_;
  std::array<Quadrant*, 4> q_;
  FifoSet fifos_;
  StreamBuffer stream_;
};

}  // namespace ai8x::hw
