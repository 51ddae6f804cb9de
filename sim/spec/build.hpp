#pragma once
// YAML + weights + sample -> the validated Network (conventions §1.6).
#include <optional>
#include <string>
#include <vector>

#include "spec/network.hpp"

namespace ai8x::spec {

struct BuildInputs {
  std::string config_path;
  std::optional<std::string> checkpoint_path;  // default: <yaml stem>.pth.tar beside the YAML
  std::optional<std::string> sample_path;      // default: sample_<dataset>.npy beside the YAML or in tests/
  std::optional<std::string> weights_path;     // `arch: test`: sample weights
  std::optional<std::string> bias_path;        // `arch: test`: sample bias
  const Device* device = nullptr;
  IzerOptions options;
};

// Throws ai8x::Error (file, layer, key) for anything the izer would reject and
// for what ai8xsim does not model yet.
Network build_network(const BuildInputs& in);

}  // namespace ai8x::spec
