#include "generated/mmio_trap.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unicorn/unicorn.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include "core/error.hpp"

namespace ai8x::generated {

namespace {

MmioTrap* g_trap = nullptr;
struct sigaction g_previous {};

constexpr uint64_t kPage = 4096;

// The host pointer at a bus address: the windows sit at their real addresses.
void* at(uint64_t address) {
  return reinterpret_cast<void*>(address);  // NOLINT(performance-no-int-to-ptr): fixed addresses are the point
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

// ucontext general registers and their Unicorn names.
constexpr std::array<std::pair<int, int>, 18> kRegisters = {{
    {REG_RAX, UC_X86_REG_RAX},
    {REG_RBX, UC_X86_REG_RBX},
    {REG_RCX, UC_X86_REG_RCX},
    {REG_RDX, UC_X86_REG_RDX},
    {REG_RSI, UC_X86_REG_RSI},
    {REG_RDI, UC_X86_REG_RDI},
    {REG_RBP, UC_X86_REG_RBP},
    {REG_RSP, UC_X86_REG_RSP},
    {REG_R8, UC_X86_REG_R8},
    {REG_R9, UC_X86_REG_R9},
    {REG_R10, UC_X86_REG_R10},
    {REG_R11, UC_X86_REG_R11},
    {REG_R12, UC_X86_REG_R12},
    {REG_R13, UC_X86_REG_R13},
    {REG_R14, UC_X86_REG_R14},
    {REG_R15, UC_X86_REG_R15},
    {REG_RIP, UC_X86_REG_RIP},
    {REG_EFL, UC_X86_REG_EFLAGS},
}};

void on_segv(int /*signal*/, siginfo_t* info, void* ucontext) {
  MmioTrap* trap = g_trap;
  const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (trap == nullptr) {
    // Not ours: let the default action (a crash report) happen.
    sigaction(SIGSEGV, &g_previous, nullptr);
    return;
  }
  if (!trap->inside(address)) {
    trap->fail("the generated code accessed " + hex(address) +
               ", outside the accelerator (a bad pointer, or a peripheral the stand-in SDK does not provide)");
    siglongjmp(trap->escape, 1);
  }
  if (!trap->emulate(ucontext)) siglongjmp(trap->escape, 1);
}

}  // namespace

struct MmioTrap::Engine {
  uc_engine* uc = nullptr;
  std::set<uint64_t> host_pages;                                         // host pages mapped into the emulator
  std::vector<std::unique_ptr<std::pair<MmioTrap*, uint32_t>>> windows;  // callback data: trap, window base
};

// Unicorn's callbacks, with access to the trap.
struct Callbacks {
  static uint64_t read(uc_engine* uc, uint64_t offset, unsigned size, void* user) {
    auto* w = static_cast<std::pair<MmioTrap*, uint32_t>*>(user);
    MmioTrap& t = *w->first;
    uint32_t value = 0;
    const auto address = static_cast<uint32_t>(w->second + offset);
    if (!t.bus(false, address, size, value)) uc_emu_stop(uc);
    return value;
  }
  static void write(uc_engine* uc, uint64_t offset, unsigned size, uint64_t value, void* user) {
    auto* w = static_cast<std::pair<MmioTrap*, uint32_t>*>(user);
    MmioTrap& t = *w->first;
    auto v = static_cast<uint32_t>(value);
    const auto address = static_cast<uint32_t>(w->second + offset);
    if (!t.bus(true, address, size, v)) uc_emu_stop(uc);
  }
  // An instruction that also touches ordinary host memory (the stack, a
  // table): map that host page into the emulator in place.
  static bool unmapped(uc_engine* uc, uc_mem_type /*type*/, uint64_t address, int /*size*/, int64_t /*value*/,
                       void* user) {
    auto* e = static_cast<MmioTrap::Engine*>(user);
    const uint64_t page = address & ~(kPage - 1);
    if (e->host_pages.contains(page)) return false;
    if (uc_mem_map_ptr(uc, page, kPage, UC_PROT_ALL, at(page)) != UC_ERR_OK) return false;
    e->host_pages.insert(page);
    return true;
  }
};

bool MmioTrap::bus(bool is_write, uint32_t address, unsigned bytes, uint32_t& value) {
  ++accesses_;
  try {
    if (access_(is_write, address, bytes, value)) return true;
    fault_ = std::string(is_write ? "write to " : "read of ") + hex(address) +
             ", which no accelerator memory or register answers to";
  } catch (const std::exception& e) {
    fault_ = e.what();
  }
  failed_access_ = true;
  return false;
}

MmioTrap::MmioTrap(std::vector<Window> windows, BusAccess access)
    : windows_(std::move(windows)), access_(std::move(access)), engine_(new Engine) {
  if (g_trap != nullptr) throw Error({}, "only one generated program can run at a time");
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &engine_->uc) != UC_ERR_OK) {
    delete engine_;
    throw Error({}, "cannot start the instruction emulator (Unicorn)");
  }
  for (Window& w : windows_) {
    void* p =
        mmap(at(w.base), w.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != at(w.base)) {
      if (p != MAP_FAILED) munmap(p, w.size);
      for (const Window& done : windows_) {
        if (&done == &w) break;
        munmap(at(done.base), done.size);
      }
      uc_close(engine_->uc);
      delete engine_;
      throw Error({}, "cannot reserve the accelerator's address window at " + hex(w.base) +
                          " in this process: " + std::strerror(errno));
    }
    engine_->windows.push_back(std::make_unique<std::pair<MmioTrap*, uint32_t>>(this, w.base));
    auto* user = engine_->windows.back().get();
    uc_mmio_map(engine_->uc, w.base, w.size, &Callbacks::read, user, &Callbacks::write, user);
  }
  uc_hook hook{};
  uc_hook_add(engine_->uc, &hook, UC_HOOK_MEM_UNMAPPED, reinterpret_cast<void*>(&Callbacks::unmapped), engine_, 1, 0);
  g_trap = this;
  struct sigaction sa {};
  sa.sa_sigaction = &on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &g_previous);
}

