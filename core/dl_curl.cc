// libcurl, loaded on first use (only an etcd store needs it): each libcurl
// function aio calls, defined with the prototype curl.h declares and
// forwarding to the function of the library loaded by its SONAME
// (AIO_LIBCURL_SONAME, from the build). When the library cannot be loaded,
// curl_global_init fails with CURLE_FAILED_INIT and curl_easy_strerror of
// that code says why ("cannot load libcurl.so.4: ..."), so
// etcd::Client::open reports it; every other call fails as libcurl fails.
// A function used anywhere in aio must be added here (the link says so).
#include <cstdarg>

#include <curl/curl.h>

#include "core/dynlib.h"

namespace {

aio::DynLib& curl() {
  static auto* lib = new aio::DynLib(AIO_LIBCURL_SONAME);  // never destroyed: used until exit
  return *lib;
}

// curl.h's variadic prototypes end their named parameters with an enum
// (CURLoption, CURLINFO), which clang flags for va_start; the enums' values
// are ints, the type they are passed as, as libcurl itself reads them.
#ifdef __clang__
#pragma clang diagnostic ignored "-Wvarargs"
#endif

// The pointer to the library's `fn`, looked up once (nullptr when missing).
#define AIO_CURL(fn) static const auto real = curl().function<decltype(&::fn)>(#fn)

}  // namespace

CURLcode curl_global_init(long flags) {
  AIO_CURL(curl_global_init);
  return real ? real(flags) : CURLE_FAILED_INIT;
}

const char* curl_easy_strerror(CURLcode code) {
  AIO_CURL(curl_easy_strerror);
  if (real && (code != CURLE_FAILED_INIT || !curl().failed())) return real(code);
  static const std::string why = curl().error();  // the first reason stays
  return why.c_str();
}

CURL* curl_easy_init(void) {
  AIO_CURL(curl_easy_init);
  return real ? real() : nullptr;
}

// Variadic: the option's number says its argument's type (CURLOPTTYPE_*).
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  AIO_CURL(curl_easy_setopt);
  if (!real) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = real(handle, option, va_arg(ap, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = real(handle, option, va_arg(ap, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = real(handle, option, va_arg(ap, void (*)()));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = real(handle, option, va_arg(ap, curl_off_t));
  } else {
    rc = real(handle, option, va_arg(ap, void*));  // struct curl_blob*
  }
  va_end(ap);
  return rc;
}

// Variadic: every CURLINFO_* takes a pointer to where the answer goes.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  AIO_CURL(curl_easy_getinfo);
  if (!real) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  CURLcode rc = real(handle, info, va_arg(ap, void*));
  va_end(ap);
  return rc;
}

CURLcode curl_easy_perform(CURL* handle) {
  AIO_CURL(curl_easy_perform);
  return real ? real(handle) : CURLE_FAILED_INIT;
}

void curl_easy_reset(CURL* handle) {
  AIO_CURL(curl_easy_reset);
  if (real) real(handle);
}

void curl_easy_cleanup(CURL* handle) {
  AIO_CURL(curl_easy_cleanup);
  if (real) real(handle);
}

curl_slist* curl_slist_append(curl_slist* list, const char* data) {
  AIO_CURL(curl_slist_append);
  return real ? real(list, data) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  AIO_CURL(curl_slist_free_all);
  if (real) real(list);
}

CURLM* curl_multi_init(void) {
  AIO_CURL(curl_multi_init);
  return real ? real() : nullptr;
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* handle) {
  AIO_CURL(curl_multi_add_handle);
  return real ? real(multi, handle) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* handle) {
  AIO_CURL(curl_multi_remove_handle);
  return real ? real(multi, handle) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM* multi, int* running_handles) {
  AIO_CURL(curl_multi_perform);
  return real ? real(multi, running_handles) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM* multi, curl_waitfd extra_fds[], unsigned int extra_nfds,
                          int timeout_ms, int* ret) {
  AIO_CURL(curl_multi_poll);
  return real ? real(multi, extra_fds, extra_nfds, timeout_ms, ret) : CURLM_INTERNAL_ERROR;
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* msgs_in_queue) {
  AIO_CURL(curl_multi_info_read);
  return real ? real(multi, msgs_in_queue) : nullptr;
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
  AIO_CURL(curl_multi_cleanup);
  return real ? real(multi) : CURLM_INTERNAL_ERROR;
}
