#pragma once
// The per-layer register values of the generated cnn_configure(): for every
// configured layer and used quadrant, the registers in the order the vendor
// generator writes them, with its values (hw-facts §3.2-3.3).
//
// The layer's "hardware view" comes first: the generator runs some layers on
// different hardware than the YAML describes (a Conv1d with a large dilation
// as a 3×3 Conv2d over folded input, a streaming 1×1 convolution as a 3×3 one,
// the padding of a ConvTranspose2d flipped), and the registers follow that view.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compile/bias_map.hpp"
#include "compile/configured_layers.hpp"
#include "compile/kernel_map.hpp"
#include "compile/options.hpp"
#include "register_map.hpp"
#include "spec/network.hpp"

namespace ai8x::compile {

// Register field layouts and programming rules that differ between the two
// accelerators (facts: hw-facts §3; the generator's device constants).
struct ProgramTraits {
  bool wide_counts = false;        // RCNT/CCNT hold stop, pad enable and the distance to the next start (MAX78002)
  int pad_shift = 16;              // RCNT/CCNT pad field
  int write_ptr_shift = 13;        // WPTR_BASE: data memory index above the word offset
  int instance_words = 2048;       // words one processor's share of a data memory spans (WPTR units)
  int xpch_shift = 8;              // LCTRL1 xpch_max
  bool pool_dilation = false;      // PRCNT/PCCNT dilation field, STRIDE multi-pass stride (MAX78002)
  bool kernel_dims = false;        // LCTRL0 kernel rows/columns, read-ahead fields (MAX78002)
  bool new_streaming = false;      // MAX78002 prefill/delta/buffer formulas
  bool eltwise_emulation = false;  // multi-pass element-wise passthrough emulated by rows (MAX78000)
  bool avgpool_reset = false;      // an avg-pool layer after an element-wise layer needs a reset layer (MAX78002)
  bool register_clear = false;     // cnn_init clears the registers with the BIST engine (MAX78002)
  bool pipeline_capable = false;   // CTRL can turn the pipelined mode off; on by default (MAX78002)
  bool fifo_completion = false;    // FIFO control bit 11 (MAX78000)
  bool oneshot_clear = false;      // the ISR clears CTRL.cnn_en also in one-shot mode (MAX78000)
  bool pll_capable = false;        // the CNN clock can run from the PLL; it does by default (MAX78002)
  int apb_mhz = 50;                // CNN clock sources (the generator's clock speeds)
  int pll_mhz = 0;
  int max_unpipelined_mhz = 50;
  uint32_t bist_zero = 0;  // TEST: clear registers and memories (bias too / without bias)
  uint32_t bist_zero_no_bias = 0;
  uint32_t bist_zero_done = 0;  // TEST bit that signals completion
  // --zero-sram: TEST values that run the BIST of the data, mask (kernel),
  // TRAM and bias memories, and the status bits that signal completion.
  struct Bist {
    uint32_t run = 0;
    uint32_t done = 0;
  };
  std::array<Bist, 4> bist{};
};
ProgramTraits program_traits(const Device& dev);

// What the generator works with for one layer.
struct LayerHardware {
  bool configured = false;
  bool passthrough = false;  // no operator in hardware (hw_operator NONE)
  Op op = Op::Conv2d;        // the hardware operator
  Pair in_dim{0, 0};
  Pair pooled_dim{0, 0};
  Pair kernel{1, 1};
  Pair pad{0, 0};
  int tram_max = 0;    // TRAM words per processor row (+1)
  int out_ignore = 0;  // bytes of output the folded Conv1d writes in front of out_offset
  Expansion in, out;
  int in_passes_invol = 0;  // passes counted by the stream input volume (read-ahead rounds up to 4)
  bool broadcast = false;   // depthwise with identical input and output maps
  bool emulate_eltwise = false;
  bool avgpool_reset = false;  // a reset layer is inserted before this one
  bool read_ahead = false;
  bool tcalc = false;
  bool calcx4 = false;
  uint64_t processors = 0;
  uint64_t output_processors = 0;
  int flatten_count = 0;  // in passes · pooled H · W − 1 for flatten layers
};

// One register write of the configuration.
struct RegisterWrite {
  enum class Target { Layer, Global };
  Target target = Target::Layer;
  int quadrant = 0;
  int layer = 0;  // hardware layer (reset layers shift the numbering)
  LayerRegister reg = LayerRegister::Rcnt;
  GlobalRegister global = GlobalRegister::Ctrl;
  uint32_t value = 0;
  bool force = false;  // written even when zero
};

int depthwise_write_target(const LayerHardware& h, int q);

// Network-wide facts of the register program.
class ProgramModel {
 public:
  ProgramModel(const Network& net, const CompileOptions& opt);

