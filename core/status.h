// Status and Result<T>: how errors cross module borders (no exceptions).
//
// Each Code maps to one CLI exit code (see exit_code()) and one errno at the
// FUSE boundary (see to_errno()):
//   kOk       0  ok
//   kRefused  1  conflict, claimed by another, not yours, unknown identity
//   kInvalid  2  usage or bad input (nothing was changed)
//   kState    3  state file unreadable/corrupt, or a system call failed
//                (EIO; but ENOSPC, EDQUOT and EROFS from the failed call go
//                through as they are, so a full disk says so)
#pragma once

#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace aio {

enum class Code { kOk = 0, kRefused = 1, kInvalid = 2, kState = 3 };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status refused(std::string m) { return {Code::kRefused, std::move(m)}; }
  static Status invalid(std::string m) { return {Code::kInvalid, std::move(m)}; }
  static Status state(std::string m) { return {Code::kState, std::move(m)}; }
  // A failed system call: "<what> (<strerror(err)>)".
  static Status sys(const std::string& what, int err);

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  int exit_code() const { return static_cast<int>(code_); }
  int to_errno() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  int sys_errno_ = 0;  // the errno of a failed system call (sys())
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}     // NOLINT: must not be ok

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace aio

// Propagate a non-ok Status from an expression returning Status.
#define AIO_RETURN_IF_ERROR(expr)       \
  do {                                  \
    ::aio::Status aio_s_ = (expr);      \
    if (!aio_s_.is_ok()) return aio_s_; \
  } while (0)
