// The fast engine on small hand-built networks. Expected values are computed
// by hand; the data-flow facts (operand order, pool/eltwise order, rounding
// scope, legacy-test operands, 32-bit layers feeding later layers) were
// confirmed by running the vendor izer on equivalent YAML networks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/conv.hpp"
#include "core/error.hpp"
#include "core/quantize.hpp"
#include "engine/engine.hpp"

namespace ai8x {
namespace {

Tensor make(int c, int h, int w, std::vector<int64_t> values) {
  Tensor t(c, h, w);
  EXPECT_EQ(values.size(), t.size());
  t.v = std::move(values);
  return t;
}

// A layer whose input and output are C×H×W, without pooling, 1×1 kernel.
LayerSpec layer(int index, Op op, int in_channels, int out_channels, Pair dims) {
  LayerSpec l;
  l.index = index;
  l.op = op;
  l.in_channels = in_channels;
  l.out_channels = out_channels;
  l.in_dim = dims;
  l.pooled_dim = dims;
  l.out_dim = dims;
  l.quantization = op == Op::Passthrough ? 0 : 8;
  return l;
}

Network network(Tensor input, std::vector<LayerSpec> layers) {
  Network net;
  net.input = std::move(input);
  for (const LayerSpec& l : layers) net.order.push_back(l.index);
  net.layers = std::move(layers);
  return net;
}

const Tensor& output(const EngineResult& r, int layer) {
  EXPECT_TRUE(r.layers.at(static_cast<size_t>(layer)).has_value());
  return r.layers.at(static_cast<size_t>(layer))->output;
}

TEST(Engine, ConvOutputIsShiftedRoundedAndActivated) {
  LayerSpec l = layer(0, Op::Conv2d, 1, 2, {1, 4});
  l.weights = {1, -1};
  l.weight_shape = {2, 1, 1, 1};
  l.output_shift = 0;  // acc / 128, ties toward +inf
  l.activation = Activation::ReLU;
  const EngineResult r = run_network(network(make(1, 1, 4, {64, 192, -64, -192}), {l}));
  // out0: 0.5 -> 1, 1.5 -> 2, -0.5 -> 0, -1.5 -> -1 -> ReLU 0; out1 is the negation.
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{1, 2, 0, 0, 0, 0, 1, 2}));
}

TEST(Engine, AbsSaturatesMinus128To127) {
  LayerSpec l = layer(0, Op::Conv2d, 1, 1, {1, 2});
  l.weights = {-1};
  l.output_shift = 7;  // ×1
  l.activation = Activation::Abs;
  const EngineResult r = run_network(network(make(1, 1, 2, {127, 5}), {l}));
  // -127 -> 127; -5 -> 5. Then -(-128) case: input 127 with weight -2 saturates to -128 -> 127.
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{127, 5}));
  l.weights = {-2};
  EXPECT_EQ(output(run_network(network(make(1, 1, 2, {127, 5}), {l})), 0).v, (std::vector<int64_t>{127, 10}));
}

TEST(Engine, LayersChainInExecutionOrder) {
  LayerSpec a = layer(0, Op::Conv2d, 1, 1, {1, 2});
  a.weights = {3};
  a.output_shift = 7;
  LayerSpec b = layer(1, Op::Conv2d, 1, 1, {1, 2});
  b.weights = {-2};
  b.output_shift = 7;
  b.bias = {1};  // +128
  const EngineResult r = run_network(network(make(1, 1, 2, {10, -20}), {a, b}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{30, -60}));
  EXPECT_EQ(output(r, 1).v, (std::vector<int64_t>{68, 127}));  // -60+128; 120+128 saturates
  EXPECT_EQ(r.layers[1]->input.v, output(r, 0).v);
}

TEST(Engine, InSequencesConcatenateChannelsInListOrder) {
  LayerSpec a = layer(0, Op::Conv2d, 1, 1, {1, 1});
  a.weights = {2};
  a.output_shift = 7;
  LayerSpec b = layer(1, Op::Conv2d, 2, 1, {1, 1});
  b.in_sequences = {0, -1};  // channel 0 = layer 0's output, channel 1 = the network input
  b.weights = {1, 10};
  b.output_shift = 7;
  const EngineResult r = run_network(network(make(1, 1, 1, {3}), {a, b}));
  EXPECT_EQ(r.layers[1]->input.v, (std::vector<int64_t>{6, 3}));
  EXPECT_EQ(output(r, 1).v, (std::vector<int64_t>{6 + 30}));
}

