// Arithmetic core: every expectation is computed by hand from hw-facts §4 /
// conventions §2.7, or (marked "izer") was confirmed by running the vendor
// generator on a tiny network. Random cases compare against a naive
// direct-formula reference written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/conv.hpp"
#include "core/eltwise.hpp"
#include "core/error.hpp"
#include "core/pool.hpp"
#include "core/quantize.hpp"
#include "core/reshape.hpp"

namespace ai8x::core {
namespace {

Tensor make(int c, int h, int w, std::vector<int64_t> values) {
  Tensor t(c, h, w);
  EXPECT_EQ(values.size(), t.size());
  t.v = std::move(values);
  return t;
}

// ---------------------------------------------------------------- quantize

TEST(ShiftRound, ZeroShiftDividesBy128RoundingHalfUp) {
  EXPECT_EQ(shift_round(0, 0), 0);
  EXPECT_EQ(shift_round(63, 0), 0);     // 0.49
  EXPECT_EQ(shift_round(64, 0), 1);     // 0.5 -> 1
  EXPECT_EQ(shift_round(191, 0), 1);    // 1.49
  EXPECT_EQ(shift_round(192, 0), 2);    // 1.5 -> 2
  EXPECT_EQ(shift_round(-64, 0), 0);    // -0.5 -> 0 (toward +inf)
  EXPECT_EQ(shift_round(-65, 0), -1);   // -0.51
  EXPECT_EQ(shift_round(-192, 0), -1);  // -1.5 -> -1
  EXPECT_EQ(shift_round(-193, 0), -2);
}

TEST(ShiftRound, PositiveAndNegativeShifts) {
  EXPECT_EQ(shift_round(5, 7), 5);          // 2^7 / 128 = 1: the raw value
  EXPECT_EQ(shift_round(5, 8), 10);         // ×2
  EXPECT_EQ(shift_round(-3, 15), -768);     // ×256
  EXPECT_EQ(shift_round(128, -1), 1);       // 128/256 = 0.5 -> 1
  EXPECT_EQ(shift_round(-128, -1), 0);      // -0.5 -> 0
  EXPECT_EQ(shift_round(1 << 21, -15), 1);  // 2^21 / 2^22 = 0.5
  EXPECT_EQ(shift_round((1 << 21) - 1, -15), 0);
  EXPECT_EQ(shift_round(24, 4), 3);    // 24·16/128 = 3 (4-bit weights: +4)
  EXPECT_EQ(shift_round(-40, 2), -1);  // -40·4/128 = -1.25 -> floor(-0.75) = -1
}

TEST(Saturate, ClampsToInt8) {
  EXPECT_EQ(saturate8(127), 127);
  EXPECT_EQ(saturate8(128), 127);
  EXPECT_EQ(saturate8(-128), -128);
  EXPECT_EQ(saturate8(-129), -128);
  EXPECT_EQ(saturate8(1000000), 127);
}

TEST(Activation, ReluAndAbsAfterSaturation) {
  EXPECT_EQ(activate(-5, Activation::ReLU), 0);
  EXPECT_EQ(activate(99, Activation::ReLU), 99);
  EXPECT_EQ(activate(-3, Activation::Abs), 3);
  EXPECT_EQ(activate(-128, Activation::Abs), 127);  // |-128| saturates
  EXPECT_EQ(activate(-7, Activation::None), -7);
}

TEST(Output8, FullPath) {
  EXPECT_EQ(output8(128 * 300, 0, Activation::None), 127);
  EXPECT_EQ(output8(-128 * 300, 0, Activation::None), -128);
  EXPECT_EQ(output8(-128 * 300, 0, Activation::Abs), 127);  // saturate, then |-128| -> 127
  EXPECT_EQ(output8(-128 * 300, 0, Activation::ReLU), 0);
  EXPECT_EQ(output8(64, 0, Activation::None), 1);
  // Huge accumulators still saturate with the right sign at every shift.
  EXPECT_EQ(output8(int64_t{1} << 50, -15, Activation::None), 127);
  EXPECT_EQ(output8(-(int64_t{1} << 50), 15, Activation::None), -128);
}

TEST(Output32, WrapsToTwosComplement) {
  EXPECT_EQ(output32(-1), -1);
  EXPECT_EQ(output32(0x7fffffff), 0x7fffffff);
  EXPECT_EQ(output32(int64_t{0x80000000}), -2147483648LL);
  EXPECT_EQ(output32(int64_t{0x100000005}), 5);
  const Tensor t = output32(make(1, 1, 2, {int64_t{1} << 32, -77}));
  EXPECT_EQ(t.v, (std::vector<int64_t>{0, -77}));
}

TEST(Output8, TensorRejectsShiftOutsideRange) {
  const Tensor t(1, 1, 1);
  EXPECT_THROW(output8(t, 16, Activation::None), Error);
  EXPECT_THROW(output8(t, -16, Activation::None), Error);
  EXPECT_NO_THROW(output8(t, -15, Activation::None));
  EXPECT_NO_THROW(output8(t, 15, Activation::None));
}

// ---------------------------------------------------------------- reshape

TEST(Reshape, ConcatChannelsInListOrder) {
  const Tensor a = make(1, 1, 2, {1, 2});
  const Tensor b = make(2, 1, 2, {3, 4, 5, 6});
  const std::vector<Tensor> parts{b, a};
  const Tensor t = concat_channels(parts);
  EXPECT_EQ(t.c, 3);
  EXPECT_EQ(t.v, (std::vector<int64_t>{3, 4, 5, 6, 1, 2}));
  const std::vector<Tensor> bad{a, make(1, 2, 1, {0, 0})};
  EXPECT_THROW(concat_channels(bad), Error);
}

TEST(Reshape, ConcatPixelsPerChannel) {
  const Tensor a = make(2, 1, 2, {1, 2, 3, 4});
  const Tensor b = make(2, 1, 1, {5, 6});
  const std::vector<Tensor> parts{a, b};
  const Tensor t = concat_pixels(parts);
  EXPECT_EQ(t.c, 2);
  EXPECT_EQ(t.h, 3);
  EXPECT_EQ(t.v, (std::vector<int64_t>{1, 2, 5, 3, 4, 6}));
}

TEST(Reshape, SplitChannelsIntoOperandBlocks) {
  const auto ops = split_channels(make(4, 1, 1, {1, 2, 3, 4}), 2);
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].v, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(ops[1].v, (std::vector<int64_t>{3, 4}));
  EXPECT_THROW(split_channels(make(3, 1, 1, {1, 2, 3}), 2), Error);
}

TEST(Reshape, SplitColumnsInterleaves) {
  const auto ops = split_columns(make(1, 2, 4, {1, 2, 3, 4, 5, 6, 7, 8}), 2);
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].v, (std::vector<int64_t>{1, 3, 5, 7}));
  EXPECT_EQ(ops[1].v, (std::vector<int64_t>{2, 4, 6, 8}));
  EXPECT_THROW(split_columns(make(1, 1, 3, {1, 2, 3}), 2), Error);
}

