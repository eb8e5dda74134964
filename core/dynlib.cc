#include "core/dynlib.h"

#include <dlfcn.h>

namespace aio {

void DynLib::load() {
  std::call_once(once_, [this] {
    // RTLD_LOCAL: the library's symbols never interpose on aio's own
    // definitions of the same names (the forwarding functions).
    handle_ = dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* why = dlerror();
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::string("cannot load ") + soname_ + ": " + (why ? why : "no reason given");
    }
  });
}

void* DynLib::symbol(const char* name) {
  load();
  if (!handle_) return nullptr;
  void* p = dlsym(handle_, name);
  if (!p) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = std::string(soname_) + " has no " + name;
  }
  return p;
}

bool DynLib::failed() {
  std::lock_guard<std::mutex> lock(mu_);
  return !error_.empty();
}

std::string DynLib::error() {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace aio
