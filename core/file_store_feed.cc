// FileStore's change feed: inotify on $AIO_HOME, reporting a change when
// state.json or journal.jsonl was written, created or renamed into place.
// A command that returned has queued its event before its caller goes on,
// so a decision taken after drain() sees what that command did.
#include <errno.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include "core/file_store.h"

namespace aio {
namespace {

class InotifyFeed final : public ChangeFeed {
 public:
  explicit InotifyFeed(int fd) : fd_(fd) {}
  ~InotifyFeed() override { close(fd_); }

  bool pending() override {
    int queued = 0;
    return ioctl(fd_, FIONREAD, &queued) != 0 || queued > 0;
  }

  bool drain() override {
    bool changed = false;
    alignas(struct inotify_event) char buf[4096];
    for (;;) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        if (ev->len > 0 &&
            (strcmp(ev->name, "state.json") == 0 || strcmp(ev->name, "journal.jsonl") == 0))
          changed = true;
        if (ev->mask & IN_Q_OVERFLOW) changed = true;
        p += sizeof(struct inotify_event) + ev->len;
      }
    }
    return changed;
  }

  std::string trouble() const override { return ""; }

 private:
  int fd_;
};

}  // namespace

Result<std::unique_ptr<ChangeFeed>> FileStore::watch() {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::sys("inotify_init1", errno);
  if (inotify_add_watch(fd, home_.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE) < 0) {
    int err = errno;
    close(fd);
    return Status::sys("cannot watch " + home_, err);
  }
  return std::unique_ptr<ChangeFeed>(std::make_unique<InotifyFeed>(fd));
}

}  // namespace aio