TEST(Reshape, CropRowsLikeAPythonSlice) {
  const Tensor t = make(1, 4, 1, {1, 2, 3, 4});
  EXPECT_EQ(crop_rows(t, 1, 1).v, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(crop_rows(t, 0, 2).v, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(crop_rows(t, 0, 0).v, t.v);
  EXPECT_EQ(crop_rows(t, 1, 0).h, 0);  // rows[1:-0] = rows[1:0] is empty
  EXPECT_EQ(crop_rows(t, 0, 9).h, 0);
}

TEST(Reshape, ReinterpretsRowMajor) {
  const Tensor t = reshape(make(2, 1, 6, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), {2, 3});
  EXPECT_EQ(t.c, 2);
  EXPECT_EQ(t.at(0, 1, 0), 4);
  EXPECT_EQ(t.at(1, 0, 2), 9);
  EXPECT_THROW(reshape(make(1, 1, 5, {1, 2, 3, 4, 5}), {2, 2}), Error);
}

TEST(Reshape, FlattenKeepsCHWIndex) {
  const Tensor t = flatten(make(2, 2, 1, {1, 2, 3, 4}));
  EXPECT_EQ(t.c, 4);
  EXPECT_EQ(t.h, 1);
  EXPECT_EQ(t.w, 1);
  EXPECT_EQ(t.v, (std::vector<int64_t>{1, 2, 3, 4}));
}

// ---------------------------------------------------------------- pooling

TEST(Average, TruncatesTowardZeroByDefault) {
  EXPECT_EQ(average(-10, 4, AvgRounding::TowardZero), -2);  // -2.5
  EXPECT_EQ(average(10, 4, AvgRounding::TowardZero), 2);    // 2.5
  EXPECT_EQ(average(-3, 4, AvgRounding::TowardZero), 0);    // -0.75
  EXPECT_EQ(average(-11, 4, AvgRounding::TowardZero), -2);  // -2.75
}

TEST(Average, RoundsHalfAwayFromZeroWhenAsked) {
  EXPECT_EQ(average(-10, 4, AvgRounding::HalfAwayFromZero), -3);  // -2.5
  EXPECT_EQ(average(10, 4, AvgRounding::HalfAwayFromZero), 3);
  EXPECT_EQ(average(-9, 4, AvgRounding::HalfAwayFromZero), -2);  // -2.25
  EXPECT_EQ(average(-3, 4, AvgRounding::HalfAwayFromZero), -1);  // -0.75
  EXPECT_EQ(average(4, 9, AvgRounding::HalfAwayFromZero), 0);    // 0.44
  EXPECT_EQ(average(5, 9, AvgRounding::HalfAwayFromZero), 1);    // 0.56
}

TEST(PooledExtent, IzerFormula) {
  EXPECT_EQ(pooled_extent(28, 2, 2, 1), 14);
  EXPECT_EQ(pooled_extent(5, 2, 2, 1), 2);
  EXPECT_EQ(pooled_extent(5, 3, 2, 1), 2);
  EXPECT_EQ(pooled_extent(5, 2, 1, 2), 3);  // window extent 3
  EXPECT_EQ(pooled_extent(8, 3, 3, 2), 2);  // window extent 5
  EXPECT_EQ(pooled_extent(5, 1, 2, 1), 3);  // stride-only subsampling: ceil(5/2)
  EXPECT_EQ(pooled_extent(1, 2, 1, 1), 0);
}

TEST(Pool2d, NegativeAveragesTruncateOrRound) {
  const Tensor in = make(1, 2, 2, {-1, -2, -3, -4});
  PoolParams p{.kind = PoolKind::Avg, .size = {2, 2}, .stride = {2, 2}};
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{-2}));
  p.rounding = AvgRounding::HalfAwayFromZero;
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{-3}));
}

TEST(Pool2d, MaxWithStrideSmallerThanSize) {
  const Tensor in = make(1, 3, 3, {1, 9, 2, 3, 4, 5, 8, 6, 7});
  const PoolParams p{.kind = PoolKind::Max, .size = {2, 2}, .stride = {1, 1}};
  const Tensor out = pool2d(in, p);
  EXPECT_EQ(out.h, 2);
  EXPECT_EQ(out.v, (std::vector<int64_t>{9, 9, 8, 7}));
}

TEST(Pool2d, StrideLargerThanSizeSkipsData) {
  const Tensor in = make(1, 1, 7, {1, 2, 3, 4, 5, 6, 7});
  const PoolParams p{.kind = PoolKind::Max, .size = {1, 2}, .stride = {1, 3}};
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{2, 5}));  // (7+3-2-1+1)/3 = 2 windows
}

TEST(Pool2d, NonSquareAverage) {
  const Tensor in = make(1, 2, 4, {1, 2, 3, 4, 5, 6, 7, 8});
  const PoolParams p{.kind = PoolKind::Avg, .size = {2, 1}, .stride = {2, 2}};
  // Column pairs (1,5) (3,7): means 3 and 5.
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{3, 5}));
}

TEST(Pool2d, DilatedWindow) {
  const Tensor in = make(1, 1, 5, {1, -2, 3, -4, 5});
  const PoolParams p{.kind = PoolKind::Max, .size = {1, 2}, .dilation = {1, 2}};
  // Windows {0,2} {1,3} {2,4}.
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{3, -2, 5}));
}

TEST(Pool2d, DilatedSizeThreeStrideThree) {
  Tensor in(1, 8, 1);
  for (int y = 0; y < 8; ++y) in.at(0, y, 0) = y * 10;
  const PoolParams p{.kind = PoolKind::Avg, .size = {3, 1}, .stride = {3, 1}, .dilation = {2, 1}};
  // Rows {0,2,4} -> 20 and {3,5,7} -> 50.
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{20, 50}));
}

