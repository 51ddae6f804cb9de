#include "generated/runner.hpp"

#include <dlfcn.h>
#include <signal.h>
#include <sys/time.h>

#include <csetjmp>
#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "generated/host_build.hpp"
#include "generated/isolation.hpp"
#include "generated/mmio_trap.hpp"
#include "hw/live_bus.hpp"

namespace ai8x::generated {
namespace {

// ai8x_host.c's view of the simulator (struct ai8x_host_api).
struct HostApi {
  void* context;
  void (*output)(void* context, const char* text);
  int (*sleep)(void* context);
  double (*time_us)(void* context);
};

// How ai8x_run() ended (ai8x_host.c).
enum : int { kReturned = 1, kFailPrinted = 2, kNoInterrupt = 3 };

struct Session {
  hw::LiveBus* bus = nullptr;
  std::string console;
  std::string model_error;  // an error the model raised while the program slept
};

void output(void* context, const char* text) {
  static_cast<Session*>(context)->console += text;
}
// No exception may cross the generated C frames: the model's errors are kept.
int sleep_until_irq(void* context) {
  auto* s = static_cast<Session*>(context);
  try {
    return s->bus->run_until_idle() ? 1 : 0;
  } catch (const Error& e) {
    s->model_error = e.formatted();
  } catch (const std::exception& e) {
    s->model_error = e.what();
  }
  return 0;
}
double time_us(void* context) {
  return static_cast<Session*>(context)->bus->now_us();
}

// The accelerator's windows: the quadrants' controls, memories and FIFOs,
// and the fast FIFO's page.
std::vector<Window> accelerator_windows() {
  return {{0x50000000, 0x10000000}, {0x400C0000, 0x1000}};
}

class Library {
 public:
  explicit Library(const std::string& path) : handle_(dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) throw Error({.file = path}, std::string("cannot load the compiled program: ") + dlerror());
  }
  ~Library() { dlclose(handle_); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  template <typename T>
  T* symbol(const char* name) const {
    void* s = dlsym(handle_, name);
    if (s == nullptr) throw Error({}, std::string("the compiled program lacks ") + name);
    return reinterpret_cast<T*>(s);
  }

 private:
  void* handle_;
};

constexpr size_t kGuardBytes = size_t{16} << 20;  // ai8x_guard.c

sigjmp_buf* g_timeout_escape = nullptr;
void on_alarm(int /*signal*/) {
  if (g_timeout_escape != nullptr) siglongjmp(*g_timeout_escape, 2);
}

// The compiled program's entry points (ai8x_host.c, ai8x_guard.c).
struct Program {
  HostApi* api;
  int (*run)();
  int (*unload_capacity)();
  void (*unload)(uint32_t*);
  const char* guard;
};

RunResult run_program(const Program& program, const Device& device, const RunOptions& options) {
  HostApi* api = program.api;
  auto* run = program.run;
  auto* unload_capacity = program.unload_capacity;
  auto* unload = program.unload;
  const char* guard = program.guard;

  hw::LiveBus bus(device, options.clock_mhz);
  Session session{.bus = &bus};
  *api = HostApi{.context = &session, .output = &output, .sleep = &sleep_until_irq, .time_us = &time_us};

  RunResult r;
  MmioTrap trap(accelerator_windows(), [&bus](bool is_write, uint32_t address, unsigned bytes, uint32_t& value) {
    return is_write ? bus.write(address, value, bytes) : bus.read(address, bytes, value);
  });

  // A program that never ends (a poll that never holds) is stopped.
  struct sigaction alarm_action {};
  struct sigaction previous_alarm {};
  alarm_action.sa_handler = &on_alarm;
  alarm_action.sa_flags = SA_NODEFER;
  sigemptyset(&alarm_action.sa_mask);
  sigaction(SIGALRM, &alarm_action, &previous_alarm);
  g_timeout_escape = &trap.escape;
  alarm(options.timeout_seconds);

  // Only this heap object changes between sigsetjmp and a jump back.
  struct Progress {
    int how = 0;
    int declared = 0;
    std::vector<uint32_t> unload;
  };
  const auto progress = std::make_unique<Progress>();
  const int jumped = sigsetjmp(trap.escape, 1);
  if (jumped == 0) {
    progress->how = run();
    const int capacity = unload_capacity();
    progress->declared = capacity;
    if (progress->how == kReturned && capacity > 0) {
      // Which words cnn_unload() writes: the ones two differently filled
      // buffers agree on afterwards.
      // cnn_unload() may write more than CNN_NUM_OUTPUTS says; it cannot
      // write more bytes than the data memories hold.
      const size_t room = static_cast<size_t>(capacity) + 16U * device.data_memory_bytes / 4U + 1024U;
      std::vector<uint32_t> a(room, 0), b(room, 0xFFFFFFFFU);
      unload(a.data());
      unload(b.data());
      size_t n = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) n = i + 1;
      }
      progress->unload.assign(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  alarm(0);
  g_timeout_escape = nullptr;
  sigaction(SIGALRM, &previous_alarm, nullptr);

  const int how = progress->how;
  r.unload = progress->unload;
  r.declared_outputs = progress->declared;
  for (size_t i = kGuardBytes; i-- > 0;) {
    if (guard[i] != 0) {
      r.overrun_bytes = i + 1;
      break;
    }
  }
  r.console = session.console;
  r.bus_accesses = trap.accesses();
  r.model = bus.result();
  r.inference_us = static_cast<double>(r.model.total_cycles) / options.clock_mhz;
  if (jumped == 1) {
    r.outcome = RunResult::Outcome::Fault;
    r.fault = trap.fault();
  } else if (jumped == 2) {
    r.outcome = RunResult::Outcome::Fault;
    r.fault = "the program did not finish within " + std::to_string(options.timeout_seconds) + " s";
  } else if (how == kFailPrinted) {
    r.outcome = RunResult::Outcome::Fail;
  } else if (how == kNoInterrupt) {
    r.outcome = RunResult::Outcome::Fault;
    r.fault = !session.model_error.empty()
                  ? session.model_error
                  : "the program waits for the CNN interrupt, but the accelerator is idle and never raised it";
  } else if (r.console.find("*** PASS ***") != std::string::npos) {
    r.outcome = RunResult::Outcome::Pass;
  } else {
    r.outcome = RunResult::Outcome::NoVerdict;
  }
  return r;
}

}  // namespace

RunResult run_generated(const std::string& folder, const Device& device, const RunOptions& options) {
  const HostBuild build(folder);
  const Library lib(build.shared_object());
  const Program program{.api = lib.symbol<HostApi>("ai8x_host"),
                        .run = lib.symbol<int()>("ai8x_run"),
                        .unload_capacity = lib.symbol<int()>("ai8x_unload_capacity"),
                        .unload = lib.symbol<void(uint32_t*)>("ai8x_unload"),
                        .guard = lib.symbol<const char>("ai8x_overrun_guard")};
  RunResult r = options.isolate ? run_isolated([&] { return run_program(program, device, options); })
                                : run_program(program, device, options);
  r.sources = build.sources();
  r.model.device = &device;
  return r;
}

}  // namespace ai8x::generated
