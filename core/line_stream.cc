#include "core/line_stream.h"

#include "core/text.h"

namespace aio {

Result<std::vector<std::string>> LineStream::feed(std::string_view data, int64_t offset,
                                                  bool append) {
  if (!append && offset != pos_)
    return Status::invalid("write at offset " + std::to_string(offset) +
                           ", but this handle stands at " + std::to_string(pos_) +
                           ": .aio files take lines in order (append, or write sequentially)");
  fed_ = data.size();
  ends_inside_line_ = !data.empty() && data.back() != '\n';
  size_t nl = data.find('\n');
  if (skipping_) {
    refuse();
    return Status::invalid(nl == std::string_view::npos
                               ? "the rest of a refused line"
                               : "the end of a refused line, and what followed it");
  }
  std::vector<std::string> lines;
  std::string_view rest = data;
  std::string_view head = pending_;
  while (nl != std::string_view::npos) {
    if (head.size() + nl > max_) break;
    std::string line;
    line.reserve(head.size() + nl);
    line.append(head).append(rest.substr(0, nl));
    lines.push_back(std::move(line));
    head = {};
    rest.remove_prefix(nl + 1);
    nl = rest.find('\n');
  }
  if (head.size() + (nl == std::string_view::npos ? rest.size() : nl) > max_) {
    std::string start = std::string(head.substr(0, 64)).append(rest.substr(0, 64));
    refuse();
    return Status::invalid("line longer than " + std::to_string(max_) + " bytes: '" +
                           excerpt(start) + "'");
  }
  next_pending_.assign(head).append(rest);
  return lines;
}

void LineStream::accept() {
  pending_ = std::move(next_pending_);
  next_pending_.clear();
  pos_ += static_cast<int64_t>(fed_);
  fed_ = 0;
}

void LineStream::refuse() {
  pending_.clear();
  next_pending_.clear();
  skipping_ = ends_inside_line_;
  fed_ = 0;
}

}  // namespace aio
