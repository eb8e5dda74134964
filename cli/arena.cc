#include "cli/arena.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AIO_NO_ARENA 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define AIO_NO_ARENA 1
#endif
#endif

#ifdef AIO_NO_ARENA

namespace aio::cli {
void arena_off() {}
size_t arena_used() {
  return 0;
}
}  // namespace aio::cli

#else

namespace {

// Untouched pages of .bss cost nothing: only what is handed out is mapped.
// 4 MiB holds what aio check or aio claim allocates with 1,000 instances
// (under 1 MiB) and a cache patch; a command that churns through more (aio
// status reading 100,000 notes) goes on with malloc, which reuses what it
// frees: every page first touched costs a fault (~1.5 us here).
constexpr size_t kArenaBytes = size_t{4} << 20;
alignas(64) char g_arena[kArenaBytes];
std::atomic<size_t> g_next{0};
std::atomic<bool> g_on{true};

void* arena_alloc(size_t n, size_t align) noexcept {
  // Offsets are aligned as the arena itself is: up to 64.
  if (!g_on.load(std::memory_order_relaxed) || n > kArenaBytes || align > 64) return nullptr;
  n = n == 0 ? 16 : (n + 15) & ~size_t{15};
  size_t at = g_next.load(std::memory_order_relaxed);
  for (;;) {
    size_t start = (at + align - 1) & ~(align - 1);
    if (start > kArenaBytes || kArenaBytes - start < n) return nullptr;
    if (g_next.compare_exchange_weak(at, start + n, std::memory_order_relaxed))
      return g_arena + start;
  }
}

bool in_arena(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p), lo = reinterpret_cast<uintptr_t>(g_arena);
  return a >= lo && a - lo < kArenaBytes;
}

void* allocate(size_t n, size_t align, bool nothrow) {
  if (void* p = arena_alloc(n, align)) return p;
  for (;;) {
    void* p = nullptr;
    if (align <= alignof(std::max_align_t))
      p = malloc(n == 0 ? 1 : n);
    else if (n <= SIZE_MAX - align)  // aligned_alloc wants a multiple of the alignment
      p = aligned_alloc(align, (n + align - 1) / align * align);
    if (p) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) {
      if (nothrow) return nullptr;
      throw std::bad_alloc();
    }
    h();
  }
}

void release(void* p) noexcept {
  if (p && !in_arena(p)) free(p);
}

}  // namespace

namespace aio::cli {
void arena_off() {
  g_on.store(false, std::memory_order_relaxed);
}
size_t arena_used() {
  return g_next.load(std::memory_order_relaxed);
}
}  // namespace aio::cli

constexpr size_t kPlain = alignof(std::max_align_t);

void* operator new(size_t n) {
  return allocate(n, kPlain, false);
}
void* operator new[](size_t n) {
  return allocate(n, kPlain, false);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n, kPlain, true);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void* operator new(size_t n, std::align_val_t a) {
  return allocate(n, static_cast<size_t>(a), false);
}
void* operator new[](size_t n, std::align_val_t a) {
  return allocate(n, static_cast<size_t>(a), false);
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return allocate(n, static_cast<size_t>(a), true);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
  return operator new(n, a, t);
}
void operator delete(void* p) noexcept {
  release(p);
}
void operator delete[](void* p) noexcept {
  release(p);
}
void operator delete(void* p, size_t) noexcept {
  release(p);
}
void operator delete[](void* p, size_t) noexcept {
  release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  release(p);
}

#endif
