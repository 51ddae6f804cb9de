#include "compile/program.hpp"

#include <map>
#include <utility>

#include "compile/input_loading.hpp"
#include "compile/kernel_loading.hpp"
#include "compile/layer_registers.hpp"
#include "core/error.hpp"

namespace ai8x::compile {

namespace {

// The microcontroller's clock and power registers the generated main() and
// cnn_enable() touch (outside the accelerator, so not in RegisterMap).
struct SystemRegisters {
  static constexpr uint32_t kIpllCtrl = 0x40000010;    // GCR ipll_ctrl: [0] enable, [1] ready
  static constexpr uint32_t kPclkDiv = 0x40000018;     // GCR pclkdiv: CNN clock source and divider
  static constexpr uint32_t kPowerCtrl = 0x40005800;   // BBFC/GCFR reg0: quadrant power
  static constexpr uint32_t kMemoryMask = 0x40005804;  // reg1
  static constexpr uint32_t kIsolation = 0x40005808;   // reg2
  static constexpr uint32_t kReset = 0x4000580c;       // reg3
};

// GCR pclkdiv fields (MSDK register definitions): divider code at bit 14
// (2, 4, 8, 16 → 0..3, 1 → 4), source at bit 17 (APB clock 0, PLL 3).
uint32_t pclkdiv(bool pll, int divider) {
  uint32_t code = 4;
  for (uint32_t c = 0, d = 2; c < 4; ++c, d *= 2) {
    if (static_cast<int>(d) == divider) code = c;
  }
  return code << 14 | (pll ? 3U << 17 : 0U);
}
constexpr uint32_t kPclkDivFields = 0x7U << 14 | 0x3U << 17;

// The CNN clock selections of the generated code.
struct ClockPlan {
  uint32_t configure = 0;  // cnn_enable(): while loading and configuring
  uint32_t run = 0;        // selected just before cnn_start and undone after the run (0: no switch)
};

ClockPlan clock_plan(const ProgramModel& m) {
  const bool balance = m.options().program.balance_speed;
  ClockPlan c;
  // Loading runs at PLL/4 when the PLL is on (balanced power); inference at the chosen divider.
  c.configure = pclkdiv(m.pll(), m.pll() && balance ? 4 : m.clock_divider());
  if (m.pll() && m.pipeline() && balance) c.run = pclkdiv(true, m.clock_divider());
  return c;
}

class ProgramWriter {
 public:
  explicit ProgramWriter(std::string device) { out_.trace.device = std::move(device); }

  void phase(const std::string& name) {
    io::BusOp op;
    op.kind = io::BusOp::Kind::Phase;
    op.phase = name;
    push(std::move(op), {.what = name});
  }
  void write(uint32_t address, uint32_t value, ProgramNote note, uint8_t width = 32) {
    io::BusOp op;
    op.kind = io::BusOp::Kind::Write;
    op.width = width;
    op.address = address;
    op.value = value;
    shadow_[address] = value;
    push(std::move(op), std::move(note));
  }
  // A read-modify-write of the generated code: `*addr = (*addr & and_mask) | or_bits`.
  void modify(uint32_t address, uint32_t and_mask, uint32_t or_bits, ProgramNote note) {
    write(address, (shadow(address) & and_mask) | or_bits, std::move(note));
  }
  void poll(uint32_t address, uint32_t mask, uint32_t expected, ProgramNote note) {
    io::BusOp op;
    op.kind = io::BusOp::Kind::Poll;
    op.address = address;
    op.mask = mask;
    op.value = expected;
    push(std::move(op), std::move(note));
  }
  void wait_irq() {
    io::BusOp op;
    op.kind = io::BusOp::Kind::WaitIrq;
    push(std::move(op), {.what = "wait for the CNN interrupt"});
  }
  [[nodiscard]] uint32_t shadow(uint32_t address) const {
    const auto it = shadow_.find(address);
    return it == shadow_.end() ? 0 : it->second;
  }
  ProgramListing take() { return std::move(out_); }

 private:
  void push(io::BusOp op, ProgramNote note) {
    out_.trace.ops.push_back(std::move(op));
    out_.notes.push_back(std::move(note));
  }

  ProgramListing out_;
  std::map<uint32_t, uint32_t> shadow_;  // last value written (what a read returns in the trace)
};

class ProgramCompiler {
 public:
  ProgramCompiler(const Network& net, const CompileOptions& opt)
      : m_(net, opt), net_(net), regs_(m_.registers()), t_(m_.traits()), w_(net.device->name) {}