TEST(Engine, InSequencesOfALayerNotRunYetThrows) {
  LayerSpec a = layer(0, Op::Passthrough, 1, 1, {1, 1});
  a.in_sequences = {1};
  try {
    run_network(network(make(1, 1, 1, {3}), {a, layer(1, Op::Passthrough, 1, 1, {1, 1})}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().layer, 0);
    EXPECT_EQ(e.context().key, "in_sequences");
  }
}

TEST(Engine, EltwiseOperandsAreChannelBlocks) {
  LayerSpec l = layer(0, Op::Passthrough, 2, 2, {1, 1});
  l.eltwise = Eltwise::Sub;
  l.operands = 3;
  // Operand k = channels 2k, 2k+1: (1,2) - (10,20) - (100,-100).
  const EngineResult r = run_network(network(make(6, 1, 1, {1, 2, 10, 20, 100, -100}), {l}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{-109, 82}));
  EXPECT_EQ(r.layers[0]->input.c, 6);
  EXPECT_EQ(r.layers[0]->pooled.v, output(r, 0).v);
}

// pool_first: each operand is pooled, then added. Otherwise the saturated sum
// is pooled. Confirmed with the izer (avg pool after add differs from before).
TEST(Engine, EltwisePoolFirstOrPoolLast) {
  LayerSpec l = layer(0, Op::Passthrough, 1, 1, {2, 2});
  l.eltwise = Eltwise::Add;
  l.operands = 2;
  l.pool = PoolKind::Avg;
  l.pool_size = {2, 2};
  l.pool_stride = {2, 2};
  l.pooled_dim = {1, 1};
  l.out_dim = {1, 1};
  const Tensor in = make(2, 2, 2, {100, 100, 100, 100, 100, 100, -100, -100});
  EXPECT_EQ(output(run_network(network(in, {l})), 0).v, (std::vector<int64_t>{100}));
  l.pool_first = false;  // [127, 127, 0, 0] -> 63.5 -> 63
  EXPECT_EQ(output(run_network(network(in, {l})), 0).v, (std::vector<int64_t>{63}));
}

TEST(Engine, EltwiseFusedWithConvolution) {
  LayerSpec l = layer(0, Op::Conv2d, 1, 1, {1, 1});
  l.eltwise = Eltwise::Xor;
  l.operands = 2;
  l.weights = {1};
  l.output_shift = 7;
  // -1 ^ 1 = -2 (bytes 0xff ^ 0x01), then the 1×1 conv.
  EXPECT_EQ(output(run_network(network(make(2, 1, 1, {-1, 1}), {l})), 0).v, (std::vector<int64_t>{-2}));
}

// --legacy-test: element-wise layers after the first take interleaved columns
// as operands (izer-confirmed; the first layer still splits channels).
TEST(Engine, LegacyTestTakesInterleavedColumns) {
  LayerSpec a = layer(0, Op::Passthrough, 1, 1, {1, 4});
  LayerSpec b = layer(1, Op::Passthrough, 1, 1, {1, 2});
  b.eltwise = Eltwise::Sub;
  b.operands = 2;
  Network net = network(make(1, 1, 4, {10, 1, 20, 2}), {a, b});
  net.options.legacy_test = true;
  EXPECT_EQ(output(run_network(net), 1).v, (std::vector<int64_t>{9, 18}));
  // Without the switch the operands would be channel blocks, and 1 channel cannot be split.
  net.options.legacy_test = false;
  EXPECT_THROW(run_network(net), Error);
}

TEST(Engine, CropThenReinterpretAsInDim) {
  LayerSpec l = layer(0, Op::Passthrough, 1, 1, {2, 2});
  l.in_crop = {1, 1};  // 6 rows -> rows 1..4
  l.has_in_dim = true;
  l.in_dim = {2, 2};
  l.pooled_dim = {2, 2};
  l.out_dim = {2, 2};
  const Tensor in = make(1, 6, 1, {0, 1, 2, 3, 4, 5});
  const EngineResult r = run_network(network(in, {l}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(output(r, 0).h, 2);
  l.in_crop = {1, 0};  // Python rows[1:-0] keeps nothing: an error, as in the izer
  EXPECT_THROW(run_network(network(in, {l})), Error);
}

TEST(Engine, FlattenLinearWith32BitOutput) {
  LayerSpec l = layer(0, Op::Linear, 2, 1, {1, 2});
  l.flatten = true;
  l.out_dim = {1, 1};
  l.weights = {1, 2, 3, 4};  // over c·H·W + w = (a, b, c, d)
  l.weight_shape = {1, 4, 1, 1};
  l.bias = {-1};
  l.output_width = 32;
  l.output_shift = 3;  // ignored for 32-bit output
  const EngineResult r = run_network(network(make(2, 1, 2, {100, -100, 50, 127}), {l}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{100 - 200 + 150 + 508 - 128}));
}

// A 32-bit layer with an activation (allowed with a warning on non-final
// layers) clamps its raw accumulator like an 8-bit one; izer-confirmed.
TEST(Engine, ActivationOnA32BitLayerClampsTheAccumulator) {
  LayerSpec l = layer(0, Op::Conv2d, 1, 1, {1, 3});
  l.weights = {100};
  l.output_width = 32;
  l.activation = Activation::ReLU;
  EXPECT_EQ(output(run_network(network(make(1, 1, 3, {-1, 1, 2}), {l})), 0).v, (std::vector<int64_t>{0, 100, 127}));
}

TEST(Engine, ThirtyTwoBitOutputFeedsTheNextLayerUnclipped) {
  LayerSpec a = layer(0, Op::Conv2d, 1, 1, {1, 1});
  a.weights = {100};
  a.output_width = 32;
  LayerSpec b = layer(1, Op::Conv2d, 1, 1, {1, 1});
  b.weights = {1};
  b.output_shift = -1;  // 12700 / 256 = 49.6 -> 50
  EXPECT_EQ(output(run_network(network(make(1, 1, 1, {127}), {a, b})), 1).v, (std::vector<int64_t>{50}));
}

TEST(Engine, PassthroughPoolsWithoutShift) {
  LayerSpec l = layer(0, Op::Passthrough, 1, 1, {2, 4});
  l.pool = PoolKind::Max;
  l.pool_size = {2, 2};
  l.pool_stride = {2, 2};
  l.pooled_dim = {1, 2};
  l.out_dim = {1, 2};
  l.output_shift = 5;  // a passthrough never shifts
  const EngineResult r = run_network(network(make(1, 2, 4, {1, -5, 7, 2, -3, 4, -8, -9}), {l}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{4, 7}));
}

TEST(Engine, PoolStrideWithoutPoolingSubsamples) {
  LayerSpec l = layer(0, Op::Passthrough, 1, 1, {3, 3});
  l.pool_stride = {2, 2};
  l.pooled_dim = {2, 2};
  l.out_dim = {2, 2};
  const EngineResult r = run_network(network(make(1, 3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 9}), {l}));
  EXPECT_EQ(output(r, 0).v, (std::vector<int64_t>{1, 3, 7, 9}));
}

// --avg-pool-rounding rounds 2-D averages half away from zero; the Conv1d
// (1-D) pooling path always truncates. Both izer-confirmed.
TEST(Engine, AvgPoolRoundingAppliesTo2DPoolingOnly) {
  LayerSpec two_d = layer(0, Op::Passthrough, 1, 1, {2, 1});
  two_d.pool = PoolKind::Avg;
  two_d.pool_size = {2, 1};
  two_d.pool_stride = {2, 1};
  two_d.pooled_dim = {1, 1};
  two_d.out_dim = {1, 1};
  LayerSpec one_d = layer(0, Op::Conv1d, 1, 1, {2, 1});
  one_d.pool = PoolKind::Avg;
  one_d.pool_size = {2, 1};
  one_d.pool_stride = {2, 1};
  one_d.pooled_dim = {1, 1};
  one_d.out_dim = {1, 1};
  one_d.weights = {1};
  one_d.output_shift = 7;
  const Tensor in = make(1, 2, 1, {-2, -3});  // mean -2.5
  Network a = network(in, {two_d});
  Network b = network(in, {one_d});
  EXPECT_EQ(output(run_network(a), 0).v, (std::vector<int64_t>{-2}));
  EXPECT_EQ(output(run_network(b), 0).v, (std::vector<int64_t>{-2}));
  a.options.avg_pool_rounding = true;
  b.options.avg_pool_rounding = true;
  EXPECT_EQ(output(run_network(a), 0).v, (std::vector<int64_t>{-3}));
  EXPECT_EQ(output(run_network(b), 0).v, (std::vector<int64_t>{-2}));
}

TEST(Engine, Conv1dWithDilation) {
  LayerSpec l = layer(0, Op::Conv1d, 1, 1, {5, 1});
  l.kernel = {2, 1};
  l.dilation = {3, 1};
  l.out_dim = {2, 1};
  l.weights = {1, 1};
  l.output_shift = 7;
  EXPECT_EQ(output(run_network(network(make(1, 5, 1, {1, 2, 3, 4, 5}), {l})), 0).v, (std::vector<int64_t>{5, 7}));
}

TEST(Engine, ConvTranspose2dDoublesTheSize) {
  LayerSpec l = layer(0, Op::ConvTranspose2d, 1, 1, {1, 1});
  l.kernel = {3, 3};
  l.stride = {2, 2};
  l.pad = {1, 1};
  l.output_pad = 1;
  l.out_dim = {2, 2};
  l.weights = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  l.output_shift = 7;
  // Input at (1,1) of the padded 4×4: taps (1,1) (1,0) (0,1) (0,0).
  EXPECT_EQ(output(run_network(network(make(1, 1, 1, {2}), {l})), 0).v, (std::vector<int64_t>{10, 8, 4, 2}));
}

TEST(Engine, DepthwiseGroups) {
  LayerSpec l = layer(0, Op::Conv2d, 2, 2, {1, 1});
  l.groups = 2;
  l.weights = {3, -4};
  l.output_shift = 7;
  EXPECT_EQ(output(run_network(network(make(2, 1, 1, {5, 6}), {l})), 0).v, (std::vector<int64_t>{15, -24}));
}

// Kernel bypass (MAX78002): the izer models it as all-ones kernels, so a
// non-depthwise 1×1 bypass sums the input channels (izer-confirmed for 3×3).
TEST(Engine, BypassUsesAllOnesKernels) {
  LayerSpec l = layer(0, Op::Conv2d, 2, 3, {1, 1});
  l.bypass = true;
  l.quantization = 0;
  l.output_shift = 7;
  EXPECT_EQ(output(run_network(network(make(2, 1, 1, {5, 6}), {l})), 0).v, (std::vector<int64_t>{11, 11, 11}));
}

TEST(Engine, WeightsOutsideTheQuantizationRangeThrow) {
  LayerSpec l = layer(0, Op::Conv2d, 1, 1, {1, 1});
  l.quantization = 4;
  l.weights = {8};
  EXPECT_THROW(run_network(network(make(1, 1, 1, {1}), {l})), Error);
  l.weights = {-8};
  EXPECT_NO_THROW(run_network(network(make(1, 1, 1, {1}), {l})));
  l.quantization = -1;  // binary: ±1 only
  l.weights = {0};
  EXPECT_THROW(run_network(network(make(1, 1, 1, {1}), {l})), Error);
}

TEST(Engine, ShapeMismatchNamesTheLayer) {
  LayerSpec a = layer(0, Op::Passthrough, 1, 1, {1, 2});
  LayerSpec b = layer(1, Op::Passthrough, 1, 1, {1, 2});
  b.name = "second";
  b.out_dim = {1, 3};
  try {
    run_network(network(make(1, 1, 2, {1, 2}), {a, b}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().layer, 1);
    EXPECT_EQ(e.context().layer_name, "second");
  }
}

TEST(Engine, OnlyExecutedLayersHaveTracesAndTracesCanBeDropped) {
  LayerSpec a = layer(0, Op::Passthrough, 1, 1, {1, 1});
  LayerSpec b = layer(1, Op::Passthrough, 1, 1, {1, 1});
  Network net = network(make(1, 1, 1, {7}), {a, b});
  net.order = {1};  // e.g. --start-layer 1
  const EngineResult r = run_network(net, {.keep_traces = false});
  ASSERT_EQ(r.layers.size(), 2U);
  EXPECT_FALSE(r.layers[0].has_value());
  ASSERT_TRUE(r.layers[1].has_value());
  EXPECT_EQ(r.layers[1]->output.v, (std::vector<int64_t>{7}));
  EXPECT_EQ(r.layers[1]->input.size(), 0U);
  EXPECT_EQ(r.layers[1]->pooled.size(), 0U);
}

// ------------------------------------------------------ random networks

// A direct-formula reference of what a layer computes (arithmetic.md): the
// pooled input, the zero-padded correlation plus 128·bias, the output stage.
Tensor reference_pool(const Tensor& in, const LayerSpec& l) {
  if (l.pool == PoolKind::None) return in;
  const bool one_d = l.is_1d();
  const int oh = (in.h + l.pool_stride[0] - l.pool_size[0] - l.pool_dilation[0] + 1) / l.pool_stride[0];
  const int ow = one_d ? 1 : (in.w + l.pool_stride[1] - l.pool_size[1] - l.pool_dilation[1] + 1) / l.pool_stride[1];
  Tensor out(in.c, oh, ow);
  for (int c = 0; c < in.c; ++c) {
    for (int y = 0; y < oh; ++y) {
      for (int x = 0; x < ow; ++x) {
        int64_t sum = 0, count = 0, max = -1000;
        for (int ky = 0; ky < l.pool_size[0]; ++ky) {
          // 1-D max pooling ignores the dilation; a 1-D window is cut at the end.
          const int iy = y * l.pool_stride[0] + ky * (one_d && l.pool == PoolKind::Max ? 1 : l.pool_dilation[0]);
          if (iy >= in.h) break;
          for (int kx = 0; kx < (one_d ? 1 : l.pool_size[1]); ++kx) {
            const int64_t v = in.at(c, iy, x * l.pool_stride[1] + kx * l.pool_dilation[1]);
            sum += v;
            max = std::max(max, v);
            ++count;
          }
        }
        out.at(c, y, x) = l.pool == PoolKind::Max ? max : sum / count;  // C++ division truncates toward zero
      }
    }
  }
  return out;
}

Tensor reference_layer(const Tensor& input, const LayerSpec& l) {
  Tensor in = reference_pool(input, l);
  if (l.flatten) {
    in.c = in.c * in.h * in.w;
    in.h = in.w = 1;
  }
  Tensor out(l.out_channels, l.out_dim[0], l.out_dim[1]);
  const int kh = l.kernel[0];
  const int kw = l.is_1d() ? 1 : l.kernel[1];
  const int pad_w = l.is_1d() ? 0 : l.pad[1];
  for (int o = 0; o < l.out_channels; ++o) {
    for (int y = 0; y < out.h; ++y) {
      for (int x = 0; x < out.w; ++x) {
        int64_t acc = l.bias.empty() ? 0 : 128 * l.bias[static_cast<size_t>(o)];
        // (for flatten, in.c is C·H·W and the kernel 1×1)
        for (int ci = 0; ci < in.c; ++ci) {
          for (int ky = 0; ky < kh; ++ky) {
            for (int kx = 0; kx < kw; ++kx) {
              const int iy = y + ky * l.dilation[0] - l.pad[0];
              const int ix = x + kx - pad_w;
              if (iy < 0 || ix < 0 || iy >= in.h || ix >= in.w) continue;
              acc += l.weights[((static_cast<size_t>(o) * in.c + ci) * kh + ky) * kw + kx] * in.at(ci, iy, ix);
            }
          }
        }
        const core::Activation act = l.activation == Activation::ReLU  ? core::Activation::ReLU
                                     : l.activation == Activation::Abs ? core::Activation::Abs
                                                                       : core::Activation::None;
        out.at(o, y, x) = l.output_width == 32 ? core::output32(acc) : core::output8(acc, l.output_shift, act);
      }
    }
  }
  return out;
}

LayerSpec random_layer(std::mt19937& rng, int index, Op op, int in_channels, int out_channels, Pair in_dim,
                       Pair kernel) {
  LayerSpec l = layer(index, op, in_channels, out_channels, in_dim);
  l.kernel = kernel;
  std::uniform_int_distribution<int64_t> byte(-128, 127);
  l.weights.resize(static_cast<size_t>(out_channels) * in_channels * kernel[0] * kernel[1]);
  for (int64_t& w : l.weights) w = byte(rng);
  l.bias.resize(static_cast<size_t>(out_channels));
  for (int64_t& b : l.bias) b = byte(rng);
  l.output_shift = -3;
  return l;
}

// Every executed layer of `net` against the reference, with and without traces
// (the engine then also takes a layer's 8-bit output straight from the
// kernels' image) and with every kernel implementation.
void check_network(const Network& net) {
  std::vector<Tensor> expected(net.layers.size());
  Tensor data = net.input;
  for (const LayerSpec& l : net.layers) data = expected[static_cast<size_t>(l.index)] = reference_layer(data, l);
  for (const core::KernelIsa isa : {core::KernelIsa::Portable, core::KernelIsa::Avx2}) {
    if (!core::kernel_isa_supported(isa)) continue;
    const core::KernelIsa previous = core::set_kernel_isa(isa);
    for (const bool traces : {true, false}) {
      SCOPED_TRACE(std::string(isa == core::KernelIsa::Portable ? "portable" : "AVX2") +
                   (traces ? ", traces" : ", no traces"));
      const EngineResult r = run_network(net, {.keep_traces = traces});
      for (const LayerSpec& l : net.layers) EXPECT_EQ(output(r, l.index), expected[static_cast<size_t>(l.index)]);
    }
    core::set_kernel_isa(previous);
  }
}

TEST(Engine, RandomConv2dNetworkMatchesTheReference) {
  std::mt19937 rng(2024);
  Tensor input(3, 9, 10);
  std::uniform_int_distribution<int64_t> byte(-128, 127);
  for (int64_t& v : input.v) v = byte(rng);
  LayerSpec l0 = random_layer(rng, 0, Op::Conv2d, 3, 20, {9, 10}, {3, 3});
  l0.pad = {1, 1}, l0.activation = Activation::ReLU;
  LayerSpec l1 = random_layer(rng, 1, Op::Conv2d, 20, 33, {9, 10}, {3, 3});  // max pool 2 -> 4×5, pad 2 -> 6×7
  l1.pad = {2, 2}, l1.pool = PoolKind::Max, l1.pool_size = {2, 2}, l1.pool_stride = {2, 2};
  l1.pooled_dim = {4, 5}, l1.out_dim = {6, 7};
  LayerSpec l2 = random_layer(rng, 2, Op::Conv2d, 33, 17, {6, 7}, {3, 3});  // avg pool 2 -> 3×3, signed output
  l2.pad = {1, 1}, l2.pool = PoolKind::Avg, l2.pool_size = {2, 2}, l2.pool_stride = {2, 2};
  l2.pooled_dim = {3, 3}, l2.out_dim = {3, 3};
  LayerSpec l3 = random_layer(rng, 3, Op::Conv2d, 17, 40, {3, 3}, {1, 1});  // 1×1 on signed data
  l3.activation = Activation::Abs;
  LayerSpec l4 = random_layer(rng, 4, Op::Linear, 40, 10, {3, 3}, {3, 3});  // flatten: 360 inputs, 32-bit
  l4.kernel = {1, 1}, l4.flatten = true, l4.out_dim = {1, 1}, l4.output_width = 32;
  check_network(network(input, {l0, l1, l2, l3, l4}));
}

TEST(Engine, RandomConv1dNetworkMatchesTheReference) {
  std::mt19937 rng(7);
  Tensor input(12, 30, 1);
  std::uniform_int_distribution<int64_t> byte(-128, 127);
  for (int64_t& v : input.v) v = byte(rng);
  LayerSpec l0 = random_layer(rng, 0, Op::Conv1d, 12, 24, {30, 1}, {3, 1});
  l0.pad = {1, 0}, l0.activation = Activation::ReLU;
  LayerSpec l1 = random_layer(rng, 1, Op::Conv1d, 24, 16, {30, 1}, {3, 1});  // max pool 2 -> 15, dilated taps -> 11
  l1.dilation = {2, 1}, l1.pool = PoolKind::Max, l1.pool_size = {2, 1}, l1.pool_stride = {2, 1};
  l1.pooled_dim = {15, 1}, l1.out_dim = {11, 1}, l1.activation = Activation::ReLU;
  LayerSpec l2 = random_layer(rng, 2, Op::Conv1d, 16, 8, {11, 1}, {1, 1});  // dilated avg 3 -> 8, cut short at the end
  l2.pool = PoolKind::Avg, l2.pool_size = {3, 1}, l2.pool_dilation = {2, 1};
  l2.pooled_dim = {8, 1}, l2.out_dim = {8, 1};
  check_network(network(input, {l0, l1, l2}));
}

}  // namespace
}  // namespace ai8x
