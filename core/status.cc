#include "core/status.h"

#include <cstring>

namespace aio {

Status Status::sys(const std::string& what, int err) {
  return Status(Code::kState, what + " (" + std::strerror(err) + ")");
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
      return EIO;
  }
  return EIO;
}

}  // namespace aio