  ProgramListing run() {
    reject_unsupported();
    const ClockPlan clock = clock_plan(m_);
    const bool riscv = net_.options.riscv;
    if (m_.pll() && !riscv) w_.modify(SystemRegisters::kIpllCtrl, ~0U, 1, {.what = "PLL enable"});
    enable(clock);
    init();
    load_weights();
    load_bias();
    configure();
    if (!net_.options.fifo) load_input();
    if (clock.run != 0) w_.modify(SystemRegisters::kPclkDiv, ~kPclkDivFields, clock.run, {.what = "CNN clock (run)"});
    start();
    if (net_.options.fifo) load_input();
    if (m_.options().program.stop_start) {
      w_.phase("cnn_stop");
      w_.modify(ctrl(master()), ~1U, 0, note(-1, master(), "CTRL"));
      continue_processing();
    }
    wait_and_acknowledge();
    if (m_.options().program.one_shot) {
      for (int i = 0; i < m_.final_layer(); ++i) {
        continue_processing();
        wait_and_acknowledge();
      }
    }
    if (clock.run != 0) {
      w_.modify(SystemRegisters::kPclkDiv, ~kPclkDivFields, pclkdiv(true, 4), {.what = "CNN clock (PLL/4)"});
    }
    return w_.take();
  }

 private:
  const ProgramSwitches& sw() const { return m_.options().program; }

  // Generator switches whose code this compiler does not reproduce.
  void reject_unsupported() const {
    auto fail = [&](const std::string& key, const std::string& what) {
      throw Error({.file = net_.config_file, .key = key}, "the register program does not model " + what);
    };
    if (net_.options.synthesize_input) fail("--synthesize-input", "synthesized FIFO input");
    if (sw().zero_unused) fail("--zero-unused", "clearing the registers of unused layers");
    if (!net_.options.compact_data) fail("--no-compact-data", "the inline input loader");
    if (net_.options.apb_base && *net_.options.apb_base != net_.device->apb_base) {
      fail("--apb-base", "a moved APB base address");
    }
  }
  int master() const { return m_.quadrants().front(); }
  uint32_t ctrl(int q) const { return regs_.address(q, GlobalRegister::Ctrl); }
  static ProgramNote note(int layer, int quadrant, std::string_view what) {
    return {.layer = layer, .quadrant = quadrant, .what = std::string(what)};
  }

  // Registers are written only when non-zero (unless --write-zero-registers or forced).
  void write_global(int q, GlobalRegister r, uint32_t v, bool force = false) {
    if (v == 0 && !force && !sw().write_zero_registers) return;
    w_.write(regs_.address(q, r), v, note(-1, q, register_name(r)));
  }
  void write_other(uint32_t address, uint32_t v, std::string_view what, bool force = false) {
    if (v == 0 && !force && !sw().write_zero_registers) return;
    w_.write(address, v, note(-1, -1, what));
  }

  uint32_t quadrant_mask() const {
    uint32_t mask = 0;
    for (int q : m_.quadrants()) mask |= 1U << q;
    return mask;
  }

  void enable(const ClockPlan& clock) {
    w_.phase("cnn_enable");
    const uint32_t mask = quadrant_mask();
    const uint32_t all = (1U << net_.device->quadrants) - 1;
    w_.write(SystemRegisters::kReset, 0xf, {.what = "reset all domains"});
    w_.write(SystemRegisters::kMemoryMask, mask, {.what = "mask memory"});
    w_.write(SystemRegisters::kPowerCtrl, mask, {.what = "power"});
    w_.write(SystemRegisters::kIsolation, ~mask & all, {.what = "isolation"});
    w_.write(SystemRegisters::kReset, 0, {.what = "reset"});
    if (m_.pll()) w_.poll(SystemRegisters::kIpllCtrl, 2, 2, {.what = "wait for the PLL"});
    w_.modify(SystemRegisters::kPclkDiv, ~kPclkDivFields, clock.configure, {.what = "CNN clock"});
  }

  uint32_t ready_sel_bits() const { return static_cast<uint32_t>(m_.ready_sel()) << 1; }
  uint32_t pipeline_off_bit() const { return t_.pipeline_capable && !m_.pipeline() ? 1U << 5 : 0; }

