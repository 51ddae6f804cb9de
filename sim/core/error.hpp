#pragma once
// An input or configuration problem the user can act on. It carries where the
// problem is (file, layer, key) so the CLI can print one precise line and exit 2.
// The library throws it and never exits; see sim/cli/main.cpp.
#include <optional>
#include <stdexcept>
#include <string>

namespace ai8x {

struct ErrorContext {
  std::string file;          // path of the offending file, if any
  std::optional<int> layer;  // YAML layer index (sequence), if the error is layer specific
  std::string layer_name;    // the layer's `name:`, if it has one
  std::string key;           // YAML key, checkpoint key, npy field or byte offset
};

class Error : public std::runtime_error {
 public:
  Error(ErrorContext ctx, const std::string& message)
      : std::runtime_error(message), ctx_(std::move(ctx)), message_(message) {}
  explicit Error(const std::string& message) : Error(ErrorContext{}, message) {}

  [[nodiscard]] const ErrorContext& context() const { return ctx_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  // "file: layer 3 (name), key `pad`: message"
  [[nodiscard]] std::string formatted() const;

  // Adds missing context while the error travels up (the inner frame knows the
  // key, the outer one the file).
  Error& with_file(const std::string& file);
  Error& with_layer(int layer, const std::string& name = {});
  Error& with_key(const std::string& key);

 private:
  ErrorContext ctx_;
  std::string message_;
};

}  // namespace ai8x
