#include "check/dump_hdf5.hpp"

#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "core/error.hpp"

namespace ai8x {

namespace {

// Keeps HDF5 from printing its error stack; the library reports by throwing.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// An owned HDF5 identifier.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer close, const std::string& file, const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) throw Error({.file = file, .key = what}, "HDF5 cannot create " + what);
  }
  ~Handle() { close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  [[nodiscard]] hid_t get() const { return id_; }

 private:
  hid_t id_;
  Closer close_;
};

void check(herr_t status, const std::string& file, const std::string& what) {
  if (status < 0) throw Error({.file = file, .key = what}, "HDF5 cannot write " + what);
}

void int_attribute(hid_t object, const char* name, int value, const std::string& file) {
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose, file, name);
  const Handle attr(H5Acreate2(object, name, H5T_STD_I32LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, file,
                    name);
  check(H5Awrite(attr.get(), H5T_NATIVE_INT, &value), file, name);
}

// Fixed-length, NUL-padded string (what h5py and h5dump show as plain text).
void string_attribute(hid_t object, const char* name, const std::string& value, const std::string& file) {
  const Handle type(H5Tcopy(H5T_C_S1), H5Tclose, file, name);
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Tset_size(type.get(), padded.size()), file, name);
  check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), file, name);
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose, file, name);
  const Handle attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose, file, name);
  check(H5Awrite(attr.get(), type.get(), padded.data()), file, name);
}

void tensor_dataset(hid_t group, const char* name, const Tensor& t, const std::string& file, const std::string& where) {
  if (t.v.empty()) return;
  const std::string what = where + "/" + name;
  if (t.c <= 0 || t.h <= 0 || t.w <= 0 || t.v.size() != static_cast<size_t>(t.c) * t.h * t.w) {
    throw Error({.file = file, .key = what}, "tensor shape does not match its data");
  }
  const std::array<hsize_t, 3> dims{static_cast<hsize_t>(t.c), static_cast<hsize_t>(t.h), static_cast<hsize_t>(t.w)};
  const Handle space(H5Screate_simple(3, dims.data(), nullptr), H5Sclose, file, what);
  const Handle set(H5Dcreate2(group, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose,
                   file, what);
  check(H5Dwrite(set.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.v.data()), file, what);
}

void write_layer(hid_t root, const Network& net, const DumpLayer& entry, const std::string& file) {
  const LayerSpec& spec = net.layers[static_cast<size_t>(entry.layer)];
  char name[32];
  std::snprintf(name, sizeof name, "layer_%02d", entry.layer);
  const Handle group(H5Gcreate2(root, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, file, name);
  tensor_dataset(group.get(), "input", entry.input, file, name);
  tensor_dataset(group.get(), "pooled", entry.pooled, file, name);
  tensor_dataset(group.get(), "output", entry.output, file, name);
  int_attribute(group.get(), "layer", entry.layer, file);
  string_attribute(group.get(), "name", spec.name, file);
  string_attribute(group.get(), "operator", to_string(spec.op), file);
  string_attribute(group.get(), "activation", to_string(spec.activation), file);
  int_attribute(group.get(), "output_shift", spec.output_shift, file);
  int_attribute(group.get(), "quantization", spec.quantization, file);
  int_attribute(group.get(), "output_width", spec.output_width, file);
}

}  // namespace

void write_hdf5_dump(const std::string& path, const Network& net, const std::vector<DumpLayer>& layers) {
  std::map<int, const DumpLayer*> last;  // by layer index; later entries win
  for (const DumpLayer& entry : layers) {
    if (entry.layer < 0 || static_cast<size_t>(entry.layer) >= net.layers.size()) {
      throw Error({.file = path, .layer = entry.layer}, "dump names a layer the network lacks");
    }
    last[entry.layer] = &entry;
  }
  const QuietHdf5 quiet;
  const Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, path, "file");
  string_attribute(file.get(), "device", net.device != nullptr ? net.device->name : "", path);
  string_attribute(file.get(), "config_file", net.config_file, path);
  for (const auto& [index, entry] : last) write_layer(file.get(), net, *entry, path);
}

}  // namespace ai8x
