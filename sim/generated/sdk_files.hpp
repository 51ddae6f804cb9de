#pragma once
// The stand-in SDK sources (sim/generated/sdk), embedded at build time so the
// binary compiles generated folders wherever it is installed.
#include <string_view>
#include <vector>

namespace ai8x::generated {

struct SdkFile {
  std::string_view name;
  std::string_view text;
};

const std::vector<SdkFile>& sdk_files();

}  // namespace ai8x::generated