  [[nodiscard]] const Network& net() const { return net_; }
  [[nodiscard]] const CompileOptions& options() const { return opt_; }
  [[nodiscard]] const ProgramTraits& traits() const { return traits_; }
  [[nodiscard]] const RegisterMap& registers() const { return regs_; }
  [[nodiscard]] const KernelMap& kernels() const { return kernels_; }
  [[nodiscard]] const BiasMap& biases() const { return biases_; }
  [[nodiscard]] ConfiguredRange range() const { return range_; }
  [[nodiscard]] const std::vector<int>& quadrants() const { return quadrants_; }  // used quadrants, ascending
  [[nodiscard]] int final_layer() const { return final_layer_; }
  [[nodiscard]] int start_layer() const { return net_.start_layer; }
  [[nodiscard]] const LayerHardware& hw(int layer) const { return hw_[static_cast<size_t>(layer)]; }
  [[nodiscard]] int hardware_layer(int layer) const;  // with inserted reset layers
  [[nodiscard]] int inserted_layers() const { return inserted_; }
  [[nodiscard]] bool any_streaming() const;
  [[nodiscard]] bool binary_weights() const;
  [[nodiscard]] bool has_bias() const;
  [[nodiscard]] uint64_t input_processors() const;  // the start layer's map (quad FIFO mode: quadrant 0's)
  [[nodiscard]] int ready_sel() const { return opt_.program.ready_sel.value_or(0); }
  // Clocking: pipelined mode and PLL default to on where the device has them.
  [[nodiscard]] bool pipeline() const { return opt_.program.pipeline.value_or(traits_.pipeline_capable); }
  [[nodiscard]] bool pll() const { return opt_.program.pll.value_or(traits_.pll_capable); }
  [[nodiscard]] int clock_divider() const;  // --clock-divider, else 1 when pipelined, else the smallest that works

  // The register writes of `layer` in `quadrant`, in generator order.
  [[nodiscard]] std::vector<RegisterWrite> layer_writes(int layer, int quadrant) const;

  // The layer the hardware runs after `layer`; -1 at the end.
  [[nodiscard]] int next_layer(int layer) const;
  // Timeslots − 1 of passthrough and depthwise layers (largest over the used quadrants).
  [[nodiscard]] int timeslot_max(int layer) const;
  // The layer writes through its quadrants' local output bus (non-uniform output map gaps).
  [[nodiscard]] bool local_source(int layer) const;
  // Depthwise layers whose programmed write pointers put channels elsewhere
  // than the network's output map (the generator's known answer) says.
  [[nodiscard]] std::vector<std::string> depthwise_placement_warnings() const;

 private:
  [[nodiscard]] LayerHardware derive(const LayerSpec& l) const;

  const Network& net_;
  CompileOptions opt_;
  ProgramTraits traits_;
  RegisterMap regs_;
  KernelMap kernels_;
  BiasMap biases_;
  ConfiguredRange range_;
  std::vector<int> quadrants_;
  int final_layer_ = 0;
  std::vector<LayerHardware> hw_;
  std::vector<int> added_;  // inserted reset layers up to and including each layer
  int inserted_ = 0;
};

}  // namespace ai8x::compile