MmioTrap::~MmioTrap() {
  sigaction(SIGSEGV, &g_previous, nullptr);
  g_trap = nullptr;
  for (const Window& w : windows_) munmap(at(w.base), w.size);
  uc_close(engine_->uc);
  delete engine_;
}

bool MmioTrap::inside(uintptr_t address) const {
  for (const Window& w : windows_) {
    if (address >= w.base && address - w.base < w.size) return true;
  }
  return false;
}

bool MmioTrap::emulate(void* ucontext) {
  auto* ctx = static_cast<ucontext_t*>(ucontext);
  greg_t* g = ctx->uc_mcontext.gregs;
  uc_engine* uc = engine_->uc;
  for (const auto& [host, emulated] : kRegisters) {
    uint64_t v = static_cast<uint64_t>(g[host]);
    uc_reg_write(uc, emulated, &v);
  }
  if (ctx->uc_mcontext.fpregs != nullptr) {
    for (int i = 0; i < 16; ++i) uc_reg_write(uc, UC_X86_REG_XMM0 + i, ctx->uc_mcontext.fpregs->_xmm[i].element);
  }
  const auto rip = static_cast<uint64_t>(g[REG_RIP]);
  failed_access_ = false;
  const uc_err err = uc_emu_start(uc, rip, 0, 0, 1);  // exactly one instruction
  if (failed_access_) return false;
  if (err != UC_ERR_OK) {
    fault_ =
        "the instruction at " + hex(rip) + " that accesses the accelerator could not be emulated: " + uc_strerror(err);
    return false;
  }
  for (const auto& [host, emulated] : kRegisters) {
    uint64_t v = 0;
    uc_reg_read(uc, emulated, &v);
    g[host] = static_cast<greg_t>(v);
  }
  if (ctx->uc_mcontext.fpregs != nullptr) {
    for (int i = 0; i < 16; ++i) uc_reg_read(uc, UC_X86_REG_XMM0 + i, ctx->uc_mcontext.fpregs->_xmm[i].element);
  }
  return true;
}

}  // namespace ai8x::generated
