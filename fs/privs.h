// The setuid/setgid rules of a write through the mount.
//
// Under handle_killpriv_v2 (fs/passthrough.h) the kernel leaves dropping
// suid/sgid on write and truncate to us, and the source filesystem drops
// them for the daemon's own calls only as the daemon's credentials say: a
// writer without CAP_FSETID (that the daemon has) would keep them. So the
// daemon drops them itself, as a bare disk would for that writer: when the
// writer opens the file for writing (a little earlier than at its first
// write), and when a truncate asks for it (FUSE_SET_ATTR_KILL_SUID).
//
// Helpers return 0 or -errno; no state, no lock.
#pragma once

#include <sys/types.h>

namespace aio::fs::privs {

// The permission bits a write by a caller without CAP_FSETID leaves: no
// suid, and no sgid when the group may execute (else sgid marks locking).
mode_t without_write_privs(mode_t mode);

// An open of regular file `fd` for writing by process `caller`: drops
// suid/sgid when the kernel left that to us (`killpriv_v2`) and the caller
// lacks CAP_FSETID. Best effort: the write goes on, as a bare disk's would
// if its own drop failed.
void drop_for_writer(bool killpriv_v2, pid_t caller, int fd);

// A truncate that asked to drop suid/sgid, of the file at `path` (a /proc
// path of the pinned inode): 0 or -errno.
int drop_on_truncate(const char* path);

}  // namespace aio::fs::privs
