#pragma once
// In-flight pooling, applied to the int8 input before the operator
// (hw-facts §4.5, conventions §2.7). No padding; windows may be non-square,
// strided and (MAX78002) dilated.
#include <cstdint>

#include "core/conv_image.hpp"
#include "core/reshape.hpp"
#include "core/tensor.hpp"

namespace ai8x::core {

enum class PoolKind { Max, Avg };

// How an average is turned back into an integer.
enum class AvgRounding {
  TowardZero,        // default: the mean truncated toward zero (−2.5 -> −2, 2.5 -> 2)
  HalfAwayFromZero,  // --avg-pool-rounding (2-D only): −2.5 -> −3, 2.5 -> 3
};

struct PoolParams {
  PoolKind kind = PoolKind::Max;
  Dims size{1, 1};
  Dims stride{1, 1};
  Dims dilation{1, 1};
  AvgRounding rounding = AvgRounding::TowardZero;
};

// Output size per dimension, the izer's formula
// floor((in + stride − size − dilation + 1) / stride). It equals the usual
// "windows that fit" count unless size ≥ 3 and dilation ≥ 2.
int pooled_extent(int in, int size, int stride, int dilation);

// sum / count rounded as `rounding` says (count > 0).
int64_t average(int64_t sum, int64_t count, AvgRounding rounding);

// 2-D pooling of every channel. A 1×1 window only subsamples by the stride.
// Throws ai8x::Error if the output would be empty or a window would read past
// the input (the izer's formula allows that for size ≥ 3 with dilation ≥ 2).
Tensor pool2d(const Tensor& in, const PoolParams& p);

// 1-D pooling of C×L×1 data along L, using size[0], stride[0], dilation[0].
// Matches the izer's Conv1d path: the average always truncates toward zero
// (p.rounding is ignored) and a dilated window that runs past the end averages
// only the samples inside; max pooling ignores the dilation (consecutive
// samples).
Tensor pool1d(const Tensor& in, const PoolParams& p);

// The same on 8-bit HWC images (max and average of int8 values stay int8).
Image8 pool2d(const Image8& in, const PoolParams& p);
Image8 pool1d(const Image8& in, const PoolParams& p);

}  // namespace ai8x::core
