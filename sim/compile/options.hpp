#pragma once
// Switches of the configuration compiler (placement and programming only; no
// numeric effect).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::compile {

// Generator switches that only shape the register program (the bus writes
// of the generated C code), not placement or values.
struct ProgramSwitches {
  bool write_zero_registers = false;   // --write-zero-registers: zero-valued registers are written too
  bool zero_unused = false;            // --zero-unused: clears the registers of unused layers
  bool zero_sram = false;              // --zero-sram: BIST-clears memories, skips all-zero kernels
  bool one_shot = false;               // --one-shot: CTRL.oneshot
  bool stop_start = false;             // --stop-start: cnn_stop(); cnn_continue() after start
  bool link_layer = false;             // --link-layer: every layer links to the next (MAX78002)
  bool read_ahead_all = false;         // --read-ahead (MAX78002)
  std::vector<int> read_ahead_layers;  // YAML `readahead: true`
  bool fifo_go = false;                // --fifo-go: STRM0 bit 25 of the start layer
  bool fifo_wait = true;               // --no-fifo-wait: no FIFO-full polls while loading
  bool powerdown = false;              // --powerdown: AON write powering down unused quadrants
  bool debug_new_streaming = true;     // MAX78002 streaming formula variant (the generator always uses it)
  int repeat_layers = 1;               // --repeat-layers N
  std::optional<bool> pipeline;        // --pipeline / --no-pipeline (default: where supported)
  std::optional<bool> pll;             // --pll / --no-pll (default: where supported)
  bool balance_speed = true;           // --max-speed turns it off: no PLL/4 clock while loading
  std::optional<int> clock_divider;    // --clock-divider N
  std::optional<int> ready_sel;        // --ready-sel: APB wait states of CTRL
  std::optional<int> ready_sel_fifo;   // --ready-sel-fifo
  std::optional<int> ready_sel_aon;    // --ready-sel-aon
  std::optional<int> override_start, override_rollover, override_delta1, override_delta2;
  int increase_start = 2;  // --increase-start (the generator's default is 2)
  int increase_delta1 = 0, increase_delta2 = 0;
  bool fixed_input = false;           // --fixed-input: a 0x55555555/0xaaaaaaaa pattern instead of the sample
  std::vector<uint32_t> snoop;        // YAML `snoop`: 32 register values (MAX78002)
  std::map<int, int> snoop_sequence;  // YAML `snoop_sequence` per layer: link target when not linking otherwise
  std::map<int, bool> tcalc;          // YAML `tcalc` per layer (default: read-ahead with more than one pass)
};

struct CompileOptions {
  int weight_start = 0;             // --weight-start N: first kernel memory column to search from
  bool deduplicate_weights = true;  // --no-deduplicate-weights turns sharing of identical kernels/biases off
  bool calcx4_all = false;          // --calcx4
  std::vector<int> calcx4_layers;   // layers with YAML `calcx4: true` (MAX78002)
  ProgramSwitches program;          // register program only

  [[nodiscard]] bool calcx4(int layer) const {
    return calcx4_all || std::find(calcx4_layers.begin(), calcx4_layers.end(), layer) != calcx4_layers.end();
  }
  [[nodiscard]] bool read_ahead(int layer) const {
    return program.read_ahead_all || std::find(program.read_ahead_layers.begin(), program.read_ahead_layers.end(),
                                               layer) != program.read_ahead_layers.end();
  }
};

// The options a resolved network carries (--weight-start, --no-deduplicate-weights,
// --calcx4, YAML `calcx4`).
inline CompileOptions compile_options(const Network& net) {
  CompileOptions c;
  c.weight_start = net.options.weight_start;
  c.deduplicate_weights = net.options.deduplicate_weights;
  c.calcx4_all = net.options.calcx4;
  for (const auto& l : net.layers) {
    if (l.calcx4) c.calcx4_layers.push_back(l.index);
  }
  return c;
}

}  // namespace ai8x::compile
