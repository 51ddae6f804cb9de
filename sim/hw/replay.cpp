#include "hw/replay.hpp"

#include <malloc.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "core/error.hpp"
#include "hw/bus_access.hpp"

// libsystemc's own main() references sc_main; ai8xsim has its own main and
// drives the kernel with sc_start(), so this definition only satisfies the link.
int sc_main(int /*argc*/, char* /*argv*/[]) {
  return 0;
}

namespace ai8x::hw {
namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Addresses the accelerator decodes; everything else (system clock and power
// registers) is outside the model and ignored.
bool in_accelerator_window(uint32_t address) {
  return (address >= 0x50000000 && address < 0x60000000) || (address >= 0x400C0400 && address < 0x400C0418);
}

void quiet_systemc() {
  static bool done = false;
  if (done) return;
  done = true;
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
  // The layers allocate and free tensors of up to a few MB each; keeping them
  // on the heap instead of fresh mmap()s saves the page faults of every layer.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

// The bus master: plays one trace per job.
class Driver : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Driver> socket;

  SC_HAS_PROCESS(Driver);
  Driver(const sc_core::sc_module_name& name, Accelerator& acc, sc_core::sc_signal<bool>& irq)
      : sc_core::sc_module(name), socket("socket"), acc_(acc), irq_(irq) {
    SC_THREAD(thread);
  }

  void start(const io::Trace& trace, const ReplayOptions& options) {
    trace_ = &trace;
    options_ = &options;
    error_ = nullptr;
    ops_ = 0;
    pending_ = true;  // the thread may not wait for job_ yet (first sc_start)
    job_.notify(sc_core::SC_ZERO_TIME);
  }
  [[nodiscard]] std::exception_ptr error() const { return error_; }
  [[nodiscard]] size_t ops() const { return ops_; }

 private:
  [[noreturn]] void fail(const io::BusOp& op, const std::string& message) const {
    throw Error({.file = options_->file_for_errors, .key = "line " + std::to_string(op.line)}, message);
  }

  void thread() {
    while (true) {
      if (!pending_) sc_core::wait(job_);
      pending_ = false;
      try {
        play();
      } catch (...) {
        error_ = std::current_exception();
      }
    }
  }

  bool access(tlm::tlm_command cmd, uint32_t address, uint32_t& value, unsigned bytes) {
    return bus_access(*socket[0], cmd, address, value, bytes);
  }

  void check_model(const io::BusOp& op) const {
    if (const std::exception_ptr e = acc_.error()) {
      try {
        std::rethrow_exception(e);
      } catch (Error& err) {
        if (err.context().file.empty()) err.with_file(options_->file_for_errors);
        throw;
      }
    }
    (void)op;
  }

  void play() {
    const sc_core::sc_time period = acc_.clock_period();
    for (const io::BusOp& op : trace_->ops) {
      ++ops_;
      switch (op.kind) {
        case io::BusOp::Kind::Phase: break;
        case io::BusOp::Kind::Write: {
          if (!in_accelerator_window(op.address)) break;
          uint32_t v = op.value;
          bool ok = false;
          try {
            ok = access(tlm::TLM_WRITE_COMMAND, op.address, v, op.width / 8U);
          } catch (Error& e) {
            fail(op, e.message());
          }
          if (!ok) fail(op, "write to " + hex(op.address) + ", which no memory or register answers to");
          break;
        }
        case io::BusOp::Kind::Poll: {
          if (!in_accelerator_window(op.address)) break;
          uint64_t n = 0;
          while (true) {
            uint32_t v = 0;
            if (!access(tlm::TLM_READ_COMMAND, op.address, v, 4)) {
              fail(op, "poll of " + hex(op.address) + ", which no memory or register answers to");
            }
            if ((v & op.mask) == op.value) break;
            check_model(op);
            if (++n >= options_->poll_limit) {
              fail(op, "the poll of " + hex(op.address) + " never reads " + hex(op.value) + " under mask " +
                           hex(op.mask) + " (last read " + hex(v) + ")");
            }
            sc_core::wait(period * 64, irq_.value_changed_event());
          }
          break;
        }
        case io::BusOp::Kind::WaitIrq: {
          if (!acc_.irq_pending()) {
            const sc_core::sc_time before = sc_core::sc_time_stamp();
            const sc_core::sc_time limit = period * static_cast<double>(options_->irq_timeout_cycles);
            while (!acc_.irq_pending() && sc_core::sc_time_stamp() - before < limit) {
              sc_core::wait(limit, irq_.posedge_event());
            }
            check_model(op);
            if (!acc_.irq_pending()) fail(op, "the accelerator never raised its interrupt");
          }
          check_model(op);
          break;
        }
      }
    }
  }

  Accelerator& acc_;
  sc_core::sc_signal<bool>& irq_;
  sc_core::sc_event job_;
  const io::Trace* trace_ = nullptr;
  const ReplayOptions* options_ = nullptr;
  std::exception_ptr error_;
  size_t ops_ = 0;
  bool pending_ = false;
};

// One accelerator, its interrupt line and its driver.
struct Bench {
  Bench(const Device& device, const std::string& name)
      : irq((name + "_irq").c_str()),
        acc((name + "_cnn").c_str(), device),
        driver((name + "_driver").c_str(), acc, irq) {
    acc.irq(irq);
    driver.socket.bind(acc.socket);
  }
  sc_core::sc_signal<bool> irq;
  Accelerator acc;
  Driver driver;
};

// Both devices are elaborated before the first sc_start(), which forbids
// creating modules later.
Bench& bench_for(const Device& device) {
  static std::map<std::string, std::unique_ptr<Bench>> benches = [] {
    quiet_systemc();
    std::map<std::string, std::unique_ptr<Bench>> m;
    m.emplace(max78000().name, std::make_unique<Bench>(max78000(), "max78000"));
    m.emplace(max78002().name, std::make_unique<Bench>(max78002(), "max78002"));
    return m;
  }();
  const auto it = benches.find(device.name);
  if (it == benches.end()) throw Error({.key = "device"}, "no accelerator model for device " + device.name);
  return *it->second;
}

// A VCD file tracing the accelerator's observation points and its interrupt
// line, at one step per CNN clock.
sc_core::sc_trace_file* open_waveform(const std::string& path, Bench& bench) {
  std::string base = path;
  if (base.size() > 4 && base.ends_with(".vcd")) base.resize(base.size() - 4);  // SystemC appends .vcd
  sc_core::sc_trace_file* f = sc_core::sc_create_vcd_trace_file(base.c_str());
  if (f == nullptr) throw Error({.file = path}, "cannot create the waveform file");
  f->set_time_unit(1, sc_core::SC_NS);
  Accelerator& a = bench.acc;
  sc_core::sc_trace(f, a.layer_probe, "layer");
  sc_core::sc_trace(f, a.busy_probe, "busy");
  sc_core::sc_trace(f, bench.irq, "irq");
  for (size_t q = 0; q < a.enable_probe.size(); ++q) {
    sc_core::sc_trace(f, a.enable_probe[q], "q" + std::to_string(q) + "_enable");
  }
  for (size_t i = 0; i < a.fifo_probe.size(); ++i) {
    sc_core::sc_trace(f, a.fifo_probe[i], i < 4 ? "fifo" + std::to_string(i) + "_level" : "fast_fifo_level");
  }
  return f;
}

}  // namespace

uint32_t ReplayResult::read32(uint32_t address) const {
  if (device == nullptr) return 0;
  const Device& d = *device;
  for (int q = 0; q < d.quadrants; ++q) {
    const uint32_t base = d.sram_base + static_cast<uint32_t>(q) * d.quadrant_stride;
    if (address < base) continue;
    const uint32_t off = address - base;
    const uint32_t instance = off / d.instance_stride;
    const uint32_t word = (off % d.instance_stride) / 4;
    if (instance >= 4) continue;
    const auto& mem = memories[static_cast<size_t>(q) * 4 + instance];
    if (word < mem.size()) return mem[word];
  }
  return 0;
}

ReplayResult replay(const Device& device, const io::Trace& trace, const ReplayOptions& options) {
  if (!(options.clock_mhz > 0 && options.clock_mhz <= 10000)) {
    throw Error({.key = "clock_mhz"}, "the clock must be between 0 and 10000 MHz");
  }
  Bench& bench = bench_for(device);
  static bool started = false;
  sc_core::sc_trace_file* vcd = nullptr;
  if (!options.vcd.empty()) {
    if (started) throw Error({.file = options.vcd}, "a waveform can only be traced by the first run of a process");
    vcd = open_waveform(options.vcd, bench);
  }
  started = true;
  bench.acc.reset();
  bench.acc.enable_access_log(options.access_log);
  bench.acc.set_layer_done(options.after_layer);
  bench.acc.set_clock_period(sc_core::sc_time(1000.0 / options.clock_mhz, sc_core::SC_NS));
  const sc_core::sc_time begin = sc_core::sc_time_stamp();
  bench.driver.start(trace, options);
  sc_core::sc_start();  // runs until the driver and the sequencer are idle
  const sc_core::sc_time end = sc_core::sc_time_stamp();
  if (vcd != nullptr) {
    sc_core::sc_start(bench.acc.clock_period());  // the trace writes a time step's values at the next step
    sc_core::sc_close_vcd_trace_file(vcd);
  }
  if (options.log_before_error != nullptr && (bench.driver.error() || bench.acc.error())) {
    *options.log_before_error = bench.acc.access_log();
  }
  if (const std::exception_ptr e = bench.driver.error()) std::rethrow_exception(e);
  if (const std::exception_ptr e = bench.acc.error()) {
    try {
      std::rethrow_exception(e);
    } catch (Error& err) {
      if (err.context().file.empty()) err.with_file(options.file_for_errors);
      throw;
    }
  }
  ReplayResult r = snapshot(device, bench.acc);
  r.simulated_seconds = (end - begin).to_seconds();
  r.ops = bench.driver.ops();
  return r;
}

Accelerator& prepared_accelerator(const Device& device, double clock_mhz) {
  if (!(clock_mhz > 0 && clock_mhz <= 10000)) {
    throw Error({.key = "clock_mhz"}, "the clock must be between 0 and 10000 MHz");
  }
  Accelerator& acc = bench_for(device).acc;
  acc.reset();
  acc.enable_access_log(false);
  acc.set_layer_done({});
  acc.set_clock_period(sc_core::sc_time(1000.0 / clock_mhz, sc_core::SC_NS));
  return acc;
}

ReplayResult snapshot(const Device& device, Accelerator& acc) {
  ReplayResult r;
  r.device = &device;
  for (int q = 0; q < device.quadrants; ++q) {
    for (const DataMemory& m : acc.quadrant(q).data) {
      std::vector<uint32_t> words(m.size_words());
      for (uint32_t i = 0; i < m.size_words(); ++i) words[i] = m.read(i);
      r.memories.push_back(std::move(words));
    }
  }
  r.layers = acc.layers();
  r.total_cycles = acc.busy_cycles();
  r.access_log = acc.access_log();
  r.kernel_overwrites = acc.kernel_overwrites();
  return r;
}

}  // namespace ai8x::hw
