// libgit2, loaded on first use: each libgit2 function aio calls, defined
// with the prototype git2.h declares (a mismatch does not compile: C
// functions cannot be overloaded) and forwarding to the function of the
// library loaded by its SONAME (AIO_LIBGIT2_SONAME, from the build). When
// the library cannot be loaded, every call fails as libgit2 fails (-1, or
// nullptr) and git_error_last() says why, so the callers' messages read
// "cannot open the git repository at X (cannot load libgit2.so.1.5: ...)".
// A function used anywhere in aio must be added here (the link says so).
#include <git2.h>

#include <cstdarg>
#include <string>

#include "core/dynlib.h"

namespace {

aio::DynLib& git2() {
  static auto* lib = new aio::DynLib(AIO_LIBGIT2_SONAME);  // never destroyed: used until exit
  return *lib;
}

// The pointer to the library's `fn`, looked up once (nullptr when missing).
#define AIO_GIT2(fn) static const auto real = git2().function<decltype(&::fn)>(#fn)

// A call that cannot be forwarded fails as libgit2 fails (-1), with `why`
// as libgit2's last error when the library itself is there.
int fail(const std::string& why) {
  AIO_GIT2(git_error_set_str);
  if (real) real(GIT_ERROR_INVALID, why.c_str());
  return GIT_ERROR;
}

// A call whose function (or the whole library) is missing.
int missing() {
  return fail(git2().error());
}

}  // namespace

const git_error* git_error_last(void) {
  AIO_GIT2(git_error_last);
  if (real) return real();
  thread_local std::string message;
  thread_local git_error error;
  message = git2().error();
  error = {message.data(), GIT_ERROR_OS};
  return &error;
}

int git_libgit2_init(void) {
  AIO_GIT2(git_libgit2_init);
  return real ? real() : missing();
}

// Variadic: forwarded for the options aio sets (each option fixes its
// arguments' types); any other option fails.
int git_libgit2_opts(int option, ...) {
  AIO_GIT2(git_libgit2_opts);
  if (!real) return missing();
  va_list ap;
  va_start(ap, option);
  int rc = GIT_ERROR;
  if (option == GIT_OPT_SET_OWNER_VALIDATION) {
    rc = real(option, va_arg(ap, int));
  } else {
    rc = fail("aio does not forward git_libgit2_opts option " + std::to_string(option));
  }
  va_end(ap);
  return rc;
}

int git_repository_open_ext(git_repository** out, const char* path, unsigned int flags,
                            const char* ceiling_dirs) {
  AIO_GIT2(git_repository_open_ext);
  return real ? real(out, path, flags, ceiling_dirs) : missing();
}

void git_repository_free(git_repository* repo) {
  AIO_GIT2(git_repository_free);
  if (real) real(repo);
}

const char* git_repository_path(const git_repository* repo) {
  AIO_GIT2(git_repository_path);
  return real ? real(repo) : nullptr;
}

const char* git_repository_workdir(const git_repository* repo) {
  AIO_GIT2(git_repository_workdir);
  return real ? real(repo) : nullptr;
}

const char* git_repository_commondir(const git_repository* repo) {
  AIO_GIT2(git_repository_commondir);
  return real ? real(repo) : nullptr;
}

int git_repository_is_bare(const git_repository* repo) {
  AIO_GIT2(git_repository_is_bare);
  return real ? real(repo) : 0;
}

int git_repository_is_worktree(const git_repository* repo) {
  AIO_GIT2(git_repository_is_worktree);
  return real ? real(repo) : 0;
}

int git_repository_config(git_config** out, git_repository* repo) {
  AIO_GIT2(git_repository_config);
  return real ? real(out, repo) : missing();
}

int git_repository_config_snapshot(git_config** out, git_repository* repo) {
  AIO_GIT2(git_repository_config_snapshot);
  return real ? real(out, repo) : missing();
}

void git_buf_dispose(git_buf* buffer) {
  AIO_GIT2(git_buf_dispose);
  if (real) real(buffer);
}

int git_config_open_level(git_config** out, const git_config* parent, git_config_level_t level) {
  AIO_GIT2(git_config_open_level);
  return real ? real(out, parent, level) : missing();
}

void git_config_free(git_config* cfg) {
  AIO_GIT2(git_config_free);
  if (real) real(cfg);
}

int git_config_get_path(git_buf* out, const git_config* cfg, const char* name) {
  AIO_GIT2(git_config_get_path);
  return real ? real(out, cfg, name) : missing();
}

int git_config_get_string(const char** out, const git_config* cfg, const char* name) {
  AIO_GIT2(git_config_get_string);
  return real ? real(out, cfg, name) : missing();
}

int git_config_iterator_new(git_config_iterator** out, const git_config* cfg) {
  AIO_GIT2(git_config_iterator_new);
  return real ? real(out, cfg) : missing();
}

int git_config_next(git_config_entry** entry, git_config_iterator* iter) {
  AIO_GIT2(git_config_next);
  return real ? real(entry, iter) : missing();
}

void git_config_iterator_free(git_config_iterator* iter) {
  AIO_GIT2(git_config_iterator_free);
  if (real) real(iter);
}

int git_config_set_string(git_config* cfg, const char* name, const char* value) {
  AIO_GIT2(git_config_set_string);
  return real ? real(cfg, name, value) : missing();
}

int git_config_delete_entry(git_config* cfg, const char* name) {
  AIO_GIT2(git_config_delete_entry);
  return real ? real(cfg, name) : missing();
}