TEST(Pool2d, RejectsWindowsPastTheInput) {
  const Tensor in(1, 1, 7);
  // izer extent: (7 + 1 - 3 - 2 + 1) = 4 windows, but the 4th reads column 7.
  const PoolParams p{.kind = PoolKind::Max, .size = {1, 3}, .dilation = {1, 2}};
  EXPECT_THROW(pool2d(in, p), Error);
  EXPECT_THROW(pool2d(Tensor(1, 1, 1), PoolParams{.size = {2, 2}}), Error);
}

TEST(Pool2d, OneByOneWindowSubsamples) {
  const Tensor in = make(1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const PoolParams p{.kind = PoolKind::Max, .size = {1, 1}, .stride = {2, 2}};
  EXPECT_EQ(pool2d(in, p).v, (std::vector<int64_t>{1, 3, 7, 9}));
}

TEST(Pool1d, AverageAlwaysTruncates) {
  const Tensor in = make(1, 4, 1, {-1, -2, -3, -4});
  PoolParams p{.kind = PoolKind::Avg, .size = {2, 1}, .stride = {2, 1}};
  p.rounding = AvgRounding::HalfAwayFromZero;                  // ignored in 1-D (izer)
  EXPECT_EQ(pool1d(in, p).v, (std::vector<int64_t>{-1, -3}));  // -1.5, -3.5
}

TEST(Pool1d, MaxIgnoresDilationLikeTheIzer) {
  const Tensor in = make(1, 6, 1, {1, 9, 2, 3, 8, 4});
  const PoolParams p{.kind = PoolKind::Max, .size = {2, 1}, .dilation = {2, 1}};
  // 6 + 1 - 2 - 2 + 1 = 4 outputs over consecutive pairs.
  EXPECT_EQ(pool1d(in, p).v, (std::vector<int64_t>{9, 9, 3, 8}));
}

TEST(Pool1d, DilatedAverageCutShortAtTheEnd) {
  const Tensor in = make(1, 6, 1, {6, 0, 6, 0, 9, 0});
  const PoolParams p{.kind = PoolKind::Avg, .size = {3, 1}, .dilation = {2, 1}};
  // 6 + 1 - 3 - 2 + 1 = 3 outputs: {0,2,4} = 7, {1,3,5} = 0, {2,4} (6 is past the end) = 7.
  EXPECT_EQ(pool1d(in, p).v, (std::vector<int64_t>{7, 0, 7}));
}

// ---------------------------------------------------------------- eltwise

TEST(Eltwise, AddIsExactThenSaturated) {
  const std::vector<Tensor> ops{make(1, 1, 1, {100}), make(1, 1, 1, {100}), make(1, 1, 1, {-50})};
  // 100 + 100 - 50 = 150 -> 127; clamping after each step would give 77.
  EXPECT_EQ(eltwise(ops, EltwiseOp::Add).v, (std::vector<int64_t>{127}));
  EXPECT_EQ(eltwise(ops, EltwiseOp::Add, false).v, (std::vector<int64_t>{150}));
}

TEST(Eltwise, SubIsLeftToRight) {
  const std::vector<Tensor> ops{make(1, 1, 2, {10, 0}), make(1, 1, 2, {3, 100}), make(1, 1, 2, {2, 100})};
  EXPECT_EQ(eltwise(ops, EltwiseOp::Sub).v, (std::vector<int64_t>{5, -128}));
}

TEST(Eltwise, BitwiseOnTwosComplementBytes) {
  const std::vector<Tensor> ops{make(1, 1, 3, {-1, -128, 127}), make(1, 1, 3, {1, 1, -128})};
  EXPECT_EQ(eltwise(ops, EltwiseOp::Xor).v, (std::vector<int64_t>{-2, -127, -1}));
  EXPECT_EQ(eltwise(ops, EltwiseOp::Or).v, (std::vector<int64_t>{-1, -127, -1}));
}

TEST(Eltwise, SixteenOperands) {
  std::vector<Tensor> ops;
  for (int k = 0; k < 16; ++k) ops.push_back(make(1, 1, 1, {k}));
  EXPECT_EQ(eltwise(ops, EltwiseOp::Add).v, (std::vector<int64_t>{120}));
  EXPECT_EQ(eltwise(ops, EltwiseOp::Xor).v, (std::vector<int64_t>{0}));  // 0^1^...^15
}

TEST(Eltwise, RejectsMismatchedOperands) {
  const std::vector<Tensor> ops{Tensor(1, 1, 2), Tensor(1, 2, 1)};
  EXPECT_THROW(eltwise(ops, EltwiseOp::Add), Error);
}

// ---------------------------------------------------------------- convolution

// Direct-formula reference: out[o][y][x] = Σ w·in over the (dilated) window of
// the zero-padded input, for output o's group.
Tensor reference_conv(const Tensor& in, const ConvParams& p, const std::vector<int64_t>& w,
                      const std::vector<int64_t>& bias) {
  const Dims od = conv_out_dims({in.h, in.w}, p);
  const int cpg = p.in_channels / p.groups;
  const int opg = p.out_channels / p.groups;
  Tensor out(p.out_channels, od[0], od[1]);
  for (int o = 0; o < p.out_channels; ++o) {
    for (int y = 0; y < od[0]; ++y) {
      for (int x = 0; x < od[1]; ++x) {
        int64_t acc = bias.empty() ? 0 : bias[static_cast<size_t>(o)] * 128;
        for (int ci = 0; ci < cpg; ++ci) {
          for (int ky = 0; ky < p.kernel[0]; ++ky) {
            for (int kx = 0; kx < p.kernel[1]; ++kx) {
              const int iy = y * p.stride[0] + ky * p.dilation[0] - p.pad[0];
              const int ix = x * p.stride[1] + kx * p.dilation[1] - p.pad[1];
              if (iy < 0 || ix < 0 || iy >= in.h || ix >= in.w) continue;
              const size_t wi = ((static_cast<size_t>(o) * cpg + ci) * p.kernel[0] + ky) * p.kernel[1] + kx;
              acc += w[wi] * in.at((o / opg) * cpg + ci, iy, ix);
            }
          }
        }
        out.at(o, y, x) = acc;
      }
    }
  }
  return out;
}

TEST(Conv2d, HandComputed3x3WithPadding) {
  const Tensor in = make(1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const std::vector<int64_t> w{1, 0, -1, 2, 0, -2, 1, 0, -1};  // Sobel-x (correlation)
  const ConvParams p{.in_channels = 1, .out_channels = 1, .kernel = {3, 3}, .pad = {1, 1}};
  const Tensor out = conv2d(in, p, w, {});
  ASSERT_EQ(out.h, 3);
  ASSERT_EQ(out.w, 3);
  EXPECT_EQ(out.at(0, 1, 1), (1 - 3) + 2 * (4 - 6) + (7 - 9));  // -8
  EXPECT_EQ(out.at(0, 0, 0), -2 * 2 - 5);                       // rows -1..1, cols -1..1: only -2·x(0,1) - x(1,1)
}

TEST(Conv2d, BiasIsScaledBy128) {
  const Tensor in = make(1, 1, 1, {3});
  const ConvParams p{.in_channels = 1, .out_channels = 2};
  const std::vector<int64_t> w{2, -1};
  const std::vector<int64_t> b{1, -2};
  EXPECT_EQ(conv2d(in, p, w, b).v, (std::vector<int64_t>{6 + 128, -3 - 256}));
}

TEST(Conv2d, DepthwiseGroups) {
  const Tensor in = make(2, 1, 2, {1, 2, 10, 20});
  const ConvParams p{.in_channels = 2, .out_channels = 2, .groups = 2, .kernel = {1, 2}};
  const std::vector<int64_t> w{1, 1, 3, -1};  // out0 reads ch0 only, out1 ch1 only
  EXPECT_EQ(conv2d(in, p, w, {}).v, (std::vector<int64_t>{3, 10}));
}

TEST(Conv2d, SubByteAndBinaryWeightsAreJustIntegers) {
  const Tensor in = make(4, 1, 1, {10, 20, 30, 40});
  const ConvParams p{.in_channels = 4, .out_channels = 1};
  EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{-8, 7, 0, 1}, {}).v,
            (std::vector<int64_t>{-80 + 140 + 40}));  // 4-bit range
  EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{-1, 1, 1, -1}, {}).v,
            (std::vector<int64_t>{-10 + 20 + 30 - 40}));                                            // binary ±1
  EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{-1, 0, -1, 0}, {}).v, (std::vector<int64_t>{-40}));  // 1-bit −1/0
}

