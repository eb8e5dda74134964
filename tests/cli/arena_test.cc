// The aio binary's allocator (cli/arena.h), linked into this test binary as
// it is into aio: every form of new and delete, alignment, failure, threads,
// and malloc once arena_off() was called. In sanitizer builds the arena is
// compiled out and only the plain behaviour is checked.
#include "cli/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kArena = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kArena = false;
#else
constexpr bool kArena = true;
#endif
#else
constexpr bool kArena = true;
#endif

struct alignas(64) Line {
  char bytes[64];
};
struct alignas(4096) Page {
  char bytes[4096];
};

bool aligned(const void* p, size_t a) {
  return reinterpret_cast<uintptr_t>(p) % a == 0;
}

// The tests run in this order (one process): the arena first, then off.
TEST(Arena, HandsOutAlignedMemoryAndTakesNothingBack) {
  size_t before = aio::cli::arena_used();
  auto* a = new std::string(100, 'x');
  auto* line = new Line{};
  auto* lines = new Line[3];
  auto* page = new Page{};  // past the arena's alignment: malloc's aligned_alloc
  auto* bytes = new (std::nothrow) char[10];
  EXPECT_TRUE(aligned(a, alignof(std::max_align_t)));
  EXPECT_TRUE(aligned(line, 64));
  EXPECT_TRUE(aligned(lines, 64));
  EXPECT_TRUE(aligned(page, 4096));
  ASSERT_NE(bytes, nullptr);
  EXPECT_EQ(*a, std::string(100, 'x'));
  if (kArena) {
    EXPECT_GT(aio::cli::arena_used(), before + 100);
  } else {
    EXPECT_EQ(aio::cli::arena_used(), 0u);
  }
  delete a;
  delete line;
  delete[] lines;
  delete page;
  delete[] bytes;
  size_t after = aio::cli::arena_used();
  auto* again = new std::string(100, 'y');
  if (kArena) {
    EXPECT_GT(aio::cli::arena_used(), after) << "nothing is reused";
  }
  delete again;
}

TEST(Arena, AnImpossibleRequestFails) {
  volatile size_t too_big = SIZE_MAX - 8;  // (not known when compiled)
  size_t huge = too_big;
  EXPECT_THROW((void)::operator new(huge), std::bad_alloc);
  EXPECT_EQ(::operator new(huge, std::nothrow), nullptr);
  EXPECT_THROW((void)::operator new (huge, std::align_val_t{128}), std::bad_alloc);
  EXPECT_EQ(::operator new (huge, std::align_val_t{128}, std::nothrow), nullptr);
}

TEST(Arena, ThreadsGetDisjointBlocks) {
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<char*>> got(kThreads);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        char* p = new char[24];
        std::fill(p, p + 24, static_cast<char>(t));
        got[t].push_back(p);
      }
    });
  for (auto& t : ts) t.join();
  std::set<char*> all;
  for (int t = 0; t < kThreads; ++t)
    for (char* p : got[t]) {
      EXPECT_TRUE(all.insert(p).second);
      for (int i = 0; i < 24; ++i) ASSERT_EQ(p[i], static_cast<char>(t)) << "blocks overlap";
    }
  for (auto& v : got)
    for (char* p : v) delete[] p;
}

// Threads bump through chunks of 64 KiB: a block larger than a chunk takes
// one of its own size, and what follows still comes aligned and apart.
TEST(Arena, ABlockLargerThanAChunk) {
  size_t before = aio::cli::arena_used();
  constexpr size_t kBig = size_t{200} << 10;
  char* big = new char[kBig];
  std::fill(big, big + kBig, 'b');
  auto* line = new Line{};
  EXPECT_TRUE(aligned(line, 64));
  std::fill(line->bytes, line->bytes + sizeof(line->bytes), 'l');
  if (kArena) {
    EXPECT_GE(aio::cli::arena_used(), before + kBig + sizeof(Line));
  }
  EXPECT_TRUE(std::all_of(big, big + kBig, [](char c) { return c == 'b'; })) << "blocks overlap";
  delete line;
  delete[] big;
}

TEST(Arena, OffMeansMalloc) {
  aio::cli::arena_off();
  size_t used = aio::cli::arena_used();
  std::vector<std::unique_ptr<std::string>> many;
  for (int k = 0; k < 1000; ++k) many.push_back(std::make_unique<std::string>(200, 'z'));
  many.clear();
  EXPECT_EQ(aio::cli::arena_used(), used);
}

}  // namespace