  void init() {
    w_.phase("cnn_init");
    const auto& qs = m_.quadrants();
    const uint32_t pipeline_off = pipeline_off_bit();
    if (t_.register_clear) {
      for (int q : qs) write_global(q, GlobalRegister::Ctrl, pipeline_off | 1U << 3 | ready_sel_bits());
    }
    write_other(regs_.always_on_address(), static_cast<uint32_t>(sw().ready_sel_aon.value_or(0)), "AON control", true);
    if (t_.register_clear) {
      bool bias = false;
      for (const LayerSpec& l : net_.layers) bias = bias || !l.bias.empty();
      for (int q : qs) write_global(q, GlobalRegister::Sram, 0x40e);
      for (int q : qs) write_global(q, GlobalRegister::Test, bias ? t_.bist_zero : t_.bist_zero_no_bias);
      for (int q : qs) {
        w_.poll(regs_.address(q, GlobalRegister::Test), t_.bist_zero_done, t_.bist_zero_done,
                note(-1, q, "TEST (wait for clear)"));
      }
      for (int q : qs) write_global(q, GlobalRegister::Test, 0, true);
    }
    for (int q : qs) {
      uint32_t v = ready_sel_bits() | 1U << 3;
      if (net_.options.fifo) v |= 1U << 15;
      if (net_.options.mexpress) v |= 1U << 20;
      write_global(q, GlobalRegister::Ctrl, v | pipeline_off);
      if (!t_.register_clear) write_global(q, GlobalRegister::Sram, 0x40e);
      const int start = m_.start_layer();
      const uint32_t count = static_cast<uint32_t>(sw().repeat_layers * (m_.final_layer() + m_.inserted_layers())) |
                             static_cast<uint32_t>(m_.hardware_layer(start)) << 8;
      write_global(q, GlobalRegister::LcntMax, count);
    }
    if (sw().zero_sram) clear_memories();
  }

  // --zero-sram: the BIST engines zero data, kernel, TRAM and bias memories of
  // every quadrant (the generated code also reads the error bits, which are
  // plain reads, not bus records of the program).
  void clear_memories() {
    for (const ProgramTraits::Bist& b : t_.bist) {
      for (int q = 0; q < net_.device->quadrants; ++q) write_global(q, GlobalRegister::Test, b.run);
      for (int q = 0; q < net_.device->quadrants; ++q) {
        w_.poll(regs_.address(q, GlobalRegister::Test), b.done, b.done, note(-1, q, "TEST (wait for BIST)"));
      }
      for (int q = 0; q < net_.device->quadrants; ++q) write_global(q, GlobalRegister::Test, 0, true);
    }
  }

  void load_weights() {
    w_.phase("cnn_load_weights");
    const int per_quadrant = net_.device->processors_per_quadrant;
    for (const KernelRun& run : kernel_runs(m_.kernels(), sw().zero_sram)) {
      const int q = run.processor / per_quadrant;
      const int p = run.processor % per_quadrant;
      const std::string what = "kernels processor " + std::to_string(run.processor);
      if (net_.options.mexpress) {
        // Load the address counter, then stream the packed bytes.
        const uint32_t base = regs_.kernel_address(q, p, 0) + 4 * static_cast<uint32_t>(run.word);
        w_.write(base | 1, 0x01, note(-1, q, what + " (set address)"), 8);
        uint32_t a = base;
        for (uint32_t v : express_words(run)) {
          w_.write(a, v, note(-1, q, what));
          a += 4;
        }
      } else {
        uint32_t a = regs_.kernel_address(q, p, run.word);
        for (const KernelWord& k : run.words) {
          for (uint32_t v : normal_words(k)) {
            w_.write(a, v, note(-1, q, what));
            a += 4;
          }
        }
      }
    }
  }

  void load_bias() {
    w_.phase("cnn_load_bias");
    const auto& mem = m_.biases().memory;
    for (size_t q = 0; q < mem.size(); ++q) {
      for (size_t i = 0; i < mem[q].size(); ++i) {
        w_.write(regs_.bias_address(static_cast<int>(q), static_cast<int>(i)), mem[q][i],
                 note(-1, static_cast<int>(q), "bias"));
      }
    }
  }

