#include "io/zip_archive.hpp"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/error.hpp"

namespace ai8x::io {

namespace {

// Deflate cannot expand by more than about 1032:1; anything beyond is a lie or a bomb.
constexpr uint64_t kMaxExpansion = 1100;

std::string zip_error_text(zip_error_t* error) {
  const char* text = zip_error_strerror(error);
  return text != nullptr ? text : "unknown libzip error";
}

}  // namespace

struct ZipArchive::Impl {
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  zip_t* archive = nullptr;
  ~Impl() {
    if (archive != nullptr) zip_discard(archive);
  }
};

ZipArchive::ZipArchive(std::shared_ptr<const std::vector<uint8_t>> bytes, std::string path)
    : impl_(std::make_unique<Impl>()), path_(std::move(path)) {
  impl_->bytes = std::move(bytes);
  const std::vector<uint8_t>& data = *impl_->bytes;

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(data.data(), data.size(), 0, &error);
  if (source == nullptr) {
    const std::string text = zip_error_text(&error);
    zip_error_fini(&error);
    throw Error({.file = path_}, "cannot open the zip archive: " + text);
  }
  // ZIP_CHECKCONS also compares every local header with the central directory.
  impl_->archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (impl_->archive == nullptr) {
    const int code = zip_error_code_zip(&error);
    const std::string text = zip_error_text(&error);
    zip_error_fini(&error);
    zip_source_free(source);
    const bool local_header = data.size() >= 4 && std::memcmp(data.data(), "PK\3\4", 4) == 0;
    if (code == ZIP_ER_NOZIP && local_header) {
      throw Error({.file = path_}, "truncated zip archive (no end of central directory record)");
    }
    if (code == ZIP_ER_INCONS || code == ZIP_ER_EOF || code == ZIP_ER_READ) {
      throw Error({.file = path_}, "truncated or corrupt zip archive: " + text);
    }
    throw Error({.file = path_}, "not a valid zip archive: " + text);
  }
  zip_error_fini(&error);

  const zip_int64_t count = zip_get_num_entries(impl_->archive, 0);
  if (count < 0) throw Error({.file = path_}, "cannot list the zip archive");
  names_.reserve(static_cast<size_t>(count));
  for (zip_int64_t i = 0; i < count; ++i) {
    const char* name = zip_get_name(impl_->archive, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    names_.emplace_back(name != nullptr ? name : "");
    index_.try_emplace(names_.back(), names_.size() - 1);
  }
}

ZipArchive::~ZipArchive() = default;
ZipArchive::ZipArchive(ZipArchive&&) noexcept = default;
ZipArchive& ZipArchive::operator=(ZipArchive&&) noexcept = default;

std::optional<size_t> ZipArchive::find(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

uint64_t ZipArchive::size(size_t index) const {
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(impl_->archive, index, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
    throw Error({.file = path_, .key = names_.at(index)}, "cannot read the zip entry's size");
  }
  return st.size;
}

std::vector<uint8_t> ZipArchive::read(size_t index, uint64_t max_bytes) const {
  const std::string& name = names_.at(index);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(impl_->archive, index, 0, &st) != 0 || (st.valid & ZIP_STAT_SIZE) == 0) {
    throw Error({.file = path_, .key = name}, "cannot read the zip entry's size");
  }
  const bool stored = (st.valid & ZIP_STAT_COMP_METHOD) != 0 && st.comp_method == ZIP_CM_STORE;
  uint64_t plausible = impl_->bytes->size();
  if (!stored && (st.valid & ZIP_STAT_COMP_SIZE) != 0) {
    plausible = std::min<uint64_t>(st.comp_size, plausible) * kMaxExpansion + 1024;
  }
  if (st.size > max_bytes || st.size > plausible) {
    throw Error({.file = path_, .key = name}, "zip entry size " + std::to_string(st.size) + " exceeds the limit");
  }

  zip_file_t* file = zip_fopen_index(impl_->archive, index, 0);
  if (file == nullptr) {
    throw Error({.file = path_, .key = name},
                "cannot open the zip entry: " + std::string(zip_strerror(impl_->archive)));
  }
  std::vector<uint8_t> out(static_cast<size_t>(st.size));
  uint64_t done = 0;
  std::string failure;
  while (done < st.size) {
    const zip_int64_t n = zip_fread(file, out.data() + done, st.size - done);
    if (n < 0) {
      failure = zip_file_strerror(file);
      break;
    }
    if (n == 0) {
      failure = "truncated zip entry";
      break;
    }
    done += static_cast<uint64_t>(n);
  }
  // One more read reaches the end of the entry, where libzip verifies the CRC.
  if (failure.empty()) {
    uint8_t probe = 0;
    const zip_int64_t extra = zip_fread(file, &probe, 1);
    if (extra < 0) failure = "corrupt zip entry: " + std::string(zip_file_strerror(file));
    if (extra > 0) failure = "zip entry is longer than its recorded size";
  }
  zip_fclose(file);
  if (!failure.empty()) throw Error({.file = path_, .key = name}, failure);
  return out;
}

}  // namespace ai8x::io
