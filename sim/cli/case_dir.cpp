#include "cli/case_dir.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/file_bytes.hpp"

namespace ai8x::cli {

std::vector<std::string> case_arguments(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path base(dir);
  const std::string file = (base / "case.json").string();
  const auto bytes = io::read_file_bytes(file, 64ULL << 20);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error({.file = file}, std::string("invalid JSON: ") + e.what());
  }
  auto text = [&](const char* key) -> std::string {
    if (!j.contains(key) || !j[key].is_string()) throw Error({.file = file, .key = key}, "missing or not a string");
    return j[key].get<std::string>();
  };
  auto optional_path = [&](const char* key) -> std::string {
    if (!j.contains(key) || j[key].is_null()) return {};
    if (!j[key].is_string()) throw Error({.file = file, .key = key}, "must be a path or null");
    return (base / j[key].get<std::string>()).string();
  };
  std::vector<std::string> args = {"--config",   (base / text("config")).string(),
                                   "--kat",      (base / text("sample")).string(),
                                   "--device",   text("device"),
                                   "--expected", (base / "expected.json").string()};
  if (auto p = optional_path("checkpoint"); !p.empty()) args.insert(args.end(), {"--checkpoint", p});
  if (auto p = optional_path("weights_npy"); !p.empty()) args.insert(args.end(), {"--sample-weights", p});
  if (auto p = optional_path("bias_npy"); !p.empty()) args.insert(args.end(), {"--sample-bias", p});
  if (j.contains("izer_args")) {
    if (!j["izer_args"].is_array()) throw Error({.file = file, .key = "izer_args"}, "must be a list of strings");
    const auto& a = j["izer_args"];
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) throw Error({.file = file, .key = "izer_args"}, "must be a list of strings");
      const std::string s = a[i].get<std::string>();
      // File and device selection come from the case itself.
      if (s == "--config-file" || s == "--checkpoint-file" || s == "--sample-input" || s == "--device" ||
          s == "--weight-input" || s == "--bias-input") {
        ++i;
        continue;
      }
      args.push_back(s);
    }
  }
  return args;
}

}  // namespace ai8x::cli
