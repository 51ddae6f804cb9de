#pragma once
// Data movement in front of a layer's operator: how the accelerator sees its
// input after `in_sequences`, `operands`, `in_crop`, `in_dim` and `flatten`
// (conventions §1.3, §1.6, §2.6). No arithmetic happens here.
#include <array>
#include <span>
#include <vector>

#include "core/tensor.hpp"

namespace ai8x::core {

using Dims = std::array<int, 2>;  // [rows (H), columns (W)]; 1-D data is [L, 1]

// Channel concatenation in list order (torch.cat along C). All parts must have
// the same H×W.
Tensor concat_channels(std::span<const Tensor> parts);

// Per-channel concatenation of the pixel streams (used when the parts differ in
// H×W but not in C, and `in_dim` says how to read the result): C×(ΣH·W)×1.
Tensor concat_pixels(std::span<const Tensor> parts);

// `count` equal channel blocks: operand k = channels k·C/count .. (k+1)·C/count−1.
std::vector<Tensor> split_channels(const Tensor& t, int count);

// `count` interleaved column sets: operand k = columns k, k+count, k+2·count, ...
// (the izer's --legacy-test operand layout). W must be a multiple of `count`.
std::vector<Tensor> split_columns(const Tensor& t, int count);

// Drops rows the way the izer slices them, rows[top : −bottom] in Python terms:
// bottom == 0 with top > 0 keeps nothing; top == bottom == 0 keeps everything.
Tensor crop_rows(const Tensor& t, int top, int bottom);

// Row-major re-interpretation as (−1)×dims[0]×dims[1]; the element count must
// be a multiple of dims[0]·dims[1].
Tensor reshape(const Tensor& t, Dims dims);

// C×H×W -> (C·H·W)×1×1; element c·H·W + h·W + w keeps its index.
Tensor flatten(const Tensor& t);

}  // namespace ai8x::core
