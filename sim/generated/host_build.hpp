#pragma once
// Compiles a folder the generator wrote (cnn.c, main.c or main_riscv.c,
// softmax.c, and their headers) with the host's C compiler against ai8xsim's
// stand-in SDK (sim/generated/sdk, embedded in the binary and written to a
// temporary directory), into a shared object the runner loads. main() is
// renamed so the runner can call it; the one instruction x86 cannot assemble
// (RISC-V `wfi`) becomes a call to the stand-in's sleep.
#include <string>
#include <vector>

namespace ai8x::generated {

class HostBuild {
 public:
  // Throws ai8x::Error naming the folder or file when a source is missing or
  // the compiler fails (with its first error lines).
  explicit HostBuild(const std::string& folder);
  ~HostBuild();
  HostBuild(const HostBuild&) = delete;
  HostBuild& operator=(const HostBuild&) = delete;

  [[nodiscard]] const std::string& shared_object() const { return so_; }
  [[nodiscard]] const std::vector<std::string>& sources() const { return sources_; }  // as compiled
  [[nodiscard]] bool riscv() const { return riscv_; }

 private:
  std::string work_;  // temporary directory, removed with the object
  std::string so_;
  std::vector<std::string> sources_;
  bool riscv_ = false;
};

// The device a generated cnn.c was made for, from the generator's command
// line in its header comment ("--device MAX78002"); empty if it does not say.
std::string device_of_folder(const std::string& folder);

}  // namespace ai8x::generated
