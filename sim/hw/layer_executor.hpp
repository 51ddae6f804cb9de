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
#include <utility>
#include <vector>

#include "device.hpp"
#include "hw/access_log.hpp"
#include "hw/fifo.hpp"
#include "hw/layer_config.hpp"
#include "hw/quadrant.hpp"

namespace ai8x::hw {

// The words a chain of streaming layers passes through its circular buffers.
// Computing whole layers at once, the model keeps them unwrapped here while
// the consuming layer runs, then folds them into its rollover buffer in the
// data memory (RPTR_BASE + (word − RPTR_BASE) mod FBUF, the last write of
// each slot wins): the memory ends as the chip leaves it.
class StreamBuffer {
 public:
  struct Word {
    uint32_t data = 0;
    unsigned lanes = 0;  // bytes written
    int layer = -1;      // the writing layer
  };
  [[nodiscard]] bool read(int memory, uint32_t word, uint32_t& value) const;
  void write(int memory, uint32_t word, uint32_t data, unsigned byte_mask, int layer);
  // Removes what `layer` wrote into `memory`, in word order.
  [[nodiscard]] std::vector<std::pair<uint32_t, Word>> take(int memory, int layer);
  void clear() { words_.clear(); }

 private:
  std::unordered_map<uint64_t, Word> words_;
};

// The data-memory words a streaming layer's rollover buffer occupies.
struct StreamRegion {
  int layer = 0;
  int memory = 0;
  uint32_t first = 0;  // words, inclusive
  uint32_t last = 0;
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
  // `producer`: the layer that ran before (whose stream a streaming layer reads).
  // `watch`: words whose `written` flag is set when the layer writes them.
  // Returns warnings about the layer's programming (e.g. input processors no
  // FIFO feeds).
  std::vector<std::string> run(const LayerConfig& c, bool stream_output, AccessLog* log, int producer = -1,
                               std::span<WatchedWord> watch = {});

  StreamBuffer& stream() { return stream_; }

 private:
  const Device& device_;
  std::array<Quadrant*, 4> q_;
  FifoSet fifos_;
  StreamBuffer stream_;
  std::vector<StreamRegion> chain_;  // rollover buffers of the running streaming chain
};

}  // namespace ai8x::hw
