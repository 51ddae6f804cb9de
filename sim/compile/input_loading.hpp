#pragma once
// The sample input as the generated load_input() delivers it (hw-facts §5,
// conventions §3.2-3.3): either blocks of packed words copied into the data
// memories (HWC: one word per pixel and quad of processors; CHW: four pixels of
// one channel per word), or word streams pushed into the FIFOs.
#include <cstdint>
#include <vector>

#include "compile/layer_registers.hpp"

namespace ai8x::compile {

struct InputBlock {
  uint32_t address = 0;  // absolute address of the first word
  int processor = 0;     // first processor of the quad (HWC) or the channel's processor (CHW)
  std::vector<uint32_t> words;
};

struct InputLoad {
  bool fifo = false;                         // pushed into FIFOs instead of written to memory
  bool fast_fifo = false;                    // the RISC-V fast FIFO
  std::vector<InputBlock> blocks;            // data memory, in load order
  std::vector<std::vector<uint32_t>> fifos;  // per FIFO, in push order (interleaved word by word)
};

InputLoad input_load(const ProgramModel& m);

}  // namespace ai8x::compile
