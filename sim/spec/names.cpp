#include <algorithm>
#include <bit>

#include "spec/network.hpp"

namespace ai8x {

const char* to_string(Op op) {
  switch (op) {
    case Op::Conv2d: return "conv2d";
    case Op::Conv1d: return "conv1d";
    case Op::ConvTranspose2d: return "convtranspose2d";
    case Op::Linear: return "linear";
    case Op::Passthrough: return "passthrough";
  }
  return "?";
}

const char* to_string(Eltwise e) {
  switch (e) {
    case Eltwise::None: return "none";
    case Eltwise::Add: return "add";
    case Eltwise::Sub: return "sub";
    case Eltwise::Or: return "or";
    case Eltwise::Xor: return "xor";
  }
  return "?";
}

const char* to_string(PoolKind p) {
  switch (p) {
    case PoolKind::None: return "none";
    case PoolKind::Max: return "max";
    case PoolKind::Avg: return "avg";
  }
  return "?";
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::None: return "no";
    case Activation::ReLU: return "ReLU";
    case Activation::Abs: return "Abs";
  }
  return "?";
}

ChannelPlace place_channel(uint64_t map, int per_pass, int channel) {
  ChannelPlace place;
  place.pass = per_pass > 0 ? channel / per_pass : 0;
  int j = per_pass > 0 ? channel % per_pass : 0;
  for (int p = 0; p < 64; ++p) {
    if ((map >> p) & 1U) {
      if (j == 0) {
        place.processor = p;
        return place;
      }
      --j;
    }
  }
  place.processor = -1;  // the map has fewer bits than channels per pass
  return place;
}

Expansion expansion(int channels, int max_proc) {
  Expansion e;
  if (channels <= 0) return e;
  e.passes = (channels + max_proc - 1) / max_proc;
  e.per_pass = (channels + e.passes - 1) / e.passes;
  if (channels > max_proc) e.per_pass = std::min(max_proc, (e.per_pass + 3) / 4 * 4);
  return e;
}

}  // namespace ai8x
