#pragma once
// What the izer's generated cnn_unload() returns (conventions §5.3), read from
// a data-memory image.
#include <cstdint>
#include <vector>

#include "check/kat.hpp"
#include "spec/network.hpp"

namespace ai8x {

// Layers cnn_unload() reads: the executed layers flagged `output`, or the
// final layer when none is flagged; in layer order.
std::vector<int> unload_layers(const Network& net);

// The values cnn_unload() stores, in buffer order, using each layer's
// out_channels × out_dim:
// * all unload layers 32-bit: for each quad in channel order, for each pixel,
//   the quad's words (one per enabled lane), as sign-extended int32;
// * otherwise the buffer is bytes: each layer's block starts after the
//   previous one (C·H·W bytes each). For H·W == 1 the bytes follow the quad
//   walk; otherwise byte (quad's first channel + lane)·H·W + pixel, i.e. CHW
//   when every quad's enabled lanes start at lane 0 (the generated code
//   indexes by lane). Values are sign-extended int8; bytes nothing writes are 0.
// Throws ai8x::Error for a mix of 8- and 32-bit unload layers (the generated
// code's byte-wise handling of 32-bit data in that case is not emulated).
std::vector<int64_t> unload_outputs(const Network& net, const MemoryReader& memory);

}  // namespace ai8x
