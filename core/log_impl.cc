// spdlog and fmt compiled into aio from their installed headers, so that no
// process of aio loads libspdlog.so, libfmt.so or (through them)
// libstdc++.so: the dynamic loader's work was most of the cost of a short
// command. Every other translation unit includes the libraries as compiled
// libraries (SPDLOG_COMPILED_LIB, fmt without FMT_HEADER_ONLY: declarations
// only, quick to compile); this one includes their implementation headers
// and instantiates what the others leave to a library. The build gives
// the definitions (aio_log in CMakeLists.txt); nothing here is copied from
// either library.
#if !defined(SPDLOG_COMPILED_LIB) || defined(SPDLOG_SHARED_LIB) || defined(FMT_SHARED) || \
    defined(FMT_HEADER_ONLY)
#error "log_impl.cc is built with SPDLOG_COMPILED_LIB, without the shared or header-only modes"
#endif

#include <mutex>

// ---- fmt: the non-template functions, and the templates format.h declares extern ----
#include <fmt/format-inl.h>

namespace fmt {
FMT_BEGIN_DETAIL_NAMESPACE
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API void vformat_to(buffer<char>&, string_view,
                                 basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
FMT_END_DETAIL_NAMESPACE
}  // namespace fmt

// ---- spdlog: the core (registry, logger, pattern formatter, sinks' bases) ----
#include <spdlog/common-inl.h>
#include <spdlog/details/backtracer-inl.h>
#include <spdlog/details/log_msg-inl.h>
#include <spdlog/details/log_msg_buffer-inl.h>
#include <spdlog/details/os-inl.h>
#include <spdlog/details/periodic_worker-inl.h>
#include <spdlog/details/registry-inl.h>
#include <spdlog/logger-inl.h>
#include <spdlog/pattern_formatter-inl.h>
#include <spdlog/sinks/base_sink-inl.h>
#include <spdlog/sinks/sink-inl.h>
#include <spdlog/spdlog-inl.h>

// ---- spdlog: the sinks core/logging.cc uses, and the registry's default one ----
#include <spdlog/details/file_helper-inl.h>
#include <spdlog/sinks/ansicolor_sink-inl.h>
#include <spdlog/sinks/rotating_file_sink-inl.h>
#include <spdlog/sinks/stdout_sinks-inl.h>

template class spdlog::sinks::base_sink<std::mutex>;
template class spdlog::sinks::rotating_file_sink<std::mutex>;
template class spdlog::sinks::rotating_file_sink<spdlog::details::null_mutex>;
template class spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>;
template class spdlog::sinks::stderr_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_stdout_sink<spdlog::details::console_mutex>;
