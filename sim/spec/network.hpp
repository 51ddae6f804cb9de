#pragma once
// The network as the simulator understands it: every YAML key resolved, every
// izer default and derivation applied, weights attached. Produced by
// spec::build_network() (sim/spec/derive.cpp); consumed by the engine, the KAT
// placement, --describe and the configuration compiler.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "device.hpp"

namespace ai8x {

enum class Op { Conv2d, Conv1d, ConvTranspose2d, Linear, Passthrough };
enum class Eltwise { None, Add, Sub, Or, Xor };
enum class PoolKind { None, Max, Avg };
enum class Activation { None, ReLU, Abs };

const char* to_string(Op op);         // izer spelling: conv2d, conv1d, convtranspose2d, linear, passthrough
const char* to_string(Eltwise e);     // none, add, sub, or, xor
const char* to_string(PoolKind p);    // none, max, avg
const char* to_string(Activation a);  // no, ReLU, Abs (as the izer's table prints them)

using Pair = std::array<int, 2>;  // [rows (H), columns (W)]; 1-D data is [L, 1]

struct LayerSpec {
  int index = 0;     // YAML sequence number (after `sequence:` gaps are closed)
  std::string name;  // `name:`, may be empty

  // Operator.
  Op op = Op::Conv2d;
  Eltwise eltwise = Eltwise::None;
  int operands = 1;  // element-wise operands (1 = none)
  bool pool_first = true;
  bool bypass = false;  // MAX78002 kernel bypass (no weights)
  bool calcx4 = false;  // MAX78002 `calcx4`: changes kernel order and bias rounding, not values
  int groups = 1;       // depthwise when groups == in == out (MAX78002)

  // Geometry. Pairs are [H, W]; Conv1d uses H as the length and W = 1.
  PoolKind pool = PoolKind::None;
  Pair pool_size{1, 1};
  Pair pool_stride{1, 1};
  Pair pool_dilation{1, 1};
  Pair kernel{1, 1};
  Pair pad{0, 0};
  Pair stride{1, 1};
  Pair dilation{1, 1};
  int output_pad = 0;  // ConvTranspose2d only
  bool flatten = false;
  Pair in_crop{0, 0};       // rows/samples dropped [top, bottom] before the in_dim reshape
  bool has_in_dim = false;  // `in_dim:` was given (re-interprets incoming data)

  Activation activation = Activation::None;

  // Derived shapes (conventions §1.6).
  int in_channels = 0;  // after flatten: divided by pooled H·W
  int out_channels = 0;
  Pair in_dim{0, 0};
  Pair pooled_dim{0, 0};
  Pair out_dim{0, 0};

  // Memory placement.
  uint64_t processors = 0;
  uint64_t output_processors = 0;
  uint32_t in_offset = 0;
  uint32_t out_offset = 0;
  int write_gap = 0;
  int read_gap = 0;
  bool chw_input = false;  // data_format: CHW (first layer only)
  bool streaming = false;
  int in_passes = 1;    // input expansion
  int in_per_pass = 0;  // expansion threshold (channels per pass)
  int out_passes = 1;
  int out_per_pass = 0;
  std::optional<int> bias_group;  // YAML bias_group (first entry), if given

  // Data flow.
  std::vector<int> in_sequences;  // empty: previous executed layer; -1: the network input
  int next_sequence = -1;         // -1: stop
  int prev_sequence = -1;         // previously executed layer, -1 for the first
  bool output = false;            // checked by the KAT

  // Arithmetic.
  int quantization = 8;  // weight bits: 8, 4, 2, 1; -1 = binary ±1; 0 = no weights
  int output_shift = 0;  // total shift incl. 8 - |quantization| (what POST holds)
  int output_width = 8;  // 8 or 32

  // Weights in (out_channels, in_channels / groups, kH, kW) order, ints; for
  // ConvTranspose2d already flipped and transposed (conventions §2.6); for
  // Linear with flatten, in = C·H·W. Empty for layers without weights.
  std::vector<int64_t> weights;
  std::array<int, 4> weight_shape{0, 0, 0, 0};
  std::vector<int64_t> bias;  // bias_int per output channel (added ×128); empty = none

  [[nodiscard]] bool has_weights() const { return !weights.empty(); }
  [[nodiscard]] bool is_eltwise() const { return eltwise != Eltwise::None; }
  [[nodiscard]] bool is_1d() const { return op == Op::Conv1d; }
};

// izer command-line switches that change numbers or layout (conventions §6).
struct IzerOptions {
  bool avg_pool_rounding = false;
  bool no_bias_all = false;
  std::vector<int> no_bias_layers;
  std::optional<int> output_width;  // --output-width: final layer override
  bool ignore_activation = false;
  bool ignore_bn = false;
  std::optional<int> stop_after;
  std::optional<int> start_layer;
  std::optional<int> max_proc;
  std::optional<uint32_t> input_offset;
  bool legacy_test = false;
  bool fifo = false;
  bool fast_fifo = false;
  bool fast_fifo_quad = false;
  bool riscv = false;
  bool mlator = false;
  bool simple1b = false;
  bool overlap_data = false;
  bool reshape_inputs = false;
  bool ignore_streaming = false;
  std::vector<int> streaming_layers;
  int skip_checkpoint_layers = 0;
  int skip_yaml_layers = 0;
  std::optional<uint32_t> apb_base;
  std::optional<int> synthesize_input;
  int synthesize_words = 8;
  std::optional<std::string> input_csv_format;  // "555" or "565"
  bool mexpress = true;
  int weight_start = 0;             // --weight-start: first kernel memory column searched
  bool deduplicate_weights = true;  // --no-deduplicate-weights: identical kernels are not shared
  bool calcx4 = false;              // --calcx4 (MAX78002): every layer computes 4 output channels per pass
  bool compact_data = true;
};

struct Network {
  const Device* device = nullptr;
  std::string config_file;
  std::string arch;
  std::string dataset;
  std::vector<LayerSpec> layers;  // indexed by YAML sequence
  // The layers whose results the known answer is computed from, in order: the
  // hardware sequence (next_sequence from the start layer), except where a
  // MAX78002 test redirects the izer's model with `simulated_sequence`.
  std::vector<int> order;
  std::vector<int> hardware_order;  // next_sequence from the start layer
  int start_layer = 0;
  int final_layer = 0;                 // the terminating layer of `order` (after --stop-after)
  std::optional<uint64_t> output_map;  // YAML `output_map`
  IzerOptions options;
  Tensor input;  // the sample, C×H×W (1-D: C×L×1), values in [-128, 127]
  std::string sample_file;
  std::string weights_file;           // checkpoint or sample weights actually used
  std::vector<std::string> warnings;  // non-fatal findings, one line each
};

// Channel `c` of a `per_pass`-channel map: pass and processor (the j-th set bit).
struct ChannelPlace {
  int pass = 0;
  int processor = 0;
};
ChannelPlace place_channel(uint64_t map, int per_pass, int channel);

// passes = ceil(C/64); per pass = ceil(C/passes), rounded up to a multiple of 4
// when C > 64 (conventions §1.6 step 9). `max_proc` is --max-proc.
struct Expansion {
  int passes = 1;
  int per_pass = 0;
};
Expansion expansion(int channels, int max_proc = 64);

}  // namespace ai8x