  void configure() {
    w_.phase("cnn_configure");
    const ConfiguredRange r = m_.range();
    const int repeat_stride = r.end + m_.inserted_layers();
    for (int rep = 0; rep < sw().repeat_layers; ++rep) {
      for (int ll = r.first; ll < r.end; ++ll) {
        for (int q : m_.quadrants()) {
          for (RegisterWrite rw : m_.layer_writes(ll, q)) {
            if (rw.value == 0 && !rw.force && !sw().write_zero_registers) continue;
            if (rw.target == RegisterWrite::Target::Global) {
              w_.write(regs_.address(rw.quadrant, rw.global), rw.value, note(ll, q, register_name(rw.global)));
              continue;
            }
            const int layer = rw.layer + rep * repeat_stride;
            w_.write(regs_.address(rw.quadrant, layer, rw.reg), rw.value, note(ll, q, register_name(rw.reg)));
          }
        }
      }
    }
    if (!sw().snoop.empty()) configure_snoop();
    if (net_.options.fifo) configure_fifo();
  }

  // Conditional execution (MAX78002): the 24 snoop registers follow IFRM
  // (SNP1 A1, A2, D1, D2, X1, X2, C1, C2, ACC, HIT, MAX, AM, then SNP2).
  void configure_snoop() {
    for (int q : m_.quadrants()) {
      const uint32_t base = regs_.address(q, GlobalRegister::Ifrm) + 0x20;
      for (uint32_t i = 0; i < 24 && i < sw().snoop.size(); ++i) {
        const uint32_t v = sw().snoop[i];
        if (v == 0 && !sw().write_zero_registers) continue;
        w_.write(base + 4 * i, v, note(-1, q, "snoop " + std::to_string(i)));
      }
    }
  }

  void configure_fifo() {
    const uint64_t map = m_.input_processors();
    if (!net_.options.fast_fifo) {
      uint32_t v = 0x02 << 2 | 0x02 << 7 | static_cast<uint32_t>(sw().ready_sel_fifo.value_or(0));
      if (t_.fifo_completion) v |= 1U << 11;
      const int channels = net_.layers[static_cast<size_t>(m_.start_layer())].in_channels;
      for (int i = 0; i < channels; ++i) {
        if ((map >> ((i % 4) * 16) & 1U) != 0) v |= 1U << (i % 4 + 12);
      }
      write_other(regs_.fifo_ctrl_address(), v, "FIFO control");
    } else {
      write_other(regs_.fast_fifo_base() + 0x8, 0, "fast FIFO interrupt enable");
      write_other(regs_.fast_fifo_base(), 10 << 4, "fast FIFO control");
    }
  }

  // CTRL bits shared by all quadrants at start.
  uint32_t start_bits() const {
    const LayerSpec& first = net_.layers[static_cast<size_t>(m_.start_layer())];
    const bool streaming = m_.any_streaming();
    uint32_t v = 1U << 3;  // clocks
    if (streaming) v |= 1U << 14;
    if (net_.options.avg_pool_rounding) v |= 1U << 13;
    if (net_.options.fifo) v |= 1U << 11;
    if (net_.options.fifo && streaming) v |= 1U << 19;
    if (net_.options.mexpress) v |= 1U << 20;
    if (net_.options.simple1b) v |= 1U << 21;
    if (m_.binary_weights()) v |= 1U << 30;
    if (net_.options.fast_fifo_quad) v |= 1U << 31;
    if (sw().one_shot) v |= 1U << 8;
    if (t_.kernel_dims && first.streaming && first.chw_input) v |= 1U << 6;
    if (!sw().snoop.empty()) v |= 1U << 7;
    v |= pipeline_off_bit();
    // The pipelined mode has its own APB wait-state selection (0).
    return m_.pipeline() ? v : v | ready_sel_bits();
  }

  uint32_t fifo_bits(int q) const {
    if (!net_.options.fifo) return 0;
    const uint64_t map = m_.input_processors();
    if ((map & (uint64_t{0xf} << (16 * q))) == 0) return 1U << 15;
    uint32_t v = 1U << 15;
    if (net_.options.fast_fifo) v |= 1U << 22;
    const bool fifo_group = net_.options.fast_fifo && !(map != 1 && (map & 0x0e) == 0);
    if (fifo_group) v |= 1U << 23;
    return v;
  }

