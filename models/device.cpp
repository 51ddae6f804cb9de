#include "device.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace ai8x {

const Device* find_device(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char ch) { return std::tolower(ch); });
  for (const Device* d : {&max78000(), &max78002()}) {
    std::string full = d->name;
    std::transform(full.begin(), full.end(), full.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (n == full || n == d->izer_name || n == std::to_string(d->izer_number)) return d;
  }
  return nullptr;
}

}  // namespace ai8x
