// A shared library loaded on first use (dlopen by its SONAME), so that a
// command that never needs it never pays for mapping and relocating it.
// core/dl_git2.cc and core/dl_curl.cc define libgit2's and libcurl's
// functions aio calls, each forwarding to the symbol found here; the aio
// binary links neither library.
//
// Loading happens once per process, thread-safely, on the first symbol
// asked for. A library that cannot be loaded, or lacks a symbol, is never a
// crash: `symbol` returns nullptr and `error()` says why in one line
// ("cannot load libgit2.so.1.5: <dlerror>"); the forwarding functions turn
// that into the library's own error values, which reach the user through
// the usual Status paths.
#pragma once

#include <mutex>
#include <string>

namespace aio {

class DynLib {
 public:
  explicit DynLib(const char* soname) : soname_(soname) {}
  DynLib(const DynLib&) = delete;
  DynLib& operator=(const DynLib&) = delete;

  // The address of `name` in the library (loaded now if not yet), or nullptr.
  void* symbol(const char* name);
  // `symbol(name)` as the function pointer type F.
  template <typename F>
  F function(const char* name) {
    return reinterpret_cast<F>(symbol(name));
  }
  // Whether the library or a symbol asked for was missing.
  bool failed();
  // Why, in one line ("" while nothing failed; the first reason stays).
  std::string error();

 private:
  void load();

  const char* soname_;
  std::once_flag once_;
  void* handle_ = nullptr;
  std::mutex mu_;  // guards error_
  std::string error_;
};

}  // namespace aio
