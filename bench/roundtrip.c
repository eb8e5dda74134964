/* Cost of one system call on a file, repeated, for bench/profile.sh:
 *
 *   roundtrip getxattr|stat|open FILE N
 *
 * getxattr: getxattr(FILE, "user.aio-none"): through a FUSE mount every call
 *           is one synchronous request (the kernel caches no xattrs), so this
 *           is the round trip with next to no work in the daemon
 * stat:     stat(FILE): cached attributes, no request
 * open:     open(FILE, O_RDONLY) + close: an OPEN request (+ an asynchronous
 *           RELEASE)
 *
 * Prints "wall_us cpu_us" per call: wall-clock time, and this process's own
 * CPU time (user + system). Exits 1 if a call fails other than as expected. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char** argv) {
  if (argc != 4 || atol(argv[3]) <= 0) {
    fprintf(stderr, "usage: roundtrip getxattr|stat|open FILE N\n");
    return 2;
  }
  const char *mode = argv[1], *file = argv[2];
  long n = atol(argv[3]);
  char buf[64];
  struct stat st;
  double t0 = now(), c0 = cpu();
  for (long i = 0; i < n; i++) {
    if (strcmp(mode, "getxattr") == 0) {
      if (getxattr(file, "user.aio-none", buf, sizeof buf) >= 0 || errno != ENODATA) {
        fprintf(stderr, "roundtrip: getxattr %s: %s\n", file, strerror(errno));
        return 1;
      }
    } else if (strcmp(mode, "stat") == 0) {
      if (stat(file, &st) != 0) {
        fprintf(stderr, "roundtrip: stat %s: %s\n", file, strerror(errno));
        return 1;
      }
    } else if (strcmp(mode, "open") == 0) {
      int fd = open(file, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        fprintf(stderr, "roundtrip: open %s: %s\n", file, strerror(errno));
        return 1;
      }
      close(fd);
    } else {
      fprintf(stderr, "roundtrip: unknown mode %s\n", mode);
      return 2;
    }
  }
  double wall = now() - t0, used = cpu() - c0;
  printf("%.2f %.2f\n", wall * 1e6 / n, used * 1e6 / n);
  return 0;
}
