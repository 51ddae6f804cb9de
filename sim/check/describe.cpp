#include "check/describe.hpp"

#include "compile/bias_map.hpp"
#include "compile/kernel_map.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace ai8x {

namespace {

std::string hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string hex4(uint32_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

// Bytes of one data memory instance a layer's input and output occupy
// (4 channels per word in HWC, 1 in CHW; passes and operands interleaved).
int64_t input_bytes(const LayerSpec& l) {
  return static_cast<int64_t>(l.in_dim[0]) * l.in_dim[1] * l.in_passes * l.operands * (l.chw_input ? 1 : 4);
}
int64_t output_bytes(const LayerSpec& l) {
  return static_cast<int64_t>(l.out_dim[0]) * l.out_dim[1] * l.out_passes * 4 * l.output_width / 8 * (l.write_gap + 1);
}

}  // namespace

int64_t layer_macs(const LayerSpec& l) {
  if (l.op == Op::Passthrough) return 0;
  const int64_t pixels = static_cast<int64_t>(l.out_dim[0]) * l.out_dim[1];
  const int64_t per_output = static_cast<int64_t>(l.in_channels / std::max(1, l.groups)) * l.kernel[0] * l.kernel[1] *
                             (l.flatten ? static_cast<int64_t>(l.pooled_dim[0]) * l.pooled_dim[1] : 1);
  return pixels * l.out_channels * per_output;
}

std::string quadrant_list(uint64_t map) {
  std::string s = "[";
  for (int q = 0; q < 4; ++q) {
    if (((map >> (16 * q)) & 0xFFFF) != 0) s += (s.size() > 1 ? ", " : "") + std::to_string(q);
  }
  return s + "]";
}

nlohmann::json describe_json(const Network& net) {
  const compile::CompileOptions copt = compile::compile_options(net);
  const compile::KernelMap kernels = compile::place_kernels(net, copt);
  const compile::BiasMap biases = compile::place_biases(net, copt);
  nlohmann::json j;
  j["device"] = net.device->name;
  j["config"] = net.config_file;
  j["weights"] = net.weights_file;
  j["sample"] = net.sample_file;
  j["arch"] = net.arch;
  j["dataset"] = net.dataset;
  j["input"] = {net.input.c, net.input.h, net.input.w};
  j["start_layer"] = net.start_layer;
  j["final_layer"] = net.final_layer;
  j["order"] = net.order;
  j["warnings"] = net.warnings;
  nlohmann::json layers = nlohmann::json::array();
  for (int idx : net.order) {
    const LayerSpec& l = net.layers[static_cast<size_t>(idx)];
    nlohmann::json e;
    e["index"] = l.index;
    e["name"] = l.name;
    e["operator"] = to_string(l.op);
    e["eltwise"] = to_string(l.eltwise);
    e["operands"] = l.operands;
    e["pool_first"] = l.pool_first;
    e["activation"] = to_string(l.activation);
    e["in_channels"] = l.in_channels;
    e["out_channels"] = l.out_channels;
    e["in_dim"] = l.in_dim;
    e["pool"] = to_string(l.pool);
    e["pool_size"] = l.pool_size;
    e["pool_stride"] = l.pool_stride;
    e["pool_dilation"] = l.pool_dilation;
    e["pooled_dim"] = l.pooled_dim;
    e["out_dim"] = l.out_dim;
    e["kernel"] = l.kernel;
    e["pad"] = l.pad;
    e["stride"] = l.stride;
    e["dilation"] = l.dilation;
    e["groups"] = l.groups;
    e["flatten"] = l.flatten;
    e["quantization"] = l.quantization;
    e["output_shift"] = l.output_shift;
    e["output_width"] = l.output_width;
    e["bias"] = !l.bias.empty();
    e["processors"] = hex16(l.processors);
    e["output_processors"] = hex16(l.output_processors);
    e["quadrants"] = quadrant_list(l.processors);
    e["in_offset"] = hex4(l.in_offset);
    e["out_offset"] = hex4(l.out_offset);
    e["in_passes"] = l.in_passes;
    e["in_per_pass"] = l.in_per_pass;
    e["out_passes"] = l.out_passes;
    e["out_per_pass"] = l.out_per_pass;
    e["write_gap"] = l.write_gap;
    e["streaming"] = l.streaming;
    e["data_format"] = l.chw_input ? "CHW" : "HWC";
    e["in_sequences"] = l.in_sequences;
    e["next_sequence"] = l.next_sequence;
    e["output"] = l.output;
    e["bypass"] = l.bypass;
    e["weight_shape"] = l.weight_shape;
    e["macs"] = layer_macs(l);
    const auto& k = kernels.layers[static_cast<size_t>(idx)];
    e["kernel_offset"] = k.column;
    e["kernel_length"] = k.length;
    e["kernel_count"] = k.count;
    e["kernel_shared_with"] = k.shared_with;
    const auto& b = biases.layers[static_cast<size_t>(idx)];
    e["bias_quadrant"] = compile::quadrant_text(b);
    e["bias_offsets"] = compile::offsets_text(b);
    e["data_memory_bytes"] = {
        {"input", input_bytes(l)}, {"output", output_bytes(l)}, {"instance", net.device->data_memory_bytes}};
    layers.push_back(std::move(e));
  }
  j["layers"] = std::move(layers);
  nlohmann::json kernel_words = nlohmann::json::array();
  for (const int words : kernels.words_used) kernel_words.push_back(words);
  nlohmann::json bias_bytes = nlohmann::json::array();
  for (const auto& q : biases.memory) bias_bytes.push_back(q.size());
  j["resources"] = {{"kernel_words_per_processor", kernel_words},
                    {"kernel_words_capacity", {net.device->kernel_words_small, net.device->kernel_words_large}},
                    {"bias_bytes_per_quadrant", bias_bytes},
                    {"bias_bytes_capacity", net.device->bias_entries_per_quadrant}};
  return j;
}

std::string describe_table(const Network& net) {
  std::ostringstream os;
  os << net.device->name << " network `" << net.arch << "` (" << net.config_file << ")\n";
  os << "input " << net.input.c << "x" << net.input.h << "x" << net.input.w << " from " << net.sample_file
     << "; weights from " << net.weights_file << "\n\n";
  char line[512];
  std::snprintf(line, sizeof line,
                "%-4s %-16s %-7s %-9s %-11s %-8s %-11s %-5s %-5s %-9s %-6s %-5s %-18s %-18s %-6s %-6s\n", "L",
                "operator", "act", "in ch", "in dim", "pool", "out dim", "kern", "pad", "out ch", "bits", "shift",
                "processors", "output procs", "in", "out");
  os << line;
  for (int idx : net.order) {
    const LayerSpec& l = net.layers[static_cast<size_t>(idx)];
    std::string op = to_string(l.op);
    if (l.eltwise != Eltwise::None) op += "+" + std::string(to_string(l.eltwise)) + "x" + std::to_string(l.operands);
    if (l.flatten) op += "+flat";
    std::string pool = l.pool == PoolKind::None
                           ? "-"
                           : std::string(l.pool == PoolKind::Max ? "max" : "avg") + std::to_string(l.pool_size[0]) +
                                 "x" + std::to_string(l.pool_size[1]) + "/" + std::to_string(l.pool_stride[0]);
    std::string in_ch =
        std::to_string(l.in_channels) + (l.in_passes > 1 ? "/" + std::to_string(l.in_passes) + "p" : "");
    std::string out_ch =
        std::to_string(l.out_channels) + (l.out_passes > 1 ? "/" + std::to_string(l.out_passes) + "p" : "");
    std::string bits = l.quantization == -1 ? "bin" : std::to_string(l.quantization);
    bits += l.bias.empty() ? "" : "+b";
    std::snprintf(
        line, sizeof line, "%-4d %-16s %-7s %-9s %-11s %-8s %-11s %-5s %-5s %-9s %-6s %-5d %-18s %-18s %-6s %-6s\n",
        l.index, op.c_str(), to_string(l.activation), in_ch.c_str(),
        (std::to_string(l.in_dim[0]) + "x" + std::to_string(l.in_dim[1])).c_str(), pool.c_str(),
        (std::to_string(l.out_dim[0]) + "x" + std::to_string(l.out_dim[1]) + (l.output_width == 32 ? "@32" : ""))
            .c_str(),
        (std::to_string(l.kernel[0]) + "x" + std::to_string(l.kernel[1])).c_str(),
        (std::to_string(l.pad[0]) + "," + std::to_string(l.pad[1])).c_str(), out_ch.c_str(), bits.c_str(),
        l.output_shift, hex16(l.processors).c_str(), hex16(l.output_processors).c_str(), hex4(l.in_offset).c_str(),
        hex4(l.out_offset).c_str());
    os << line;
  }
  int64_t macs = 0;
  for (int idx : net.order) macs += layer_macs(net.layers[static_cast<size_t>(idx)]);
  os << "\n" << macs << " multiply-accumulates\n";
  const compile::CompileOptions copt = compile::compile_options(net);
  const compile::KernelMap kernels = compile::place_kernels(net, copt);
  const compile::BiasMap biases = compile::place_biases(net, copt);
  os << "\nkernels and bias (72-bit kernel words; bias entries):\n";
  for (int idx : net.order) {
    const auto& k = kernels.layers[static_cast<size_t>(idx)];
    const auto& b = biases.layers[static_cast<size_t>(idx)];
    os << "  L" << idx << ": ";
    if (k.has_kernels) {
      os << k.count << " kernels in " << k.length << " words from column " << k.column;
      if (k.shared_with >= 0) os << " (shared with layer " << k.shared_with << ")";
    } else {
      os << "no kernels";
    }
    os << "; bias "
       << (b.where == compile::BiasPlacement::Where::None
               ? std::string("none")
               : "quadrant " + compile::quadrant_text(b) + " at " + compile::offsets_text(b))
       << "\n";
  }
  int most = 0;
  for (size_t p = 0; p < kernels.words_used.size(); ++p) {
    if (kernels.words_used[p] > kernels.words_used[static_cast<size_t>(most)]) most = static_cast<int>(p);
  }
  os << "kernel memory: fullest processor " << most << " uses " << kernels.words_used[static_cast<size_t>(most)]
     << " of " << net.device->kernel_words(most) << " words\n";
  os << "bias memory per quadrant:";
  for (const auto& q : biases.memory) os << " " << q.size();
  os << " of " << net.device->bias_entries_per_quadrant << " bytes\n";
  os << "\ndata memory per instance (" << net.device->data_memory_bytes << " bytes):\n";
  for (int idx : net.order) {
    const LayerSpec& l = net.layers[static_cast<size_t>(idx)];
    os << "  L" << l.index << ": input " << input_bytes(l) << " bytes at " << hex4(l.in_offset) << ", output "
       << output_bytes(l) << " bytes at " << hex4(l.out_offset) << "\n";
  }
  for (const auto& w : net.warnings) os << "warning: " << w << "\n";
  return os.str();
}

}  // namespace ai8x
