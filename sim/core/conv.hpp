#pragma once
// The multiply-accumulate array: convolutions as correlations with integer
// kernels, producing the raw accumulator (hw-facts §4.1). Products and sums are
// exact; the bias byte is added ×128. Shift, rounding, saturation and
// activation are the output stage's job (core/quantize.hpp).
//
// Weights are always (out, in/groups, kH, kW) row-major integers. Sub-byte,
// 1-bit and binary (±1) weights arrive as their integer values, so the
// arithmetic is the same for every quantization.
#include <cstdint>
#include <span>
#include <vector>

#include "core/reshape.hpp"
#include "core/tensor.hpp"

namespace ai8x::core {

struct ConvParams {
  int in_channels = 0;
  int out_channels = 0;
  int groups = 1;  // output o reads input group o / (out/groups); groups == in == out is depthwise
  Dims kernel{1, 1};
  Dims stride{1, 1};
  Dims dilation{1, 1};
  Dims pad{0, 0};        // zeros on both sides: [top = bottom, left = right]
  Dims pad_after{0, 0};  // extra zeros at the bottom / right only
};

// Output rows/columns: floor((in + 2·pad + pad_after − dilation·(k−1) − 1) / stride) + 1.
Dims conv_out_dims(Dims in, const ConvParams& p);

// 2-D correlation of C×H×W data. `bias` is empty (no bias) or one bias byte per
// output channel. Throws ai8x::Error on inconsistent shapes or sizes.
Tensor conv2d(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias);

struct Conv1dParams {
  int in_channels = 0;
  int out_channels = 0;
  int groups = 1;
  int kernel = 1;
  int stride = 1;
  int dilation = 1;  // taps are `dilation` samples apart
  int pad = 0;       // zeros at both ends
};

// 1-D correlation of C×L×1 data; weights (out, in/groups, k).
Tensor conv1d(const Tensor& in, const Conv1dParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias);

struct ConvTransposeParams {
  int in_channels = 0;
  int out_channels = 0;
  int groups = 1;
  Dims kernel{3, 3};
  Dims stride{2, 2};  // (stride − 1) zeros are inserted between input samples
  Dims dilation{1, 1};
  Dims pad{1, 1};  // PyTorch meaning
  Dims output_pad{1, 1};
};

// (stride − 1) zeros between neighbouring samples: H×W -> ((H−1)·s+1)×((W−1)·s+1).
Tensor insert_zeros(const Tensor& in, Dims stride);

// ConvTranspose2d as the hardware runs it: zero insertion, then a stride-1
// correlation padded by dilation·(k−1) − pad on each side plus output_pad at the
// bottom/right. The weights must already be flipped and transposed
// (conventions §2.6), i.e. (out, in/groups, kH, kW) of the equivalent
// correlation. Output: (H−1)·s − 2·pad + dilation·(k−1) + output_pad + 1.
Tensor conv_transpose2d(const Tensor& in, const ConvTransposeParams& p, std::span<const int64_t> weights,
                        std::span<const int64_t> bias);

// Fully connected layer: the C×H×W input flattened (index c·H·W + h·W + w) and
// multiplied by (out, C·H·W) weights; output out×1×1.
Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias);

// MAX78002 kernel bypass: the izer models it with every kernel weight = 1 (so
// 1×1 depthwise bypass passes data through, a 3×3 one sums each window).
std::vector<int64_t> bypass_weights(int out_channels, int in_per_group, Dims kernel);

}  // namespace ai8x::core
