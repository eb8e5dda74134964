// The filesystem's state, handed to the FUSE session as its user data (as
// libfuse's passthrough_hp does): every handler reaches it through
// fs_of(req), the device hooks through the same pointer (fs/passthrough.h).
//
// Locks: InodeTable::mu_ and Passthrough::mu_ are leaves, never held
// together and never across a close of a real descriptor or backing file
// (a last close can make the source filesystem delete a file). The guard's collaborators
// (StateWatch, IdentityCache, DenialLog) take their own leaf locks, never while either of the above
// is held.
#pragma once

#define FUSE_USE_VERSION 314
#include <fuse3/fuse_lowlevel.h>

#include "fs/guard.h"
#include "fs/identity.h"
#include "fs/inode_table.h"
#include "fs/ops_virtual.h"
#include "fs/passthrough.h"
#include "fs/vfiles.h"

namespace aio::fs {

struct FsOptions {
  int root_fd = -1;        // the project directory, opened before mounting
  bool in_place = true;    // mounted over the project itself
  bool chown_new = false;  // daemon is root: give new files to the caller
};

struct Fs {
  // `guard`, `ids` and `vfiles` outlive it.
  Fs(const FsOptions& o, Guard& g, IdentityCache& i, VFiles& v)
      : opts(o),
        timeout(o.in_place ? 86400.0 : 1.0),
        guard(g),
        ids(i),
        vfiles(v),
        vtree(v),
        inodes(o.root_fd, passthrough) {}
  Fs(const Fs&) = delete;
  Fs& operator=(const Fs&) = delete;

  // Installs the device hooks (kernel passthrough, killpriv_v2) on a
  // session whose user data is this object: they reach `passthrough`
  // through it.
  bool install_device_hooks(struct fuse_session* se, bool want_passthrough, bool killpriv_v2) {
    return passthrough.install<Fs, &Fs::passthrough>(se, want_passthrough, killpriv_v2);
  }

  // Immutable after construction.
  const FsOptions opts;
  // Entry and attribute cache time: over an in-place mount every change
  // passes through here, so the kernel may cache for long; with --at the
  // project can change behind our back.
  const double timeout;
  Guard& guard;                   // judging (no lock of its own)
  IdentityCache& ids;             // its own leaf lock
  VFiles& vfiles;                 // .aio/ contents (the StateWatch's and DenialLog's locks)
  const vops::VirtualTree vtree;  // the .aio nodes (built from vfiles' listing)

  // Mutable, each behind its own lock (order above). passthrough is
  // declared first: inodes refers to it.
  Passthrough passthrough;  // Passthrough::mu_, taken after inodes'
  InodeTable inodes;        // InodeTable::mu_, taken before passthrough's
};

inline Fs& fs_of(fuse_req_t req) {
  return *static_cast<Fs*>(fuse_req_userdata(req));
}

}  // namespace aio::fs
