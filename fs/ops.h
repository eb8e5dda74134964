// The FUSE operations of the aio mount, on libfuse's low-level API.
//
// Passthrough: every inode the kernel knows is an O_PATH descriptor of the
// real inode, found again by (st_dev, st_ino), so hard links are one inode
// to the kernel too; all I/O goes through *at() calls relative to those
// descriptors, rooted at the project directory opened before mounting (an
// in-place mount never calls into itself). Each write-class operation first
// asks Guard::check() with the inode's project-relative path (the name it
// was last reached by); the .aio/ files are served by VFiles. Reads and
// writes of file data bypass the daemon where the kernel can pass them
// through (fs/passthrough.h); otherwise they splice between /dev/fuse and
// the real file.
//
// Kernel caching: over an in-place mount every change passes through here,
// so entries, attributes and file pages are cached for long; with --at the
// project can change behind our back, so they are cached for a second only.
// The .aio/ nodes are never cached.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include "fs/guard.h"
#include "fs/passthrough.h"
#include "fs/vfiles.h"

namespace aio::fs {

struct FsOptions {
  int root_fd = -1;                    // the project directory, opened before mounting
  bool in_place = true;                // mounted over the project itself
  bool chown_new = false;              // daemon is root: give new files to the caller
  Passthrough* passthrough = nullptr;  // kernel passthrough of file data, when active
};

// The filesystem state handed to the session as its private data.
class Fs;
// Creates the filesystem over `guard`, `ids` and `vfiles` (all outlive it).
std::unique_ptr<Fs, void (*)(Fs*)> make_fs(const FsOptions& o, Guard& guard, IdentityCache& ids,
                                           VFiles& vfiles);
const struct fuse_lowlevel_ops& operations();

}  // namespace aio::fs
