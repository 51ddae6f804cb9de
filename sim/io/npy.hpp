#pragma once
// NumPy .npy reader/writer for the izer's sample inputs (conventions.md §3.1) and sample
// weights/bias (§4). Every element is converted to int64; floating-point files are accepted
// only when every value is integral.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ai8x::io {

struct NpyArray {
  std::string descr;           // as stored, e.g. "<i8", "|i1", ">i8", "<f4", "|b1"
  bool fortran_order = false;  // as stored; `data` is always in C (row-major) order
  std::vector<int64_t> shape;  // empty for a 0-d array (one element)
  std::vector<int64_t> data;   // element values converted to int64
  [[nodiscard]] size_t numel() const;
};

// Reads exactly one array; bytes after it are ignored (like np.load).
NpyArray read_npy(const std::string& path);

// Reads arrays stored back to back until EOF (the izer's sample weight/bias files). A 0-byte
// file gives an empty vector; anything that is not a complete array is an Error.
std::vector<NpyArray> read_npy_sequence(const std::string& path);

// read_npy_sequence on bytes already in memory; `name_for_errors` names the file in errors.
std::vector<NpyArray> parse_npy_sequence(const uint8_t* data, size_t size, const std::string& name_for_errors);

// Parses one array at the start of `data`. `consumed` (if given) receives the number of bytes
// the array occupies (header + data). Errors name `name_for_errors` as the file.
NpyArray parse_npy(const uint8_t* data, size_t size, const std::string& name_for_errors, size_t* consumed = nullptr);

// Writes a version 1.0, C-order array. `descr` is "<i8" or "|i1" (int8 values must fit).
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<int64_t>& data,
               std::string_view descr = "<i8");

}  // namespace ai8x::io
