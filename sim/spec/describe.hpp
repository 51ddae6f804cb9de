#pragma once
// --describe: the network as ai8xsim understands it, as a table for people and
// as JSON for programs. Field names follow the izer's "Per-layer configuration"
// table so the two can be compared line by line.
#include <nlohmann/json.hpp>
#include <string>

#include "spec/network.hpp"

namespace ai8x::spec {

nlohmann::json describe_json(const Network& net);
std::string describe_table(const Network& net);

// The quadrants (0..3) a processor map touches, as "[0, 1]".
std::string quadrant_list(uint64_t map);

}  // namespace ai8x::spec
