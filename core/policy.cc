#include "core/policy.h"

#include "core/path.h"

namespace aio {

std::string_view to_string(MountMode m) {
  switch (m) {
    case MountMode::kEnforce:
      return "enforce";
    case MountMode::kStrict:
      return "strict";
    case MountMode::kAdvisory:
      return "advisory";
  }
  return "enforce";
}

std::optional<MountMode> parse_mount_mode(std::string_view s) {
  if (s == "enforce") return MountMode::kEnforce;
  if (s == "strict") return MountMode::kStrict;
  if (s == "advisory") return MountMode::kAdvisory;
  return std::nullopt;
}

std::string_view to_string(WriteOp op) {
  switch (op) {
    case WriteOp::kOpen:
      return "open-for-write";
    case WriteOp::kCreate:
      return "create";
    case WriteOp::kMknod:
      return "mknod";
    case WriteOp::kMkdir:
      return "mkdir";
    case WriteOp::kUnlink:
      return "unlink";
    case WriteOp::kRmdir:
      return "rmdir";
    case WriteOp::kRename:
      return "rename";
    case WriteOp::kLink:
      return "link";
    case WriteOp::kSymlink:
      return "symlink";
    case WriteOp::kSetattr:
      return "setattr";
    case WriteOp::kSetxattr:
      return "setxattr";
    case WriteOp::kRemovexattr:
      return "removexattr";
  }
  return "write";
}

PolicyIndex::PolicyIndex(std::shared_ptr<const State> state, std::string project)
    : state_(std::move(state)), project_(std::move(project)) {
  for (const auto& [id, inst] : state_->instances)
    if (inst.auto_claim && inst.project == project_) auto_claimers_.push_back(id);
  for (const auto& [id, claim] : state_->claims) {
    if (claim.project != project_ || claim.type == ClaimType::kTask) continue;
    auto it = state_->instances.find(claim.instance_id);
    Entry e{&claim, it == state_->instances.end() ? nullptr : &it->second, nullptr};
    if (!e.holder) continue;  // orphaned claims never block
    ++count_;
    switch (claim.type) {
      case ClaimType::kFile:
        files_[claim.target].push_back(e);
        break;
      case ClaimType::kDirectory:
        dirs_[claim.target].push_back(e);
        break;
      case ClaimType::kPattern:
        e.glob = Glob::cached(claim.target);
        if (e.glob) {
          bucket(claim.target, patterns_.size());
          patterns_.push_back(std::move(e));
        }
        break;
      case ClaimType::kTask:
        break;
    }
  }
}

namespace {

// A segment without glob syntax ('*', '?', '[', or an escape).
bool literal_segment(std::string_view seg) {
  return !seg.empty() && seg != "**" && seg.find_first_of("*?[\\") == std::string_view::npos;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

// ".go" of "x.gen.go"; "" when the name has no '.' after its first character.
std::string_view extension(std::string_view name) {
  size_t dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : name.substr(dot);
}

}  // namespace

// Every pattern goes to one bucket that names a necessary condition for it
// to cover a path, so decide() compiles-and-runs only the few that can:
//  - anchored, starting with literal segments ("src/g5/**/*.ts"): the path
//    starts with them -> by_prefix_["src/g5"];
//  - "**/NAME" with a literal last segment: some segment of the path is NAME
//    -> by_segment_["NAME"];
//  - "**/.../*.ext" (last segment a '*' then literal text with a '.', which
//    covers nothing beneath): the path's basename ends in ".ext"
//    -> by_ext_[".ext"];
//  - anything else -> general_ (always tried).
void PolicyIndex::bucket(std::string_view pattern, size_t index) {
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  auto segs = segments(pattern);
  if (segs.empty()) {
    general_.push_back(index);
    return;
  }
  if (segs.front() != "**") {
    size_t n = 0;
    while (n < segs.size() && literal_segment(segs[n])) ++n;
    if (n == 0) {
      general_.push_back(index);
      return;
    }
    std::string_view first = segs.front(), last = segs[n - 1];
    by_prefix_[std::string(first.data(), last.data() + last.size() - first.data())].push_back(
        index);
    return;
  }
  std::string_view last = segs.back();
  if (literal_segment(last)) {
    by_segment_[std::string(last)].push_back(index);
    return;
  }
  std::string_view rest = last.substr(1);
  if (last.front() == '*' && !rest.empty() && literal_segment(rest) && !extension(rest).empty()) {
    by_ext_[std::string(extension(rest))].push_back(index);
    return;
  }
  general_.push_back(index);
}

bool PolicyIndex::active(const Entry& e, const Clock& c) const {
  if (e.claim->expires_at && *e.claim->expires_at <= c.now) return false;
  return is_live(*e.holder, c);
}

bool PolicyIndex::patterns_reach_inside(std::string_view me, std::string_view dir,
                                        const Clock& clock) const {
  for (const auto& e : patterns_)
    if (e.claim->instance_id != me && active(e, clock) && e.glob->covers_something_inside(dir))
      return true;
  return false;
}

Decision PolicyIndex::decide(std::string_view me, std::string_view rel, bool subtree,
                             MountMode mode, const Clock& clock) const {
  const Entry* blocking = nullptr;
  bool mine = false;
  auto consider = [&](const Entry& e) {
    if (!active(e, clock)) return;
    if (!me.empty() && e.claim->instance_id == me) {
      mine = true;
    } else if (!blocking) {
      blocking = &e;
    }
  };
  if (count_ > 0) {
    std::string_view key = rel;
    if (auto it = files_.find(key); it != files_.end())
      for (const auto& e : it->second) consider(e);
    // Directory claims on rel and on each of its ancestors, up to the root "".
    for (size_t end = key.size();;) {
      if (auto it = dirs_.find(key.substr(0, end)); it != dirs_.end())
        for (const auto& e : it->second) consider(e);
      if (end == 0) break;
      size_t slash = key.rfind('/', end - 1);
      end = slash == std::string::npos ? 0 : slash;
    }
    auto try_patterns = [&](const std::vector<size_t>& indexes) {
      for (size_t i : indexes)
        if (patterns_[i].glob->covers(rel)) consider(patterns_[i]);
    };
    try_patterns(general_);
    if (!by_prefix_.empty())
      for (size_t end = key.find('/');; end = key.find('/', end + 1)) {  // each ancestor-or-self
        if (auto it = by_prefix_.find(key.substr(0, end)); it != by_prefix_.end())
          try_patterns(it->second);
        if (end == std::string::npos) break;
      }
    auto segs = segments(rel);
    if (!by_segment_.empty())
      for (std::string_view seg : segs)
        if (auto it = by_segment_.find(seg); it != by_segment_.end()) try_patterns(it->second);
    if (!by_ext_.empty() && !segs.empty())
      if (auto it = by_ext_.find(extension(segs.back())); it != by_ext_.end())
        try_patterns(it->second);
    if (subtree && !blocking) {
      // Claims strictly beneath rel are changed by the operation too.
      for (const auto& [target, entries] : files_)
        if (target != key && is_within(key, target))
          for (const auto& e : entries) consider(e);
      for (const auto& [target, entries] : dirs_)
        if (target != key && is_within(key, target))
          for (const auto& e : entries) consider(e);
    }
  }

  Decision d;
  d.mine = mine;
  std::string shown = rel.empty() ? std::string(".") : std::string(rel);
  if (blocking) {
    d.allowed = false;
    d.claim = blocking->claim;
    d.holder = blocking->holder;
    d.reason = shown + " is claimed by " + describe_holder({blocking->claim, blocking->holder});
  } else if (mode == MountMode::kStrict && !mine) {
    d.allowed = false;
    d.reason = me.empty() ? "strict mode: an anonymous process may not change " + shown
                          : "strict mode: " + std::string(me) + " holds no claim on " + shown;
  }
  if (!d.allowed && mode == MountMode::kAdvisory) {
    d.allowed = true;
    d.would_refuse = true;
  }
  return d;
}

}  // namespace aio
