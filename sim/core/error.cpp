#include "core/error.hpp"

namespace ai8x {

std::string Error::formatted() const {
  std::string out;
  if (!ctx_.file.empty()) out += ctx_.file + ": ";
  if (ctx_.layer) {
    out += "layer " + std::to_string(*ctx_.layer);
    if (!ctx_.layer_name.empty()) out += " (" + ctx_.layer_name + ")";
    out += ctx_.key.empty() ? ": " : ", ";
  }
  if (!ctx_.key.empty()) out += "key `" + ctx_.key + "`: ";
  out += message_;
  return out;
}

Error& Error::with_file(const std::string& file) {
  if (ctx_.file.empty()) ctx_.file = file;
  return *this;
}

Error& Error::with_layer(int layer, const std::string& name) {
  if (!ctx_.layer) {
    ctx_.layer = layer;
    ctx_.layer_name = name;
  }
  return *this;
}

Error& Error::with_key(const std::string& key) {
  if (ctx_.key.empty()) ctx_.key = key;
  return *this;
}

}  // namespace ai8x
