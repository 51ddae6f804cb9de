#pragma once
// Attaches weights, bias, quantization and output shift to the YAML layers,
// from a quantized checkpoint (conventions §2) or from the izer's sample
// weight/bias files for `arch: test` networks (conventions §4).
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "device.hpp"
#include "spec/network.hpp"
#include "spec/network_yaml.hpp"

namespace ai8x::spec {

struct LayerWeights {
  bool present = false;          // the layer has weights (not passthrough/bypass)
  std::vector<int64_t> weights;  // (out, in/groups, kH, kW)
  std::array<int, 4> shape{0, 0, 0, 0};
  std::vector<int64_t> bias;  // bias_int per output channel; empty = none
  int in_channels = 0;        // 0: derive from the data flow
  int out_channels = 0;
  int quantization = 0;             // 0: none/default
  std::optional<int> output_shift;  // total, incl. 8 - |quantization|
  std::string source_key;           // checkpoint key or "weights[n]" (for messages)
};

std::vector<LayerWeights> load_checkpoint_weights(const std::string& path, const NetworkYaml& yaml, const Device& dev,
                                                  const IzerOptions& opt);

std::vector<LayerWeights> load_sample_weights(const std::string& weights_path,
                                              const std::optional<std::string>& bias_path, const NetworkYaml& yaml,
                                              const IzerOptions& opt);

}  // namespace ai8x::spec
