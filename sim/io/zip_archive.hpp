#pragma once
// Read-only access to a zip archive held in memory (libzip). Used for PyTorch >= 1.6
// checkpoints (conventions.md §2.1); sizes come from the central directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ai8x::io {

class ZipArchive {
 public:
  // Opens the archive in `bytes`; `path` only names the file in errors. Throws ai8x::Error
  // ("truncated zip archive", "not a valid zip archive: ...").
  ZipArchive(std::shared_ptr<const std::vector<uint8_t>> bytes, std::string path);
  ~ZipArchive();
  ZipArchive(ZipArchive&&) noexcept;
  ZipArchive& operator=(ZipArchive&&) noexcept;
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // Entry names in central-directory order.
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] std::optional<size_t> find(const std::string& name) const;
  // Uncompressed size as recorded in the central directory.
  [[nodiscard]] uint64_t size(size_t index) const;
  // Reads a whole entry (CRC checked by libzip). Throws if the recorded size exceeds
  // `max_bytes` or what the archive can plausibly hold.
  [[nodiscard]] std::vector<uint8_t> read(size_t index, uint64_t max_bytes) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;  // first entry of each name: find() in O(1)
};

}  // namespace ai8x::io
