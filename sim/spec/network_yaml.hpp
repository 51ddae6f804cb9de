#pragma once
// The izer's YAML schema: top-level and per-layer keys, their aliases, value
// syntax and per-operator defaults (conventions §1.2-1.5). This stage only
// reads the file; channel counts, dimensions and offsets are derived later by
// build_network() once the weights and the sample are known.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "device.hpp"
#include "io/yaml_value.hpp"
#include "spec/network.hpp"

namespace ai8x::spec {

struct YamlLayer {
  int sequence = 0;  // slot index after `sequence:` gaps are closed
  int line = 0;      // line of the layer in the file
  std::string name;

  uint64_t processors = 0;
  std::optional<uint64_t> output_processors;

  Op op = Op::Conv2d;
  Eltwise eltwise = Eltwise::None;
  int operands = 1;
  bool pool_first = true;

  PoolKind pool = PoolKind::None;
  Pair pool_size{1, 1};
  Pair pool_stride{1, 1};
  Pair pool_dilation{1, 1};
  Pair kernel{3, 3};
  Pair pad{1, 1};
  bool pad_is_default = false;  // shares the izer's one default padding list (see yaml quirk)
  Pair stride{1, 1};
  Pair dilation{1, 1};
  int output_pad = 0;
  int groups = 1;
  Activation activation = Activation::None;
  bool flatten = false;
  bool streaming = false;
  bool chw = false;
  bool bypass = false;
  bool calcx4 = false;
  bool output = false;
  int output_width = 8;
  int write_gap = 0;
  int read_gap = 0;
  int in_channel_skip = 0;
  Pair in_crop{0, 0};

  std::optional<int> quantization;  // 1, 2, 4, 8 or -1 (binary)
  std::optional<int> output_shift;  // without the implicit 8 - |quantization|
  std::optional<int> in_channels;
  std::optional<int> out_channels;
  std::optional<Pair> in_dim;
  std::optional<uint32_t> in_offset;
  uint32_t out_offset = 0;
  std::optional<std::vector<int>> in_sequences;  // resolved: layer indices, -1 = input, -2 = data buffer
  std::optional<int> next_sequence;              // -1 = stop
  std::optional<int> simulated_sequence;         // MAX78002 snoop tests: where the izer's model goes next
  std::optional<int> weight_source;
  std::vector<int> bias_group;
};

struct NetworkYaml {
  std::string file;
  std::string arch;
  std::string dataset;
  std::optional<std::string> weights;  // `weights:` (arch: test)
  std::optional<std::string> bias;     // `bias:` (arch: test)
  std::optional<uint64_t> output_map;
  bool has_data_buffer = false;
  std::vector<YamlLayer> layers;
};

// `skip_layers` is --skip-yaml-layers. Throws ai8x::Error naming the file, the
// layer and the key.
NetworkYaml parse_network_yaml(const io::YamlValue& doc, const std::string& file, const Device& device,
                               int skip_layers = 0);

}  // namespace ai8x::spec
