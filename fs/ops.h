// The FUSE operations of the aio mount: passthrough to the source directory
// through *at() calls on a descriptor opened before mounting (so an in-place
// mount never calls into itself), each write-class operation first asking
// Guard::check(), and the virtual .aio/ files. Helpers return -errno.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse.h>

#include "fs/guard.h"
#include "fs/vfiles.h"

namespace aio::fs {

// Everything the operations share, handed to the session as private data.
struct MountContext {
  int source_fd = -1;  // the project directory, opened before mounting
  Guard* guard = nullptr;
  VFiles* vfiles = nullptr;
  bool chown_new = false;  // daemon is root: give new files to the caller
};

const struct fuse_operations& operations();

}  // namespace aio::fs
