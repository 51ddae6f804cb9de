#include "hw/register_file.hpp"

namespace ai8x::hw {

void RegisterFile::clear() {
  global_.fill(0);
  for (auto& row : layers_) row.fill(0);
  reserved_.clear();
}

}  // namespace ai8x::hw
