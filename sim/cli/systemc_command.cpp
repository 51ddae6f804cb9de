#include "cli/systemc_command.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>

#include "check/hazards.hpp"
#include "check/kat.hpp"
#include "cli/verdict.hpp"
#include "compile/options.hpp"
#include "compile/program.hpp"
#include "compile/program_switches.hpp"
#include "core/error.hpp"
#include "engine/engine.hpp"
#include "hw/replay.hpp"
#include "io/yaml_value.hpp"
#include "register_map.hpp"

namespace ai8x::cli {

compile::CompileOptions program_options(const Network& net, const std::string& config,
                                        const std::vector<std::string>& program_flags) {
  compile::CompileOptions copt = compile::compile_options(net);
  for (const std::string& f : program_flags) {
    const size_t space = f.find(' ');
    const std::string name = f.substr(0, space);
    const std::string value = space == std::string::npos ? std::string() : f.substr(space + 1);
    if (compile::program_switch_kind(name)) compile::apply_program_switch(copt.program, name, value);
  }
  try {
    compile::apply_program_yaml(copt, io::load_yaml_file(config), net.options.skip_yaml_layers);
  } catch (Error& e) {
    e.with_file(config);
    throw;
  }
  return copt;
}

namespace {

// Hardware layer number → YAML layer, from the layer register writes of the
// program (the generator can insert layers, e.g. MAX78002 pooling resets).
std::map<int, int> yaml_layers(const Network& net, const compile::ProgramListing& listing) {
  std::map<int, int> out;
  const RegisterMap map(*net.device);
  for (size_t i = 0; i < listing.trace.ops.size(); ++i) {
    const compile::ProgramNote& note = listing.notes[i];
    const io::BusOp& op = listing.trace.ops[i];
    if (note.layer < 0 || op.kind != io::BusOp::Kind::Write) continue;
    const auto t = map.decode(op.address);
    if (t && t->kind == AddressTarget::Kind::Layer) out[t->layer] = note.layer;
  }
  // Several hardware layers can serve one YAML layer (an inserted pooling
  // reset runs before it): its output is complete after the last of them.
  std::map<int, int> last;
  for (const auto& [hw, yaml] : out) last[yaml] = hw;
  for (auto it = out.begin(); it != out.end();) {
    it = last[it->second] == it->first ? std::next(it) : out.erase(it);
  }
  return out;
}

// Layers whose output goes to a streaming consumer live in a rolling buffer,
// not at the tensor's addresses.
bool streams_output(const Network& net, int layer) {
  for (size_t i = 0; i + 1 < net.order.size(); ++i) {
    if (net.order[i] == layer) return net.layers[static_cast<size_t>(net.order[i + 1])].streaming;
  }
  return false;
}

struct LayerCheck {
  int layer = -1;  // YAML layer
  size_t words = 0;
  size_t differing = 0;
  std::optional<PlacedWord> first;
  uint32_t first_got = 0;
};

// Bit-for-bit agreement with the fast engine, layer by layer. Returns the
// number of differing layers.
size_t report_layer_checks(const std::vector<LayerCheck>& checks) {
  size_t differing = 0;
  for (const LayerCheck& c : checks) {
    if (c.differing == 0) continue;
    ++differing;
    std::printf(
        "model differs from the fast engine: layer %d, %zu of %zu words; first at %s (row %d, column %d): "
        "fast %s, model %s\n",
        c.layer, c.differing, c.words, hex32(c.first->addr).c_str(), c.first->row, c.first->col,
        hex32(c.first->data & c.first->write_mask).c_str(), hex32(c.first_got & c.first->write_mask).c_str());
  }
  std::printf("model equals the fast engine on %zu of %zu checked layers\n", checks.size() - differing, checks.size());
  return differing;
}

// Prints every hazard of the run; returns how many are errors (not warnings).
size_t report_hazards(const Network& net, const io::Trace& program, const hw::AccessLog& layers) {
  hw::AccessLog log = host_input_writes(*net.device, program);  // written before the run
  log.insert(log.end(), layers.begin(), layers.end());
  size_t errors = 0;
  for (const Hazard& h : find_hazards(log, *net.device, hazard_options(net))) {
    std::printf("%s\n", format_hazard(h, *net.device).c_str());  // begins with "hazard:" or "warning:"
    if (!is_warning(h.kind)) ++errors;
  }
  return errors;
}

}  // namespace

int run_systemc(const Network& net, const SystemcArgs& a) {
  const Device& device = *net.device;
  const compile::CompileOptions copt = program_options(net, a.config, a.program_flags);
  const compile::ProgramListing listing = compile::compile_listing(net, copt);
  if (!a.emit_trace.empty()) {
    std::ofstream out(a.emit_trace, std::ios::binary);
    out << "# ai8xsim program of " << a.config << "\n" << io::format_trace(listing.trace);
    if (!out.flush()) throw Error({.file = a.emit_trace}, "cannot write the program trace");
  }
  const std::map<int, int> yaml_of = yaml_layers(net, listing);

  // The fast engine is the reference for every layer's output.
  const EngineResult fast = a.layer_check ? run_network(net, EngineOptions{.keep_traces = false}) : EngineResult{};
  std::vector<LayerCheck> checks;
  hw::ReplayOptions ro;
  ro.clock_mhz = a.clock_mhz;
  ro.access_log = a.layer_check;
  ro.file_for_errors = a.config;
  ro.vcd = a.vcd;
  if (a.layer_check)
    ro.after_layer = [&](const hw::LayerRecord& rec, const hw::MemoryPeek& read32) {
      const auto it = yaml_of.find(rec.layer);
      if (it == yaml_of.end()) return;
      const int l = it->second;
      if (l < 0 || static_cast<size_t>(l) >= fast.layers.size() || !fast.layers[static_cast<size_t>(l)]) return;
      if (streams_output(net, l)) return;
      LayerCheck c{.layer = l};
      for (const PlacedWord& w :
           place_layer_output(net, net.layers[static_cast<size_t>(l)], fast.layers[static_cast<size_t>(l)]->output)) {
        ++c.words;
        const uint32_t got = read32(w.addr);
        if ((got & w.write_mask) != (w.data & w.write_mask)) {
          if (c.differing++ == 0) {
            c.first = w;
            c.first_got = got;
          }
        }
      }
      checks.push_back(c);
    };
  const auto t0 = std::chrono::steady_clock::now();
  hw::ReplayResult r;
  hw::AccessLog partial;
  ro.log_before_error = &partial;
  try {
    r = hw::replay(device, listing.trace, ro);
  } catch (Error& e) {
    // An access beyond a memory stops the model: the hazard lines say where.
    if (!partial.empty()) report_hazards(net, listing.trace, partial);
    e.with_file(a.config);
    throw;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("%s: %s on the SystemC model, %zu bus operations, %zu layers, %llu cycles (%.1f us at %g MHz)\n",
              device.name.c_str(), net.arch.c_str(), r.ops, r.layers.size(),
              static_cast<unsigned long long>(r.total_cycles),
              1e6 * static_cast<double>(r.total_cycles) / (a.clock_mhz * 1e6), a.clock_mhz);
  std::printf("wall %.1f ms, %.3g simulated cycles/s\n", 1000 * wall,
              wall > 0 ? static_cast<double>(r.total_cycles) / wall : 0.0);
  if (a.layer_report) {
    for (const auto& l : r.layers) {
      std::printf("  L%-3d %10llu cycles%s  %s\n", l.layer, static_cast<unsigned long long>(l.cycles),
                  l.estimate ? "~" : " ", l.summary.c_str());
    }
  }

  size_t layers_differing = 0;
  size_t errors = report_model_warnings(r);
  for (const std::string& d : compile::generator_defects(net, copt, false)) {
    std::printf("warning: %s\n", d.c_str());
    ++errors;
  }
  if (a.layer_check) {
    layers_differing = report_layer_checks(checks);
    errors += report_hazards(net, listing.trace, r.access_log);
  } else {
    std::printf("layer check against the fast engine and hazard analysis skipped (--no-layer-check)\n");
  }

  int rc = layers_differing == 0 ? 0 : 1;
  if (a.strict && errors > 0) rc = 1;
  if (a.expected.empty()) {
    std::printf("KAT: no expected output (pass --expected sampleoutput.h or expected.json)\n");
    return rc;
  }
  const std::vector<KatBlock> blocks = read_known_answer(a.expected);
  const ModelMemory memory(r);
  const KatVerdict v = compare_kat(blocks, memory, {});
  return report_kat(v, a.expected, false) == 0 ? rc : 1;
}

}  // namespace ai8x::cli