TEST(Conv2d, StrideTwo) {
  const Tensor in = make(1, 1, 5, {1, 2, 3, 4, 5});
  const ConvParams p{.in_channels = 1, .out_channels = 1, .kernel = {1, 2}, .stride = {1, 2}};
  EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{1, 10}, {}).v, (std::vector<int64_t>{21, 43}));
}

TEST(Conv2d, RejectsInconsistentShapes) {
  const Tensor in(2, 3, 3);
  const ConvParams p{.in_channels = 2, .out_channels = 1, .kernel = {3, 3}};
  EXPECT_THROW(conv2d(in, p, std::vector<int64_t>(17, 0), {}), Error);
  EXPECT_THROW(conv2d(in, p, std::vector<int64_t>(18, 0), std::vector<int64_t>{1, 2}), Error);
  const ConvParams wrong_in{.in_channels = 3, .out_channels = 1, .kernel = {3, 3}};
  EXPECT_THROW(conv2d(in, wrong_in, std::vector<int64_t>(27, 0), {}), Error);
  const ConvParams too_big{.in_channels = 2, .out_channels = 1, .kernel = {5, 5}};
  EXPECT_THROW(conv2d(in, too_big, std::vector<int64_t>(50, 0), {}), Error);
}

TEST(Conv2d, MatchesDirectFormulaOnRandomData) {
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> byte(-128, 127);
  struct Case {
    ConvParams p;
    int h, w;
  };
  const std::vector<Case> cases{
      {{.in_channels = 60, .out_channels = 7, .kernel = {3, 3}, .pad = {1, 1}}, 9, 7},
      {{.in_channels = 13, .out_channels = 5, .kernel = {3, 3}, .pad = {2, 0}}, 4, 6},
      {{.in_channels = 6, .out_channels = 6, .groups = 6, .kernel = {3, 3}, .pad = {1, 1}}, 5, 5},
      {{.in_channels = 8, .out_channels = 4, .groups = 2, .kernel = {3, 1}, .dilation = {3, 1}}, 11, 2},
      {{.in_channels = 9, .out_channels = 3, .kernel = {2, 2}, .stride = {2, 1}}, 6, 5},
  };
  for (const Case& c : cases) {
    Tensor in(c.p.in_channels, c.h, c.w);
    for (int64_t& v : in.v) v = byte(rng);
    std::vector<int64_t> w(static_cast<size_t>(c.p.out_channels) * (c.p.in_channels / c.p.groups) * c.p.kernel[0] *
                           c.p.kernel[1]);
    for (int64_t& v : w) v = byte(rng);
    std::vector<int64_t> b(static_cast<size_t>(c.p.out_channels));
    for (int64_t& v : b) v = byte(rng);
    EXPECT_EQ(conv2d(in, c.p, w, b), reference_conv(in, c.p, w, b));
    // The same through the wide path (one large input value forces int64).
    in.v[0] = 1 << 20;
    EXPECT_EQ(conv2d(in, c.p, w, b), reference_conv(in, c.p, w, b));
  }
}

// ---------------------------------------------------------------- narrow kernels

// Runs `f` once with every kernel implementation this CPU supports, then
// restores the default selection.
template <typename F>
void for_each_isa(F f) {
  for (const KernelIsa isa : {KernelIsa::Portable, KernelIsa::Avx2}) {
    if (!kernel_isa_supported(isa)) continue;
    SCOPED_TRACE(isa == KernelIsa::Portable ? "portable kernels" : "AVX2 kernels");
    const KernelIsa previous = set_kernel_isa(isa);
    f();
    set_kernel_isa(previous);
  }
}

// What a layer's output stage makes of reference accumulators.
Tensor reference_stage(Tensor acc, const ConvOptions& o) {
  for (int64_t& v : acc.v) {
    if (o.width == 8) v = output8(v, o.shift, o.act);
    if (o.width == 32) v = output32(activate(v, o.act));
  }
  return acc;
}

struct Operands {
  int64_t data_lo, data_hi;      // data range
  int64_t weight_lo, weight_hi;  // weight range
  int64_t bias_lo, bias_hi;
  ConvPath path;  // the arithmetic these ranges call for
};

struct Shape {
  ConvParams p;
  int h, w;
};

