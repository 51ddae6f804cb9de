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
#include <limits>
#include <span>
#include <vector>

#include "core/conv_image.hpp"
#include "core/quantize.hpp"
#include "core/reshape.hpp"
#include "core/tensor.hpp"

namespace ai8x::core {

// Options of a convolution call.
//
// Output: by default the raw accumulator (bias included) leaves the array;
// with width 8 or 32 the convolution also applies the layer's output stage
// (core/quantize.hpp), which saves a pass over the accumulators:
//   8:  output8(acc, shift, act)
//   32: output32(activate(acc, act)) — the izer clamps an activated 32-bit word
//
// Weight limits: the values the layer's quantization allows. A weight outside
// [weight_min, weight_max], or a 0 with nonzero_weights (binary), throws
// ai8x::Error. The check uses the range the convolution determines anyway, so
// it costs no extra pass over the weights.
struct ConvOptions {
  int width = 0;  // 0 (raw accumulator), 8 or 32
  int shift = 0;  // total output shift, −15…15 (8-bit only)
  Activation act = Activation::None;
  int64_t weight_min = std::numeric_limits<int64_t>::min();
  int64_t weight_max = std::numeric_limits<int64_t>::max();
  bool nonzero_weights = false;
};

// Implementation of the narrow (int8/int16 operand, int32 sum) inner loops.
// Every implementation gives the same bits; tests and benchmarks switch them.
enum class KernelIsa {
  Auto,      // the best one the CPU supports (the default); AI8X_KERNELS=portable in the
             // environment makes it Portable, to run whole networks on plain C++
  Portable,  // plain C++
  Avx2,      // x86-64 AVX2, chosen at run time (no -march flags needed)
};

// True if `isa` can run on this machine (Auto and Portable always can).
bool kernel_isa_supported(KernelIsa isa);

// Selects the implementation for the whole process and returns the previous
// setting. Throws ai8x::Error if `isa` is not supported here.
KernelIsa set_kernel_isa(KernelIsa isa);

// The implementation in use, never Auto.
KernelIsa active_kernel_isa();

// Which arithmetic the calling thread's most recent convolution used (tests
// check that the narrow kernels are really exercised).
enum class ConvPath {
  Uint8,  // uint8 data × int8 weights, int32 sums
  Int16,  // int16 data × int16 weights, int32 sums
  Int64,  // exact int64 (operands or sums too large for the narrow kernels)
};
ConvPath last_conv_path();

struct ValueRange {
  int64_t lo = 0;  // 0 and 0 for no values
  int64_t hi = 0;
};

// Smallest and largest value (vectorised; the engine checks weight ranges with it).
ValueRange value_range(std::span<const int64_t> values);

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
// With options, and optionally the output as an 8-bit image too: *out8 gets
// it when the output is 8-bit (options.width == 8) and is emptied otherwise.
Tensor conv2d(const Tensor& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8 = nullptr);
// The same with the input as an 8-bit image.
Tensor conv2d(const Image8& in, const ConvParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8 = nullptr);

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
Tensor conv1d(const Tensor& in, const Conv1dParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8 = nullptr);
Tensor conv1d(const Image8& in, const Conv1dParams& p, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& options, Image8* out8 = nullptr);

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
Tensor conv_transpose2d(const Tensor& in, const ConvTransposeParams& p, std::span<const int64_t> weights,
                        std::span<const int64_t> bias, const ConvOptions& out);

// Fully connected layer: the C×H×W input flattened (index c·H·W + h·W + w) and
// multiplied by (out, C·H·W) weights; output out×1×1.
Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias);
Tensor linear(const Tensor& in, int out_features, std::span<const int64_t> weights, std::span<const int64_t> bias,
              const ConvOptions& out);

// MAX78002 kernel bypass: the izer models it with every kernel weight = 1 (so
// 1×1 depthwise bypass passes data through, a 3×3 one sums each window).
std::vector<int64_t> bypass_weights(int out_channels, int in_per_group, Dims kernel);

}  // namespace ai8x::core
