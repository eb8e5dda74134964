// Which FUSE request the calling thread is serving, so that work done once
// per request is not done again by a later step of the same request.
//
// The session's device read hook (fs/passthrough.h) calls begin_request()
// on the thread that read a request, before libfuse dispatches it on that
// same thread; request_epoch() is then that thread's count of requests
// begun, 0 on a thread that never served one (a test, the janitor): there
// nothing may be reused.
#pragma once

#include <cstdint>

namespace aio::fs {

inline thread_local uint64_t t_request_epoch = 0;

inline void begin_request() {
  ++t_request_epoch;
}
inline uint64_t request_epoch() {
  return t_request_epoch;
}

}  // namespace aio::fs
