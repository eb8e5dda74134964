/* One phase of the small-file workload of scripts/bench.sh, timed inside
 * the process (so process start-up is not counted) and printed in seconds.
 *
 *   smallfiles create|stat|read|unlink DIR NFILES NDIRS
 *
 * create: mkdir DIR and NDIRS subdirectories d000.., then NFILES files of
 *         512 bytes spread round-robin over them (O_CREAT|O_EXCL, write, close)
 * stat:   stat() every file
 * read:   open, read to EOF, close every file
 * unlink: unlink every file, rmdir the subdirectories and DIR
 * Exits 1 on the first failing call, naming it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
  fprintf(stderr, "smallfiles: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: smallfiles create|stat|read|unlink DIR NFILES NDIRS\n");
    return 2;
  }
  const char *phase = argv[1], *dir = argv[2];
  long nfiles = atol(argv[3]), ndirs = atol(argv[4]);
  if (nfiles <= 0 || ndirs <= 0) return 2;
  char path[4096], data[512], buf[4096];
  memset(data, 'x', sizeof data);

  double t0 = now();
  if (strcmp(phase, "create") == 0) {
    if (mkdir(dir, 0755) != 0) die("mkdir", dir);
    for (long d = 0; d < ndirs; ++d) {
      snprintf(path, sizeof path, "%s/d%03ld", dir, d);
      if (mkdir(path, 0755) != 0) die("mkdir", path);
    }
  }
  for (long i = 0; i < nfiles; ++i) {
    snprintf(path, sizeof path, "%s/d%03ld/f%05ld", dir, i % ndirs, i);
    if (strcmp(phase, "create") == 0) {
      int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) die("create", path);
      if (write(fd, data, sizeof data) != (ssize_t)sizeof data) die("write", path);
      if (close(fd) != 0) die("close", path);
    } else if (strcmp(phase, "stat") == 0) {
      struct stat st;
      if (stat(path, &st) != 0) die("stat", path);
    } else if (strcmp(phase, "read") == 0) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) die("open", path);
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) {
      }
      if (n < 0) die("read", path);
      close(fd);
    } else if (strcmp(phase, "unlink") == 0) {
      if (unlink(path) != 0) die("unlink", path);
    } else {
      fprintf(stderr, "smallfiles: unknown phase %s\n", phase);
      return 2;
    }
  }
  if (strcmp(phase, "unlink") == 0) {
    for (long d = 0; d < ndirs; ++d) {
      snprintf(path, sizeof path, "%s/d%03ld", dir, d);
      if (rmdir(path) != 0) die("rmdir", path);
    }
    if (rmdir(dir) != 0) die("rmdir", dir);
  }
  printf("%.6f\n", now() - t0);
  return 0;
}