std::vector<Shape> kernel_shapes() {
  return {
      {{.in_channels = 60, .out_channels = 60, .kernel = {3, 3}, .pad = {2, 2}}, 7, 9},  // mnist-like, pad 2
      {{.in_channels = 3, .out_channels = 17, .kernel = {3, 3}, .pad = {1, 1}}, 6, 5},   // 30 pixels, 17 outputs
      {{.in_channels = 1, .out_channels = 33, .kernel = {3, 3}, .pad = {1, 1}}, 5, 5},   // one input channel
      {{.in_channels = 13, .out_channels = 5, .kernel = {3, 3}, .pad = {2, 0}}, 4, 6},
      {{.in_channels = 64, .out_channels = 32, .kernel = {1, 1}}, 3, 7},
      {{.in_channels = 9, .out_channels = 3, .kernel = {2, 2}, .stride = {2, 1}}, 6, 5},
      {{.in_channels = 6, .out_channels = 6, .groups = 6, .kernel = {3, 3}, .pad = {1, 1}}, 5, 5},
      {{.in_channels = 8, .out_channels = 36, .groups = 2, .kernel = {3, 1}, .dilation = {3, 1}}, 11, 2},
      {{.in_channels = 5, .out_channels = 4, .kernel = {3, 3}, .dilation = {2, 2}, .pad = {2, 1}}, 6, 6},
      {{.in_channels = 7, .out_channels = 9, .kernel = {3, 3}, .pad = {1, 1}, .pad_after = {1, 1}}, 3, 4},
      {{.in_channels = 4, .out_channels = 20, .kernel = {3, 3}, .stride = {2, 2}, .pad = {1, 1}}, 9, 9},
      {{.in_channels = 100, .out_channels = 21, .kernel = {6, 1}, .pad = {1, 0}}, 14, 1},  // Conv1d-like
      {{.in_channels = 300, .out_channels = 10}, 1, 1},                                    // Linear-like
      {{.in_channels = 2, .out_channels = 3, .kernel = {5, 5}, .pad = {4, 4}}, 2, 2},      // windows in padding
  };
}

// Random operands in the given ranges through conv2d with a random output
// stage, under every kernel implementation, against the direct formula.
void check_against_reference(const Shape& c, const Operands& r, std::mt19937& rng) {
  const ConvParams& p = c.p;
  Tensor in(p.in_channels, c.h, c.w);
  std::uniform_int_distribution<int64_t> data(r.data_lo, r.data_hi);
  for (int64_t& v : in.v) v = data(rng);
  std::vector<int64_t> w(static_cast<size_t>(p.out_channels) * (p.in_channels / p.groups) * p.kernel[0] * p.kernel[1]);
  std::uniform_int_distribution<int64_t> weight(r.weight_lo, r.weight_hi);
  for (int64_t& v : w) v = weight(rng);
  std::vector<int64_t> b(static_cast<size_t>(p.out_channels));
  std::uniform_int_distribution<int64_t> bias(r.bias_lo, r.bias_hi);
  for (int64_t& v : b) v = bias(rng);
  const ConvOptions stage{.width = std::array{0, 8, 32}[rng() % 3],
                          .shift = static_cast<int>(rng() % 31) - 15,
                          .act = std::array{Activation::None, Activation::ReLU, Activation::Abs}[rng() % 3]};
  const Tensor expected = reference_stage(reference_conv(in, p, w, b), stage);
  for_each_isa([&] {
    EXPECT_EQ(conv2d(in, p, w, b, stage), expected);
    EXPECT_EQ(last_conv_path(), r.path);
  });
}

TEST(ConvKernels, EveryShapeAndOperandRangeMatchesTheDirectFormula) {
  std::mt19937 rng(4321);
  const std::vector<Operands> ranges{
      {0, 127, -128, 127, -128, 127, ConvPath::Uint8},       // ReLU output × 8-bit weights
      {-128, 127, -128, 127, -128, 127, ConvPath::Int16},    // signed int8 data
      {0, 255, -64, 64, -128, 127, ConvPath::Uint8},         // uint8 beyond int8 with small weights
      {0, 255, -128, 127, -128, 127, ConvPath::Int16},       // the same with 8-bit weights
      {0, 127, -8, 7, -128, 127, ConvPath::Uint8},           // 4-bit
      {-128, 127, -2, 1, -128, 127, ConvPath::Int16},        // 2-bit
      {0, 127, -1, 0, -128, 127, ConvPath::Uint8},           // 1-bit
      {-128, 127, -1, 1, 0, 0, ConvPath::Int16},             // binary, no bias
      {-30000, 30000, -8, 7, -1000, 1000, ConvPath::Int16},  // int16 data (a 32-bit layer's small output)
      {-(1LL << 31), (1LL << 31) - 1, -128, 127, -128, 127, ConvPath::Int64},  // full 32-bit words
  };
  for (const Shape& c : kernel_shapes()) {
    for (const Operands& r : ranges) {
      SCOPED_TRACE("in " + std::to_string(c.p.in_channels) + " out " + std::to_string(c.p.out_channels) + " data [" +
                   std::to_string(r.data_lo) + ", " + std::to_string(r.data_hi) + "] weights [" +
                   std::to_string(r.weight_lo) + ", " + std::to_string(r.weight_hi) + "]");
      for (int repeat = 0; repeat < 3; ++repeat) check_against_reference(c, r, rng);
    }
  }
}

TEST(ConvKernels, ExtremeOperandsAndEveryOutputStage) {
  // All-extreme data and weights: the largest int16 pair sums vpmaddubsw can
  // meet (127·−128·2) and int8 × int8 products of ±128.
  const ConvParams p{.in_channels = 60, .out_channels = 20, .kernel = {3, 3}, .pad = {1, 1}};
  const std::vector<std::pair<int64_t, int64_t>> extremes{{127, -128}, {127, 127}, {0, -128},  {-128, -128},
                                                          {-128, 127}, {255, 64},  {255, -64}, {-1, 1}};
  for (const auto& [x, wv] : extremes) {
    const Tensor in = make(60, 4, 4, std::vector<int64_t>(60 * 16, x));
    const std::vector<int64_t> w(static_cast<size_t>(20) * 60 * 9, wv);
    const std::vector<int64_t> b(20, -128);
    for (int width : {0, 8, 32}) {
      for (int shift = -15; shift <= 15; ++shift) {
        for (Activation act : {Activation::None, Activation::ReLU, Activation::Abs}) {
          const ConvOptions stage{.width = width, .shift = shift, .act = act};
          const Tensor expected = reference_stage(reference_conv(in, p, w, b), stage);
          for_each_isa([&] { ASSERT_EQ(conv2d(in, p, w, b, stage), expected); });
          if (width != 8) break;  // the shift only matters for 8-bit outputs
        }
      }
    }
  }
}

