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

// RET FN PARAMS forwarding ARGS to the library's FN, or OTHERWISE (the
// value of a failed call, (void)0 for none) when the function is missing.
#define AIO_GIT2_FORWARD(ret, fn, params, args, otherwise) \
  ret fn params {                                          \
    AIO_GIT2(fn);                                          \
    return real ? real args : otherwise;                   \
  }

}  // namespace

// clang-format would space pointer types in macro arguments as products (git_buf * b).
// clang-format off

const git_error* git_error_last(void) {
  AIO_GIT2(git_error_last);
  if (real) return real();
  thread_local std::string message;
  thread_local git_error error;
  message = git2().error();
  error = {message.data(), GIT_ERROR_OS};
  return &error;
}

AIO_GIT2_FORWARD(int, git_libgit2_init, (void), (), missing())

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

AIO_GIT2_FORWARD(int, git_repository_open_ext,
                 (git_repository** out, const char* path, unsigned int flags,
                  const char* ceiling_dirs),
                 (out, path, flags, ceiling_dirs), missing())

AIO_GIT2_FORWARD(void, git_repository_free, (git_repository* repo), (repo), (void)0)

AIO_GIT2_FORWARD(const char*, git_repository_path, (const git_repository* repo), (repo), nullptr)

AIO_GIT2_FORWARD(const char*, git_repository_workdir, (const git_repository* repo), (repo), nullptr)

AIO_GIT2_FORWARD(const char*, git_repository_commondir, (const git_repository* repo), (repo),
                 nullptr)

AIO_GIT2_FORWARD(int, git_repository_is_bare, (const git_repository* repo), (repo), 0)

AIO_GIT2_FORWARD(int, git_repository_is_worktree, (const git_repository* repo), (repo), 0)

AIO_GIT2_FORWARD(int, git_repository_config, (git_config** out, git_repository* repo), (out, repo),
                 missing())

AIO_GIT2_FORWARD(int, git_repository_config_snapshot, (git_config** out, git_repository* repo),
                 (out, repo), missing())

AIO_GIT2_FORWARD(void, git_buf_dispose, (git_buf* buffer), (buffer), (void)0)

AIO_GIT2_FORWARD(int, git_config_open_level,
                 (git_config** out, const git_config* parent, git_config_level_t level),
                 (out, parent, level), missing())

AIO_GIT2_FORWARD(void, git_config_free, (git_config* cfg), (cfg), (void)0)

AIO_GIT2_FORWARD(int, git_config_get_path, (git_buf* out, const git_config* cfg, const char* name),
                 (out, cfg, name), missing())

AIO_GIT2_FORWARD(int, git_config_get_string,
                 (const char** out, const git_config* cfg, const char* name), (out, cfg, name),
                 missing())

AIO_GIT2_FORWARD(int, git_config_iterator_new, (git_config_iterator** out, const git_config* cfg),
                 (out, cfg), missing())

AIO_GIT2_FORWARD(int, git_config_next, (git_config_entry** entry, git_config_iterator* iter),
                 (entry, iter), missing())

AIO_GIT2_FORWARD(void, git_config_iterator_free, (git_config_iterator* iter), (iter), (void)0)

AIO_GIT2_FORWARD(int, git_config_set_string,
                 (git_config* cfg, const char* name, const char* value), (cfg, name, value),
                 missing())

AIO_GIT2_FORWARD(int, git_config_delete_entry, (git_config* cfg, const char* name), (cfg, name),
                 missing())

// clang-format on
