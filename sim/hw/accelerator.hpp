#pragma once
// The CNN accelerator as one SystemC module (hw-facts §1-§3): four quadrants
// (16 processors each, with kernel memories, TRAMs, data memories, bias RAM
// and a register file), the standard and fast FIFOs, and the layer sequencer.
// One TLM target socket exposes the real address map; `irq` is CNN_IRQn.
//
// The model is reusable: reset() returns every memory and register to zero so
// one elaborated instance can replay many traces in one process.
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "device.hpp"
#include "hw/access_log.hpp"
#include "hw/fifo.hpp"
#include "hw/layer_config.hpp"
#include "hw/layer_executor.hpp"
#include "hw/quadrant.hpp"
#include "hw/snoop.hpp"
#include "register_map.hpp"

namespace ai8x::hw {

// What the sequencer reports about one executed layer.
struct LayerRecord {
  int layer = 0;
  std::string summary;  // the decoded configuration
  uint64_t cycles = 0;
  bool estimate = false;
  std::vector<std::string> warnings;  // programming the layer probably did not mean
};

// Reads a 32-bit word at a bus address as the bus sees it (0 if unmapped).
using MemoryPeek = std::function<uint32_t(uint32_t address)>;
// Called when a layer has finished, with the layer's record and a way to read
// the memories as they are at that moment (e.g. to compare every layer's
// output with the fast engine).
using LayerDone = std::function<void(const LayerRecord&, const MemoryPeek&)>;

// Kernel memory words of one processor that were loaded twice with different
// data before a start: the earlier kernels are lost.
struct KernelOverwrite {
  int quadrant = 0;
  int processor = 0;  // within the quadrant
  uint32_t first_word = 0;
  uint32_t last_word = 0;
};

class Accelerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Accelerator> socket;
  sc_core::sc_out<bool> irq;

  // Observation points for waveforms (--vcd): the running layer (-1 when
  // idle), the sequencer's busy flag, each quadrant's processor enables (ENA
  // of the running layer) and the words waiting in FIFOs 0-3 and the fast FIFO.
  sc_core::sc_signal<int> layer_probe{"layer", -1};
  sc_core::sc_signal<bool> busy_probe{"busy", false};
  std::array<sc_core::sc_signal<uint32_t>, 4> enable_probe;
  std::array<sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS>, 5> fifo_probe;  // the bus and the sequencer

  SC_HAS_PROCESS(Accelerator);
  Accelerator(const sc_core::sc_module_name& name, const Device& device);

  // Zeroes all memories and registers, empties the FIFOs and the reports.
  // Call only while the sequencer is idle (between replays).
  void reset();
  void set_clock_period(const sc_core::sc_time& period) { period_ = period; }
  [[nodiscard]] const sc_core::sc_time& clock_period() const { return period_; }

  [[nodiscard]] const Device& device() const { return device_; }
  [[nodiscard]] const RegisterMap& map() const { return map_; }
  Quadrant& quadrant(int q) { return *quadrants_[static_cast<size_t>(q)]; }
  StandardFifos& fifos() { return fifos_; }
  FastFifo& fast_fifo() { return fast_fifo_; }

  // Per-layer reports and the error (if any) of the layer sequence.
  [[nodiscard]] const std::vector<LayerRecord>& layers() const { return records_; }
  [[nodiscard]] uint64_t busy_cycles() const { return busy_cycles_; }
  [[nodiscard]] std::vector<KernelOverwrite> kernel_overwrites() const;
  [[nodiscard]] std::exception_ptr error() const { return error_; }
  [[nodiscard]] bool busy() const { return busy_; }
  // The interrupt level now (the irq port follows it one delta cycle later).
  [[nodiscard]] bool irq_pending() const { return irq_level_; }

  void enable_access_log(bool on) { log_enabled_ = on; }
  void set_layer_done(LayerDone callback) { layer_done_ = std::move(callback); }
  [[nodiscard]] const AccessLog& access_log() const { return log_; }

  // Notified whenever a FIFO receives a word, and when the sequence ends.
  [[nodiscard]] const sc_core::sc_event& fifo_event() const { return fifo_event_; }
  [[nodiscard]] const sc_core::sc_event& done_event() const { return done_event_; }

  // 32-bit read of any mapped address, as the bus sees it; false if unmapped.
  bool peek32(uint32_t address, uint32_t& value) const;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool write(uint32_t address, uint32_t value, unsigned bytes);
  bool read(uint32_t address, uint32_t& value) const;
  void write_global(int q, GlobalRegister r, uint32_t value);
  void write_kernel(const AddressTarget& t, uint32_t value, unsigned bytes);

  void sequencer_thread();
  void irq_method();
  void run_sequence();
  [[nodiscard]] int first_layer() const;
  // The layer after `layer` (-1: the sequence ends); `hit`: a snoop unit that
  // guards the layer's link hit.
  [[nodiscard]] int successor(int layer, const std::vector<SnoopUnit>& snoops, bool hit) const;
  struct SnoopOutcome {
    bool stop = false;
    bool branch = false;
    std::string note;  // appended to the layer's summary
  };
  [[nodiscard]] SnoopOutcome evaluate_snoops(int layer, const std::vector<SnoopUnit>& snoops,
                                             const std::vector<WatchedWord>& watch) const;
  void raise_irq();
  void update_fifo_probes();

  const Device& device_;
  RegisterMap map_;
  std::vector<std::unique_ptr<Quadrant>> quadrants_;
  StandardFifos fifos_;
  FastFifo fast_fifo_;
  std::unique_ptr<LayerExecutor> executor_;
  sc_core::sc_time period_{20, sc_core::SC_NS};

  sc_core::sc_event start_event_, irq_update_, fifo_event_, done_event_;
  int master_ = 0;
  int next_layer_ = -1;      // one-shot mode: where the next start continues
  int previous_layer_ = -1;  // ... and the layer run before it
  bool busy_ = false;
  bool irq_level_ = false;
  std::vector<LayerRecord> records_;
  uint64_t busy_cycles_ = 0;
  std::exception_ptr error_;
  bool log_enabled_ = false;
  LayerDone layer_done_;
  AccessLog log_;
};

}  // namespace ai8x::hw