TEST(ConvKernels, Int32BoundEdge) {
  // 32768 products of 128 × 256 reach exactly 2^30 (the largest sum the int32
  // kernels take); one more unit of bias goes past it (int64 path). Both exact.
  const ConvParams p{.in_channels = 32768, .out_channels = 2};
  const Tensor in = make(32768, 1, 1, std::vector<int64_t>(32768, -128));
  std::vector<int64_t> w(2 * 32768, 256);
  for (size_t i = 32768; i < w.size(); i += 2) w[i] = -256;  // output 1: alternating signs
  for (const std::vector<int64_t>& b : {std::vector<int64_t>{}, std::vector<int64_t>{1, -1}}) {
    for (int width : {0, 32}) {
      const ConvOptions stage{.width = width};
      const Tensor out = conv2d(in, p, w, b, stage);
      EXPECT_EQ(last_conv_path(), b.empty() ? ConvPath::Int16 : ConvPath::Int64);
      const int64_t bias0 = b.empty() ? 0 : 128;
      EXPECT_EQ(out.at(0, 0, 0), -(int64_t{1} << 30) + bias0);  // hand-computed: 32768 · −128 · 256
      EXPECT_EQ(out.at(1, 0, 0), -bias0);
      for_each_isa([&] { EXPECT_EQ(conv2d(in, p, w, b, stage), out); });
    }
  }
}

TEST(ConvKernels, ChangedWeightsAtTheSameAddressAreNotReused) {
  const ConvParams p{.in_channels = 4, .out_channels = 2, .kernel = {1, 1}};
  const Tensor in = make(4, 1, 1, {1, 2, 3, 4});
  std::vector<int64_t> w{1, 1, 1, 1, 0, 0, 0, 1};
  for_each_isa([&] {
    w = {1, 1, 1, 1, 0, 0, 0, 1};
    EXPECT_EQ(conv2d(in, p, w, {}).v, (std::vector<int64_t>{10, 4}));
    w[7] = -1;  // same vector, same address, other contents
    EXPECT_EQ(conv2d(in, p, w, {}).v, (std::vector<int64_t>{10, -4}));
    w[0] = 300;  // and now outside int8: the int16 kernels
    EXPECT_EQ(conv2d(in, p, w, {}).v, (std::vector<int64_t>{309, -4}));
  });
}

TEST(ConvKernels, FusedOutputStageOfEveryOperator) {
  std::mt19937 rng(77);
  std::uniform_int_distribution<int64_t> byte(-128, 127);
  const ConvOptions stage{.width = 8, .shift = -3, .act = Activation::ReLU};
  const Tensor in = [&] {
    Tensor t(3, 5, 1);
    for (int64_t& v : t.v) v = byte(rng);
    return t;
  }();
  std::vector<int64_t> w(4 * 3 * 3);
  for (int64_t& v : w) v = byte(rng);
  const std::vector<int64_t> b{1, -2, 3, -4};
  const Conv1dParams p1{.in_channels = 3, .out_channels = 4, .kernel = 3, .pad = 1};
  const ConvTransposeParams pt{
      .in_channels = 3, .out_channels = 4, .kernel = {3, 1}, .stride = {2, 1}, .pad = {1, 0}, .output_pad = {1, 0}};
  std::vector<int64_t> wl(4 * 15);
  for (int64_t& v : wl) v = byte(rng);
  for_each_isa([&] {
    EXPECT_EQ(conv1d(in, p1, w, b, stage), reference_stage(conv1d(in, p1, w, b), stage));
    EXPECT_EQ(conv_transpose2d(in, pt, w, b, stage), reference_stage(conv_transpose2d(in, pt, w, b), stage));
    EXPECT_EQ(linear(in, 4, wl, b, stage), reference_stage(linear(in, 4, wl, b), stage));
  });
  EXPECT_THROW(conv2d(in, ConvParams{.in_channels = 3, .out_channels = 1}, std::vector<int64_t>(3, 0), {},
                      ConvOptions{.width = 8, .shift = 16}),
               Error);
  EXPECT_THROW(conv2d(in, ConvParams{.in_channels = 3, .out_channels = 1}, std::vector<int64_t>(3, 0), {},
                      ConvOptions{.width = 16}),
               Error);
}

TEST(ConvKernels, WeightLimits) {
  const ConvParams p{.in_channels = 3, .out_channels = 1};
  const Tensor in = make(3, 1, 1, {1, 2, 3});
  const ConvOptions eight_bit{.weight_min = -128, .weight_max = 127};
  const ConvOptions binary{.weight_min = -1, .weight_max = 1, .nonzero_weights = true};
  for_each_isa([&] {
    for (int repeat = 0; repeat < 2; ++repeat) {  // the second time from the weight cache
      EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{-128, 127, 0}, {}, eight_bit).v, (std::vector<int64_t>{126}));
      EXPECT_THROW(conv2d(in, p, std::vector<int64_t>{-129, 0, 0}, {}, eight_bit), Error);
      EXPECT_THROW(conv2d(in, p, std::vector<int64_t>{0, 128, 0}, {}, eight_bit), Error);
      EXPECT_EQ(conv2d(in, p, std::vector<int64_t>{1, -1, 1}, {}, binary).v, (std::vector<int64_t>{2}));
      EXPECT_THROW(conv2d(in, p, std::vector<int64_t>{1, 0, 1}, {}, binary), Error);
      EXPECT_THROW(conv2d(in, p, std::vector<int64_t>{1, 1, 1LL << 40}, {}, binary), Error);  // int64 path
    }
  });
}

TEST(Image8, RoundTripAndRange) {
  const Tensor t = make(2, 1, 3, {1, -2, 3, 127, -128, 0});
  const Image8 image = to_image(t);
  EXPECT_EQ(image.v, (std::vector<int8_t>{1, 127, -2, -128, 3, 0}));  // HWC
  EXPECT_EQ(image.at(1, 0, 1), -128);
  EXPECT_FALSE(image.nonnegative);
  EXPECT_EQ(to_tensor(image), t);
  EXPECT_TRUE(to_image(make(1, 1, 2, {0, 127})).nonnegative);
  EXPECT_THROW(to_image(make(1, 1, 1, {128})), Error);
  EXPECT_THROW(to_image(make(1, 1, 1, {-129})), Error);
}

