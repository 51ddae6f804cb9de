#pragma once
// Per-layer intermediate tensors as an HDF5 file, for inspection with h5py,
// HDFView or h5dump:
//   /                 attributes device, config_file
//   /layer_NN         one group per executed layer (NN = layer index, ≥ 2 digits)
//     input, pooled, output   int64 datasets, shape C×H×W (omitted when empty)
//     attributes      layer (int), name, operator, activation (strings),
//                     output_shift, quantization, output_width (int)
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "spec/network.hpp"

namespace ai8x {

struct DumpLayer {
  int layer = 0;  // index into Network::layers
  Tensor input;
  Tensor pooled;
  Tensor output;
};

// Creates (truncates) `path`. A layer executed twice keeps its last entry.
// Throws ai8x::Error naming the file on any HDF5 failure or an unknown layer.
void write_hdf5_dump(const std::string& path, const Network& net, const std::vector<DumpLayer>& layers);

}  // namespace ai8x