  void start() {
    w_.phase("cnn_start");
    const uint32_t v = start_bits();
    const uint32_t master_bits = static_cast<uint32_t>(master()) << 9;
    for (int q : m_.quadrants()) {
      uint32_t f = fifo_bits(q) | 1U << 11;  // ext_sync
      if (q != master()) f |= 1;
      write_global(q, GlobalRegister::Ctrl, v | f | master_bits);
    }
    if (sw().powerdown) {
      uint32_t off = 0;
      for (int q = 0; q < net_.device->quadrants; ++q) {
        bool used = false;
        for (int u : m_.quadrants()) used = used || u == q;
        if (!used) off |= 1U << (12 + q);
      }
      write_other(regs_.always_on_address(), off | static_cast<uint32_t>(sw().ready_sel_aon.value_or(0)),
                  "AON control");
    }
    // The master quadrant's cnn_en edge starts processing.
    uint32_t go = v;
    if (net_.options.fifo && (m_.input_processors() & (uint64_t{0xf} << (16 * master()))) != 0)
      go |= fifo_bits(master());
    write_global(master(), GlobalRegister::Ctrl, go | 1);
  }

  void load_input() {
    w_.phase("load_input");
    const InputLoad in = input_load(m_);
    if (!in.fifo) {
      for (const InputBlock& b : in.blocks) {
        const int q = b.processor / net_.device->processors_per_quadrant;
        uint32_t a = b.address;
        for (size_t i = 0; i < b.words.size(); ++i) {
          uint32_t v = b.words[i];
          if (sw().fixed_input) v = i % 2 == 0 ? 0x55555555 : 0xaaaaaaaa;
          w_.write(a, v, note(m_.start_layer(), q, "input"));
          a += 4;
        }
        if (sw().fixed_input && b.words.size() % 2 != 0) w_.write(a, 0xaaaaaaaa, note(m_.start_layer(), q, "input"));
      }
      return;
    }
    size_t length = 0;
    for (const auto& f : in.fifos) length = std::max(length, f.size());
    for (size_t i = 0; i < length; ++i) {
      for (size_t f = 0; f < in.fifos.size(); ++f) {
        if (i >= in.fifos[f].size()) continue;
        const std::string what = "FIFO " + std::to_string(f);
        if (in.fast_fifo) {
          if (sw().fifo_wait) w_.poll(regs_.fast_fifo_base() + 0x4, 2, 0, note(-1, -1, "fast FIFO status"));
          w_.write(regs_.fast_fifo_base() + 0x10, in.fifos[f][i], note(-1, -1, "fast FIFO data"));
        } else {
          if (sw().fifo_wait) w_.poll(regs_.fifo_stat_address(), 1U << f, 0, note(-1, -1, "FIFO status"));
          w_.write(regs_.fifo_write_address(static_cast<int>(f)), in.fifos[f][i], note(-1, -1, what));
        }
      }
    }
  }

  void continue_processing() {
    w_.phase("cnn_continue");
    w_.modify(ctrl(master()), ~0U, 1, note(-1, master(), "CTRL"));
  }

  void wait_and_acknowledge() {
    w_.wait_irq();
    w_.phase(net_.options.riscv ? "CNN_IRQHandler" : "CNN_ISR");
    uint32_t clear = 1U << 12 | 1;
    if (sw().one_shot && !t_.oneshot_clear)
      clear = 1U << 12;
    else if (m_.any_streaming())
      clear |= 1U << 14;
    for (int q : m_.quadrants()) w_.modify(ctrl(q), ~clear, 0, note(-1, q, "CTRL (acknowledge)"));
  }

  ProgramModel m_;
  const Network& net_;
  const RegisterMap& regs_;
  const ProgramTraits& t_;
  ProgramWriter w_;
};

}  // namespace

ProgramListing compile_listing(const Network& net, const CompileOptions& opt) {
  return ProgramCompiler(net, opt).run();
}

io::Trace compile_program(const Network& net, const CompileOptions& opt) {
  return compile_listing(net, opt).trace;
}

std::vector<std::string> generator_defects(const Network& net, const CompileOptions& opt, bool kernels) {
  const ProgramModel m(net, opt);
  std::vector<std::string> out;
  for (const KernelOverlap& o : kernels ? kernel_overlaps(m.kernels()) : std::vector<KernelOverlap>{}) {
    out.push_back("kernel memory of processor " + std::to_string(o.processor) + ", words " +
                  std::to_string(o.first_word) + ".." + std::to_string(o.last_word) +
                  ": the generator loads two layers' kernels there; the chip keeps only the second load");
  }
  for (std::string& w : m.depthwise_placement_warnings()) out.push_back(std::move(w));
  return out;
}

}  // namespace ai8x::compile