TEST(ConvKernels, ImageInputAndOutputEqualTheTensorPath) {
  // The same convolution from an 8-bit image, and the 8-bit output as an
  // image: equal to the tensor path bit for bit, for every stage.
  std::mt19937 rng(31);
  for (const Shape& c : kernel_shapes()) {
    for (const bool nonnegative : {true, false}) {
      Tensor in(c.p.in_channels, c.h, c.w);
      std::uniform_int_distribution<int64_t> data(nonnegative ? 0 : -128, 127);
      for (int64_t& v : in.v) v = data(rng);
      const Image8 image = to_image(in);
      std::vector<int64_t> w(static_cast<size_t>(c.p.out_channels) * (c.p.in_channels / c.p.groups) * c.p.kernel[0] *
                             c.p.kernel[1]);
      std::uniform_int_distribution<int64_t> weight(-128, 127);
      for (int64_t& v : w) v = weight(rng);
      std::vector<int64_t> b(static_cast<size_t>(c.p.out_channels));
      for (int64_t& v : b) v = weight(rng);
      for (const int width : {0, 8, 32}) {
        for (const Activation act : {Activation::None, Activation::ReLU, Activation::Abs}) {
          const ConvOptions o{.width = width, .shift = static_cast<int>(rng() % 12) - 8, .act = act};
          const Tensor expected = conv2d(in, c.p, w, b, o);
          for_each_isa([&] {
            Image8 out8;
            out8.c = 99;  // must be replaced (or emptied)
            EXPECT_EQ(conv2d(image, c.p, w, b, o, &out8), expected);
            if (width == 8) {
              EXPECT_EQ(to_tensor(out8), expected);
              EXPECT_EQ(out8.nonnegative, act != Activation::None);
            } else {
              EXPECT_EQ(out8.c, 0);
            }
            Image8 from_tensor;
            EXPECT_EQ(conv2d(in, c.p, w, b, o, &from_tensor), expected);
            EXPECT_EQ(from_tensor, out8);
          });
        }
      }
    }
  }
  // Conv1d from an image.
  const Tensor in = make(2, 4, 1, {1, 2, 3, 4, -5, 6, -7, 8});
  const Conv1dParams p1{.in_channels = 2, .out_channels = 3, .kernel = 3, .pad = 1};
  const std::vector<int64_t> w1{1, 2, 3, -1, 0, 1, 4, 4, 4, 0, 0, 1, -2, 5, 1, 1, 1, 1};
  for_each_isa([&] { EXPECT_EQ(conv1d(to_image(in), p1, w1, {}, {}), conv1d(in, p1, w1, {})); });
}

TEST(Pool, ImagesPoolLikeTensors) {
  std::mt19937 rng(8);
  std::uniform_int_distribution<int64_t> byte(-128, 127);
  std::vector<PoolParams> params;
  for (const PoolKind kind : {PoolKind::Max, PoolKind::Avg}) {
    for (const AvgRounding rounding : {AvgRounding::TowardZero, AvgRounding::HalfAwayFromZero}) {
      params.push_back({.kind = kind, .size = {2, 2}, .stride = {2, 2}, .rounding = rounding});
      params.push_back({.kind = kind, .size = {3, 3}, .stride = {2, 2}, .rounding = rounding});  // count 9
      params.push_back({.kind = kind, .size = {4, 4}, .stride = {4, 4}, .rounding = rounding});
      params.push_back({.kind = kind, .size = {1, 2}, .stride = {1, 1}, .dilation = {1, 2}, .rounding = rounding});
      params.push_back({.kind = kind, .size = {1, 1}, .stride = {2, 3}, .rounding = rounding});
      // 2-D: the last window would read past the input (error); 1-D: cut short.
      params.push_back({.kind = kind, .size = {3, 1}, .stride = {1, 1}, .dilation = {2, 1}, .rounding = rounding});
    }
  }
  // Both throw, or both give the same values.
  const auto same = [](auto image_pool, auto tensor_pool) {
    std::optional<Tensor> expected;
    try {
      expected = tensor_pool();
    } catch (const Error&) {
    }
    if (expected) {
      EXPECT_EQ(to_tensor(image_pool()), *expected);
    } else {
      EXPECT_THROW(image_pool(), Error);
    }
  };
  for (const int channels : {1, 5, 31, 32, 33, 60, 64, 100}) {
    Tensor in(channels, 13, 12);
    for (int64_t& v : in.v) v = byte(rng);
    Tensor line(channels, 13, 1);
    for (int64_t& v : line.v) v = byte(rng);
    for (const PoolParams& p : params) {
      for_each_isa([&] {
        same([&] { return pool2d(to_image(in), p); }, [&] { return pool2d(in, p); });
        same([&] { return pool1d(to_image(line), p); }, [&] { return pool1d(line, p); });  // 1-D: index 0
      });
    }
  }
  Image8 bad;
  bad.c = 1, bad.h = 1, bad.w = 7;
  bad.v.resize(7);
  EXPECT_THROW(pool2d(bad, PoolParams{.kind = PoolKind::Max, .size = {1, 3}, .dilation = {1, 2}}), Error);
  EXPECT_THROW(pool1d(bad, PoolParams{.size = {2, 1}}), Error);
}

TEST(ConvKernels, SelectingAnImplementation) {
  EXPECT_TRUE(kernel_isa_supported(KernelIsa::Portable));
  EXPECT_TRUE(kernel_isa_supported(KernelIsa::Auto));
  const KernelIsa previous = set_kernel_isa(KernelIsa::Portable);
  EXPECT_EQ(active_kernel_isa(), KernelIsa::Portable);
  set_kernel_isa(KernelIsa::Auto);
  EXPECT_NE(active_kernel_isa(), KernelIsa::Auto);
  if (!kernel_isa_supported(KernelIsa::Avx2)) {
    EXPECT_THROW(set_kernel_isa(KernelIsa::Avx2), Error);
  }
  set_kernel_isa(previous);
}

TEST(ValueRange, SmallestAndLargest) {
  std::vector<int64_t> v(37);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int64_t>(i) * 3 - 50;
  v[21] = std::numeric_limits<int64_t>::min();
  v[36] = std::numeric_limits<int64_t>::max();
  for_each_isa([&] {
    const ValueRange r = value_range(v);
    EXPECT_EQ(r.lo, std::numeric_limits<int64_t>::min());
    EXPECT_EQ(r.hi, std::numeric_limits<int64_t>::max());
    const ValueRange head = value_range(std::span<const int64_t>(v).first(5));
    EXPECT_EQ(head.lo, -50);
    EXPECT_EQ(head.hi, -38);
    EXPECT_EQ(value_range({}).lo, 0);
  });
}

