#include "fs/privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>

#include "core/procinfo.h"

namespace aio::fs::privs {

mode_t without_write_privs(mode_t mode) {
  mode_t kill = mode & S_ISUID;
  if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) kill |= S_ISGID;
  return mode & 07777 & ~kill;
}

void drop_for_writer(bool killpriv_v2, pid_t caller, int fd) {
  if (!killpriv_v2) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  mode_t kept = without_write_privs(st.st_mode);
  if (kept == (st.st_mode & 07777) || proc_has_capability(caller, CAP_FSETID).value_or(false))
    return;
  if (fchmod(fd, kept) != 0) {
    // The write goes on, as a bare disk's would if its own drop failed.
  }
}

int drop_on_truncate(const char* path) {
  struct stat st;
  if (stat(path, &st) != 0 || without_write_privs(st.st_mode) == (st.st_mode & 07777)) return 0;
  return chmod(path, without_write_privs(st.st_mode)) == 0 ? 0 : -errno;
}

}  // namespace aio::fs::privs
