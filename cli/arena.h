// Allocation for commands that end within milliseconds (aio check, aio
// claim, hooks): the aio binary's operator new hands out memory from a bump
// arena and operator delete gives none back, because the process exits
// first. That skips most of malloc's work on the thousands of small
// allocations a command makes while reading the state. Past the arena's
// size (4 MiB), and for every allocation once a long-lived command (the mount
// daemon, aio keepalive, aio exec) has called arena_off(), new and delete
// are malloc and free. Sanitizer builds keep the usual allocator.
#pragma once

#include <cstddef>

namespace aio::cli {

// From now on, allocate with malloc (what the arena handed out stays): this
// process is long-lived.
void arena_off();
// Has arena_off() been called (also in sanitizer builds, which have no arena)?
bool long_lived();
// Bytes taken from the arena: what this thread was handed, and the chunks
// other threads took whole (0 in sanitizer builds).
size_t arena_used();

}  // namespace aio::cli
