#pragma once
// One quadrant ("group") of the accelerator: 16 processors with their kernel
// memories and TRAMs, four data memory instances, the bias RAM and the
// quadrant's register file (hw-facts §1-§3).
#include <vector>

#include "device.hpp"
#include "hw/bias_memory.hpp"
#include "hw/data_memory.hpp"
#include "hw/kernel_memory.hpp"
#include "hw/register_file.hpp"
#include "hw/tram.hpp"

namespace ai8x::hw {

class Quadrant {
 public:
  Quadrant(const Device& device, int index);

  [[nodiscard]] int index() const { return index_; }
  RegisterFile regs;
  BiasMemory bias;
  std::vector<KernelMemory> kernels;  // per processor of the quadrant
  std::vector<Tram> trams;            // per processor
  std::vector<DataMemory> data;       // per instance (processors 4k..4k+3)

  void clear();

 private:
  int index_;
};

}  // namespace ai8x::hw
