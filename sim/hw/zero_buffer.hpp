#pragma once
// A fixed-size array that starts as zeros without touching its pages: the
// memories of both devices are large (MAX78002: 6 MB of kernel memory, TRAM
// and data memory) but a trace writes only a small part of them. Large
// buffers are anonymous mappings (zero pages on first touch), so creating
// and clearing them costs no page faults; small ones use calloc.
#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace ai8x::hw {

template <typename T>
class ZeroBuffer {
 public:
  explicit ZeroBuffer(size_t n) : n_(n) { allocate(); }
  ~ZeroBuffer() { release(); }
  ZeroBuffer(const ZeroBuffer&) = delete;
  ZeroBuffer& operator=(const ZeroBuffer&) = delete;
  ZeroBuffer(ZeroBuffer&& o) noexcept : p_(o.p_), n_(o.n_), mapped_(o.mapped_) {
    o.p_ = nullptr;
    o.n_ = 0;
  }
  ZeroBuffer& operator=(ZeroBuffer&&) = delete;

  [[nodiscard]] size_t size() const { return n_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  [[nodiscard]] const T* data() const { return p_; }
  T* data() { return p_; }
  void clear() {
    release();
    allocate();
  }

 private:
  static constexpr size_t kMapBytes = 4096;

  [[nodiscard]] size_t bytes() const { return (n_ == 0 ? 1 : n_) * sizeof(T); }
  void allocate() {
    mapped_ = bytes() >= kMapBytes;
    if (mapped_) {
      void* p = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      p_ = static_cast<T*>(p);
      return;
    }
    p_ = static_cast<T*>(std::calloc(n_ == 0 ? 1 : n_, sizeof(T)));
    if (p_ == nullptr) throw std::bad_alloc();
  }
  void release() {
    if (p_ == nullptr) return;
    if (mapped_) {
      munmap(p_, bytes());
    } else {
      std::free(p_);
    }
    p_ = nullptr;
  }

  T* p_ = nullptr;
  size_t n_ = 0;
  bool mapped_ = false;
};

}  // namespace ai8x::hw
