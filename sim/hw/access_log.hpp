#pragma once
// Data-memory accesses of the layers, for hazard analysis (a layer reading a
// word another layer overwrote too early). Recording is off unless asked for,
// so normal runs pay nothing.
#include <cstdint>
#include <vector>

namespace ai8x::hw {

struct DataAccess {
  int layer = 0;
  bool is_write = false;
  int memory = 0;            // data memory instance 0..15 (quadrant·4 + instance)
  uint32_t byte_offset = 0;  // of the 32-bit word inside the instance
  uint8_t lanes = 0;         // byte lanes touched (bit i = bits 8i+7..8i)
  int channel = -1;          // hardware channel (pass·processors + processor), or -1
  int row = -1;              // tensor row (pixel row; for a flattened read: the pass)
  int col = -1;              // tensor column
  int operand = 0;           // element-wise operand
};

using AccessLog = std::vector<DataAccess>;

}  // namespace ai8x::hw
