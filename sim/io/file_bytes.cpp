#include "io/file_bytes.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "core/error.hpp"

namespace ai8x::io {

std::vector<uint8_t> read_file_bytes(const std::string& path, uint64_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error({.file = path}, "file does not exist");
  if (!fs::is_regular_file(status)) throw Error({.file = path}, "not a regular file");
  const uint64_t size = fs::file_size(path, ec);
  if (ec) throw Error({.file = path}, "cannot determine the file size: " + ec.message());
  if (size > max_bytes) {
    throw Error({.file = path},
                "file is " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error({.file = path}, "cannot open the file for reading");
  std::vector<uint8_t> bytes(size);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    throw Error({.file = path}, "read error");
  }
  return bytes;
}

}  // namespace ai8x::io
