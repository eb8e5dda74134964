#include "cli/arena.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AIO_NO_ARENA 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define AIO_NO_ARENA 1
#endif
#endif

namespace {
std::atomic<bool> g_long_lived{false};
}  // namespace

namespace aio::cli {
bool long_lived() {
  return g_long_lived.load(std::memory_order_relaxed);
}
}  // namespace aio::cli

#ifdef AIO_NO_ARENA

namespace aio::cli {
void arena_off() {
  g_long_lived.store(true, std::memory_order_relaxed);
}
size_t arena_used() {
  return 0;
}
}  // namespace aio::cli

#else

namespace {

#ifdef MADV_POPULATE_WRITE
constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kPopulateWrite = 23;  // Linux 5.14's value, for older headers
#endif

// Untouched pages of .bss cost nothing: only the chunks handed out are mapped.
// 4 MiB holds what aio check or aio claim allocates with 1,000 instances
// (under 1 MiB) and a cache patch; a command that churns through more (aio
// status reading 100,000 notes) goes on with malloc, which reuses what it
// frees: every page first touched costs a fault (~1.5 us here, ~0.6 us
// populated with its chunk).
constexpr size_t kArenaBytes = size_t{4} << 20;
alignas(4096) char g_arena[kArenaBytes];  // page-aligned: populate() maps whole pages
std::atomic<size_t> g_next{0};
std::atomic<bool> g_on{true};

// Each thread bumps through a chunk of its own and takes the next chunk with
// one atomic step: an atomic read-modify-write on every allocation costs more
// here (a PVM guest) than the rest of the allocation.
constexpr size_t kChunk = size_t{64} << 10;
thread_local size_t t_at = 0;   // this thread's next free offset in g_arena
thread_local size_t t_end = 0;  // the end of its chunk

// Maps a new chunk's pages in one call rather than one fault per page as
// they are first written (about half the cost here). Best effort: where the
// kernel lacks MADV_POPULATE_WRITE (before 5.14) the pages fault as before.
void populate(size_t at, size_t n) {
  constexpr size_t kPage = 4096;
  size_t from = at & ~(kPage - 1), to = std::min(kArenaBytes, (at + n + kPage - 1) & ~(kPage - 1));
  (void)madvise(g_arena + from, to - from, kPopulateWrite);
}

// The slow path of arena_alloc: a new chunk for this thread (what is left
// of the old one is not used again), the block at its start.
[[gnu::noinline]] void* arena_refill(size_t n, size_t align) noexcept {
  size_t at = g_next.load(std::memory_order_relaxed), take = 0;
  do {
    if (at >= kArenaBytes) return nullptr;
    take = std::min(std::max(kChunk, n + align), kArenaBytes - at);
  } while (!g_next.compare_exchange_weak(at, at + take, std::memory_order_relaxed));
  t_at = t_end = at + take;
  populate(at, take);
  size_t start = (at + align - 1) & ~(align - 1);
  if (start > t_end || t_end - start < n) return nullptr;  // the arena's last bytes
  t_at = start + n;
  return g_arena + start;
}

void* arena_alloc(size_t n, size_t align) noexcept {
  // Offsets are aligned as the arena itself is: up to 64.
  if (!g_on.load(std::memory_order_relaxed) || n > kArenaBytes || align > 64) return nullptr;
  n = n == 0 ? 16 : (n + 15) & ~size_t{15};
  size_t start = (t_at + align - 1) & ~(align - 1);
  if (start > t_end || t_end - start < n) return arena_refill(n, align);
  t_at = start + n;
  return g_arena + start;
}

bool in_arena(const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p), lo = reinterpret_cast<uintptr_t>(g_arena);
  return a >= lo && a - lo < kArenaBytes;
}

// Past the arena: malloc, and the new handler when it fails.
[[gnu::noinline]] void* allocate_elsewhere(size_t n, size_t align, bool nothrow) {
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

void* allocate(size_t n, size_t align, bool nothrow) {
  if (void* p = arena_alloc(n, align)) return p;
  return allocate_elsewhere(n, align, nothrow);
}

void release(void* p) noexcept {
  if (p && !in_arena(p)) free(p);
}

}  // namespace

namespace aio::cli {
void arena_off() {
  g_long_lived.store(true, std::memory_order_relaxed);
  g_on.store(false, std::memory_order_relaxed);
}
size_t arena_used() {
  return g_next.load(std::memory_order_relaxed) - (t_end - t_at);
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