TEST(Pool2d, TwoByTwoMaxOfEveryImplementation) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int64_t> any(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  for (const Dims dims : {Dims{14, 14}, Dims{7, 11}, Dims{2, 2}, Dims{5, 19}}) {
    Tensor in(3, dims[0], dims[1]);
    for (int64_t& v : in.v) v = any(rng);
    const PoolParams p{.kind = PoolKind::Max, .size = {2, 2}, .stride = {2, 2}};
    Tensor expected(3, dims[0] / 2, dims[1] / 2);
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < expected.h; ++y) {
        for (int x = 0; x < expected.w; ++x) {
          expected.at(c, y, x) = std::max({in.at(c, 2 * y, 2 * x), in.at(c, 2 * y, 2 * x + 1),
                                           in.at(c, 2 * y + 1, 2 * x), in.at(c, 2 * y + 1, 2 * x + 1)});
        }
      }
    }
    for_each_isa([&] { EXPECT_EQ(pool2d(in, p), expected); });
  }
}

TEST(Conv1d, DilatedTaps) {
  const Tensor in = make(1, 6, 1, {1, 2, 3, 4, 5, 6});
  const Conv1dParams p{.in_channels = 1, .out_channels = 1, .kernel = 2, .dilation = 3};
  // y[i] = x[i] + 10·x[i+3], 6 - 3 = 3 outputs.
  EXPECT_EQ(conv1d(in, p, std::vector<int64_t>{1, 10}, {}).v, (std::vector<int64_t>{41, 52, 63}));
}

TEST(Conv1d, PaddingAtBothEnds) {
  const Tensor in = make(2, 3, 1, {1, 2, 3, 10, 20, 30});
  const Conv1dParams p{.in_channels = 2, .out_channels = 1, .kernel = 3, .pad = 1};
  const std::vector<int64_t> w{1, 1, 1, 0, 1, 0};  // ch0: window sum, ch1: centre
  EXPECT_EQ(conv1d(in, p, w, {}).v, (std::vector<int64_t>{3 + 10, 6 + 20, 5 + 30}));
}

TEST(ConvTranspose2d, InsertZeros) {
  const Tensor t = insert_zeros(make(1, 2, 2, {1, 2, 3, 4}), {2, 2});
  EXPECT_EQ(t.v, (std::vector<int64_t>{1, 0, 2, 0, 0, 0, 3, 0, 4}));
}

TEST(ConvTranspose2d, DoublesTheSizeAndMatchesScatterDefinition) {
  // PyTorch definition: out[i·s − pad + ky][j·s − pad + kx] += x[i][j] · K[ky][kx].
  // The hardware correlation uses the kernel flipped in both axes.
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(-128, 127);
  const int cin = 3, cout = 2, h = 3, w = 4;
  Tensor in(cin, h, w);
  for (int64_t& v : in.v) v = byte(rng);
  std::vector<int64_t> torch_kernel(static_cast<size_t>(cin) * cout * 9);  // (in, out, 3, 3)
  for (int64_t& v : torch_kernel) v = byte(rng);
  std::vector<int64_t> flipped(torch_kernel.size());  // (out, in, 3, 3), flipped
  for (int ci = 0; ci < cin; ++ci) {
    for (int o = 0; o < cout; ++o) {
      for (int ky = 0; ky < 3; ++ky) {
        for (int kx = 0; kx < 3; ++kx) {
          flipped[((static_cast<size_t>(o) * cin + ci) * 3 + (2 - ky)) * 3 + (2 - kx)] =
              torch_kernel[((static_cast<size_t>(ci) * cout + o) * 3 + ky) * 3 + kx];
        }
      }
    }
  }
  Tensor expected(cout, 2 * h, 2 * w);  // (h-1)·2 - 2 + 2 + 1 + 1 = 2h
  for (int ci = 0; ci < cin; ++ci) {
    for (int i = 0; i < h; ++i) {
      for (int j = 0; j < w; ++j) {
        for (int o = 0; o < cout; ++o) {
          for (int ky = 0; ky < 3; ++ky) {
            for (int kx = 0; kx < 3; ++kx) {
              const int y = i * 2 - 1 + ky;
              const int x = j * 2 - 1 + kx;
              if (y < 0 || x < 0 || y >= 2 * h || x >= 2 * w) continue;
              expected.at(o, y, x) +=
                  in.at(ci, i, j) * torch_kernel[((static_cast<size_t>(ci) * cout + o) * 3 + ky) * 3 + kx];
            }
          }
        }
      }
    }
  }
  const ConvTransposeParams p{.in_channels = cin, .out_channels = cout};
  EXPECT_EQ(conv_transpose2d(in, p, flipped, {}), expected);
}

TEST(ConvTranspose2d, HandComputedCorner) {
  // 1×1 input x, kernel (flipped) K: the 2×2 output (pad 1, output_pad 1) sees
  // x at the centre tap for (0,0), and K[1][0], K[0][1], K[0][0] elsewhere.
  const Tensor in = make(1, 1, 1, {2});
  const std::vector<int64_t> k{1, 2, 3, 4, 5, 6, 7, 8, 9};
  const ConvTransposeParams p{.in_channels = 1, .out_channels = 1};
  // Zero-inserted 1×1, padded by 1 before and 2 after: x sits at (1,1) of 4×4.
  EXPECT_EQ(conv_transpose2d(in, p, k, {}).v, (std::vector<int64_t>{10, 8, 4, 2}));
}

TEST(Linear, FlattensInCHWOrder) {
  const Tensor in = make(2, 1, 2, {1, 2, 3, 4});
  const std::vector<int64_t> w{1, 10, 100, 1000, -1, 0, 0, 0};
  const Tensor out = linear(in, 2, w, std::vector<int64_t>{0, 1});
  EXPECT_EQ(out.c, 2);
  EXPECT_EQ(out.h, 1);
  EXPECT_EQ(out.v, (std::vector<int64_t>{4321, -1 + 128}));
}

TEST(Bypass, AllOnesKernel) {
  const std::vector<int64_t> w = bypass_weights(2, 3, {1, 1});
  EXPECT_EQ(w, (std::vector<int64_t>(6, 1)));
  // Depthwise 1×1 bypass is the identity.
  const Tensor in = make(3, 1, 1, {5, -6, 7});
  const ConvParams p{.in_channels = 3, .out_channels = 3, .groups = 3};
  EXPECT_EQ(conv2d(in, p, bypass_weights(3, 1, {1, 1}), {}).v, in.v);
}

}  // namespace
}  // namespace ai8x::core
