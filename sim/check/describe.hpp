#pragma once
// --describe: the network as ai8xsim understands it, as a table for people and
// as JSON for programs. Field names follow the izer's "Per-layer configuration"
// table so the two can be compared line by line.
#include <nlohmann/json.hpp>
#include <string>

#include "spec/network.hpp"

namespace ai8x {

nlohmann::json describe_json(const Network& net);
std::string describe_table(const Network& net);

// Multiply-accumulates of one layer's operator (pooling and element-wise
// work not counted), as the vendor's tools count them.
int64_t layer_macs(const LayerSpec& l);

// The quadrants (0..3) a processor map touches, as "[0, 1]".
std::string quadrant_list(uint64_t map);

}  // namespace ai8x
