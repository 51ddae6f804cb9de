#include "cli/generated_command.hpp"

#include <cstdio>

#include "cli/verdict.hpp"
#include "core/error.hpp"
#include "device.hpp"
#include "generated/host_build.hpp"
#include "generated/runner.hpp"

namespace ai8x::cli {

int run_generated_folder(const GeneratedArgs& a) {
  const std::string name = a.device.empty() ? generated::device_of_folder(a.folder) : a.device;
  if (name.empty()) {
    throw Error({.file = a.folder + "/cnn.c", .key = "--device"},
                "the generated code does not say its device; pass --device MAX78000 or MAX78002");
  }
  const Device* device = find_device(name);
  if (device == nullptr) throw Error({.key = "--device"}, "unknown device \"" + name + "\" (MAX78000 or MAX78002)");

  const generated::RunResult r = generated::run_generated(a.folder, *device, {.clock_mhz = a.clock_mhz});
  std::printf("%s: %s compiled for the host and run on the SystemC model (%zu files, %llu accelerator accesses)\n",
              device->name.c_str(), a.folder.c_str(), r.sources.size(),
              static_cast<unsigned long long>(r.bus_accesses));
  std::printf("---- program output ----\n%s", r.console.c_str());
  if (!r.console.empty() && r.console.back() != '\n') std::printf("\n");
  std::printf("---- end of program output ----\n");
  std::printf("accelerator: %zu layers, %llu cycles (%.1f us at %g MHz)\n", r.model.layers.size(),
              static_cast<unsigned long long>(r.model.total_cycles), r.inference_us, a.clock_mhz);
  report_model_warnings(r.model);
  if (!r.unload.empty()) {
    std::printf("cnn_unload: %zu words:", r.unload.size());
    for (size_t i = 0; i < r.unload.size(); ++i) {
      std::printf("%s%d", i % 8 == 0 ? "\n  " : " ", static_cast<int32_t>(r.unload[i]));
    }
    std::printf("\n");
  }
  if (r.declared_outputs > 0 && r.unload.size() > static_cast<size_t>(r.declared_outputs)) {
    std::printf(
        "warning: cnn_unload() writes %zu words, more than CNN_NUM_OUTPUTS (%d) in cnn.h: a buffer sized by it "
        "(as the generated main() sizes ml_data) overflows on the board\n",
        r.unload.size(), r.declared_outputs);
  }
  if (r.overrun_bytes > 0) {
    std::printf(
        "warning: the program wrote %zu bytes past the end of its static data (a buffer overrun, e.g. "
        "cnn_unload() into an array sized by CNN_NUM_OUTPUTS): on the board this overwrites other memory\n",
        r.overrun_bytes);
  }
  switch (r.outcome) {
    case generated::RunResult::Outcome::Pass: std::printf("generated check_output(): PASS\n"); return 0;
    case generated::RunResult::Outcome::Fail: std::printf("generated check_output(): FAIL\n"); return 1;
    case generated::RunResult::Outcome::NoVerdict:
      std::printf("generated main() returned without printing PASS or FAIL\n");
      return 1;
    case generated::RunResult::Outcome::Fault: std::printf("the run stopped: %s\n", r.fault.c_str()); return 1;
  }
  return 1;
}

}  // namespace ai8x::cli
