#include "register_map.hpp"

#include <array>

namespace ai8x {
namespace {

struct LayerRegisterRow {
  LayerRegister reg;
  std::string_view name;
  int index85;  // register index r on MAX78000 (-1: absent)
  int index87;  // ... on MAX78002
};

// hw-facts §3.2: index r of each per-layer register. The stream registers
// (Strm0, Strm1, Fbuf) are ordinary per-layer registers on MAX78000; on
// MAX78002 they have their own block (Device::stream_reg_offset, index = block).
constexpr std::array<LayerRegisterRow, kLayerRegisterCount> kLayerRegisters{{
    {LayerRegister::Nxtlyr, "NXTLYR", -1, 0},
    {LayerRegister::Rcnt, "RCNT", 0, 1},
    {LayerRegister::Ccnt, "CCNT", 1, 2},
    {LayerRegister::Oned, "ONED", 2, 3},
    {LayerRegister::Prcnt, "PRCNT", 3, 4},
    {LayerRegister::Pccnt, "PCCNT", 4, 5},
    {LayerRegister::Stride, "STRIDE", 5, 6},
    {LayerRegister::WptrBase, "WPTR_BASE", 6, 7},
    {LayerRegister::WptrToff, "WPTR_TOFF", 7, 8},
    {LayerRegister::WptrMoff, "WPTR_MOFF", 8, 9},
    {LayerRegister::WptrChoff, "WPTR_CHOFF", 9, 10},
    {LayerRegister::RptrBase, "RPTR_BASE", 10, 11},
    {LayerRegister::Lctrl0, "LCTRL0", 11, 12},
    {LayerRegister::Lctrl1, "LCTRL1", 20, 13},
    {LayerRegister::Mcnt, "MCNT", 12, -1},
    {LayerRegister::Mcnt1, "MCNT1", -1, 14},
    {LayerRegister::Mcnt2, "MCNT2", -1, 15},
    {LayerRegister::Ochan, "OCHAN", -1, 16},
    {LayerRegister::Tptr, "TPTR", 13, 17},
    {LayerRegister::Ena, "ENA", 14, 18},
    {LayerRegister::Post, "POST", 15, 19},
    {LayerRegister::Strm0, "STRM0", 16, 0},
    {LayerRegister::Strm1, "STRM1", 17, 1},
    {LayerRegister::Fbuf, "FBUF", 18, 2},
}};

bool is_stream(const Device& d, LayerRegister r) {
  return d.stream_reg_gap != 0 && (r == LayerRegister::Strm0 || r == LayerRegister::Strm1 || r == LayerRegister::Fbuf);
}

int index_of(const Device& d, LayerRegister r) {
  const auto& row = kLayerRegisters[static_cast<size_t>(r)];
  return d.izer_number == 87 ? row.index87 : row.index85;
}

}  // namespace

std::string_view register_name(GlobalRegister r) {
  constexpr std::array<std::string_view, 6> kNames{"CTRL", "SRAM", "LCNT_MAX", "TEST", "IFRM", "MLAT"};
  return kNames[static_cast<size_t>(r)];
}

std::string_view register_name(LayerRegister r) {
  return kLayerRegisters[static_cast<size_t>(r)].name;
}

RegisterMap::RegisterMap(const Device& device) : device_(&device) {}

bool RegisterMap::has(LayerRegister r) const {
  return index_of(*device_, r) >= 0;
}

uint32_t RegisterMap::quadrant_base(int quadrant) const {
  return device_->ctl_base + static_cast<uint32_t>(quadrant) * device_->ctl_stride;
}

uint32_t RegisterMap::address(int quadrant, GlobalRegister r) const {
  const uint32_t q = quadrant_base(quadrant);
  switch (r) {
    case GlobalRegister::Ctrl: return q;
    case GlobalRegister::Sram: return q + 4;
    case GlobalRegister::LcntMax: return q + 8;
    case GlobalRegister::Test: return q + 12;
    case GlobalRegister::Ifrm: return q + device_->ifrm_offset;
    case GlobalRegister::Mlat: return q + device_->mlat_offset;
  }
  return q;
}

uint32_t RegisterMap::address(int quadrant, int layer, LayerRegister r) const {
  const Device& d = *device_;
  const auto l = static_cast<uint32_t>(layer);
  const auto index = static_cast<uint32_t>(index_of(d, r));
  if (is_stream(d, r)) return quadrant_base(quadrant) + d.stream_reg_offset + index * d.stream_reg_gap + 4 * l;
  return quadrant_base(quadrant) + d.layer_reg_offset + index * d.layer_reg_stride + l * d.layer_stride;
}

uint32_t RegisterMap::bias_address(int quadrant, int entry) const {
  return quadrant_base(quadrant) + device_->bias_offset + 4 * static_cast<uint32_t>(entry);
}

uint32_t RegisterMap::tram_address(int quadrant, int processor, int entry) const {
  return quadrant_base(quadrant) + device_->tram_offset +
         static_cast<uint32_t>(processor) * device_->tram_processor_stride + 4 * static_cast<uint32_t>(entry);
}

uint32_t RegisterMap::kernel_address(int quadrant, int processor, int word) const {
  return quadrant_base(quadrant) + device_->kernel_offset +
         static_cast<uint32_t>(processor) * device_->kernel_processor_stride + 16 * static_cast<uint32_t>(word);
}

uint32_t RegisterMap::data_address(int quadrant, int instance, uint32_t byte_offset) const {
  return device_->sram_base + static_cast<uint32_t>(quadrant) * device_->quadrant_stride +
         static_cast<uint32_t>(instance) * device_->instance_stride + byte_offset;
}

std::optional<AddressTarget> RegisterMap::decode(uint32_t address) const {
  const Device& d = *device_;
  using Kind = AddressTarget::Kind;
  if (address >= 0x50000000 && address < 0x50000018) {
    if (address < 0x50000008) return AddressTarget{.kind = Kind::FifoCtrl, .index = (address - 0x50000000) / 4};
    return AddressTarget{.kind = Kind::FifoWrite, .index = (address - 0x50000008) / 4};
  }
  if (address == always_on_address()) return AddressTarget{.kind = Kind::AlwaysOn};
  if (address >= fast_fifo_base() && address < fast_fifo_base() + 0x18) {
    return AddressTarget{.kind = Kind::FastFifo, .index = address - fast_fifo_base()};
  }
  // Data memories.
  for (int q = 0; q < d.quadrants; ++q) {
    const uint32_t base = data_address(q, 0, 0);
    if (address < base) continue;
    const uint32_t off = address - base;
    const uint32_t instance = off / d.instance_stride;
    const uint32_t inside = off % d.instance_stride;
    if (instance < static_cast<uint32_t>(d.processors_per_quadrant / d.processors_per_memory) &&
        inside < d.data_memory_bytes) {
      return AddressTarget{
          .kind = Kind::Data, .quadrant = q, .processor = static_cast<int>(instance) * 4, .index = inside};
    }
  }
  // Control blocks.
  for (int q = 0; q < d.quadrants; ++q) {
    const uint32_t base = quadrant_base(q);
    if (address < base || address - base >= d.ctl_stride) continue;
    const uint32_t off = address - base;
    AddressTarget t{.quadrant = q};
    if (off < 16) {
      t.kind = Kind::Global;
      t.global = static_cast<GlobalRegister>(off / 4);
      return t;
    }
    if (off == d.ifrm_offset) return AddressTarget{.kind = Kind::Global, .quadrant = q, .global = GlobalRegister::Ifrm};
    if (off == d.mlat_offset) return AddressTarget{.kind = Kind::Global, .quadrant = q, .global = GlobalRegister::Mlat};
    const uint32_t ppq = static_cast<uint32_t>(d.processors_per_quadrant);
    if (off >= d.kernel_offset && off < d.kernel_offset + ppq * d.kernel_processor_stride) {
      const uint32_t rel = off - d.kernel_offset;
      t.kind = Kind::Kernel;
      t.processor = static_cast<int>(rel / d.kernel_processor_stride);
      t.index = (rel % d.kernel_processor_stride) / 16;
      t.byte = rel % 16;
      if (t.index >= d.kernel_words(q * d.processors_per_quadrant + t.processor)) return std::nullopt;
      return t;
    }
    if (off >= d.tram_offset && off < d.tram_offset + ppq * d.tram_processor_stride) {
      const uint32_t rel = off - d.tram_offset;
      t.kind = Kind::Tram;
      t.processor = static_cast<int>(rel / d.tram_processor_stride);
      t.index = (rel % d.tram_processor_stride) / 4;
      if (t.index >= d.tram_entries_per_processor || rel % 4 != 0) return std::nullopt;
      return t;
    }
    if (off >= d.bias_offset && off < d.bias_offset + 4 * d.bias_entries_per_quadrant) {
      if (off % 4 != 0) return std::nullopt;
      return AddressTarget{.kind = Kind::Bias, .quadrant = q, .index = (off - d.bias_offset) / 4};
    }
    if (d.stream_reg_gap != 0 && off >= d.stream_reg_offset && off < d.stream_reg_offset + 3 * d.stream_reg_gap &&
        off % 4 == 0) {
      const uint32_t rel = off - d.stream_reg_offset;
      const uint32_t s = (rel % d.stream_reg_gap) / 4;
      if (s >= static_cast<uint32_t>(kStreamLayers)) return std::nullopt;
      constexpr std::array<LayerRegister, 3> kStream{LayerRegister::Strm0, LayerRegister::Strm1, LayerRegister::Fbuf};
      return AddressTarget{
          .kind = Kind::Layer, .quadrant = q, .layer = static_cast<int>(s), .reg = kStream[rel / d.stream_reg_gap]};
    }
    if (off >= d.layer_reg_offset && off % 4 == 0) {
      const uint32_t rel = off - d.layer_reg_offset;
      const uint32_t r = rel / d.layer_reg_stride;
      const uint32_t l = (rel % d.layer_reg_stride) / d.layer_stride;
      const uint32_t index = d.layer_reg_stride > d.layer_stride ? r : (rel % d.layer_stride) / d.layer_reg_stride;
      const uint32_t layer = d.layer_reg_stride > d.layer_stride ? l : rel / d.layer_stride;
      for (const auto& row : kLayerRegisters) {
        if (layer >= static_cast<uint32_t>(d.max_layers)) break;
        if (is_stream(d, row.reg) || index_of(d, row.reg) != static_cast<int>(index)) continue;
        return AddressTarget{.kind = Kind::Layer, .quadrant = q, .layer = static_cast<int>(layer), .reg = row.reg};
      }
    }
    // Registers this map does not name (MAX78002 snoop block, reserved slots
    // the generator zeroes with --write-zero-registers).
    if (off % 4 == 0 && off < d.kernel_offset)
      return AddressTarget{.kind = Kind::Reserved, .quadrant = q, .index = off};
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace ai8x
