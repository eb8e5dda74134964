#include "core/status.h"

#include <cstring>

namespace aio {

Status Status::sys(const std::string& what, int err) {
  Status s(Code::kState, what + " (" + std::strerror(err) + ")");
  s.sys_errno_ = err;
  return s;
}

int Status::to_errno() const {
  switch (code_) {
    case Code::kOk:
      return 0;
    case Code::kRefused:
      return EACCES;
    case Code::kInvalid:
      return EINVAL;
    case Code::kState:
      // What the caller can act on (free space, a writable home) rather
      // than an I/O error.
      if (sys_errno_ == ENOSPC || sys_errno_ == EDQUOT || sys_errno_ == EROFS) return sys_errno_;
      return EIO;
  }
  return EIO;
}

}  // namespace aio
