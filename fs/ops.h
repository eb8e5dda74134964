// The FUSE operations of the aio mount, on libfuse's low-level API.
//
// Passthrough: every inode the kernel knows is an O_PATH descriptor of the
// real inode, found again by (st_dev, st_ino), so hard links are one inode
// to the kernel too (fs/inode_table.h); all I/O goes through *at() calls
// relative to those descriptors, rooted at the project directory opened
// before mounting (an in-place mount never calls into itself). Each
// write-class operation first asks Guard::check() with the inode's
// project-relative path (the name it was last reached by); the .aio/ files
// are served by VFiles through fs/ops_virtual.h. Reads and writes of file
// data bypass the daemon where the kernel can pass them through
// (fs/passthrough.h); otherwise they splice between /dev/fuse and the real
// file.
//
// Where things are: the session state (fs/session.h); per-request helpers
// and the errno convention (fs/request.h); the handlers by family
// (fs/handlers.h: ops_attr, ops_names, ops_files, ops_xattr, ops_dirs);
// .aio/ (fs/ops_virtual.h); the setuid/setgid rules (fs/privs.h).
//
// Kernel caching: over an in-place mount every change passes through here,
// so entries, attributes and file pages are cached for long; with --at the
// project can change behind our back, so they are cached for a second only.
// The .aio/ nodes are never cached.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include "fs/session.h"

namespace aio::fs {

// The operations table; the session's user data must be an Fs.
const struct fuse_lowlevel_ops& operations();

}  // namespace aio::fs
