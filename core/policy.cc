#include "core/policy.h"

#include <algorithm>

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

PolicyIndex::PolicyIndex(std::shared_ptr<const State> state, std::string project)
    : state_(std::move(state)), project_(std::move(project)) {
  for (const auto& [id, inst] : state_->instances)
    if (inst.auto_claim && inst.project == project_) auto_claimers_.push_back(id);
  for (const auto& [id, claim] : state_->claims) {
    if (claim.type == ClaimType::kTask) continue;
    bool own = claim.project == project_;
    std::optional<std::string> inner, outer;  // the prefix between the two roots
    if (!own && !(inner = relative_to(project_, claim.project)) &&
        !(outer = relative_to(claim.project, project_)))
      continue;
    auto it = state_->instances.find(claim.instance_id);
    if (it == state_->instances.end()) continue;  // orphaned claims never block
    Entry e{&claim, &it->second, nullptr};
    if (own)
      add(std::move(e), claim.target);
    else if (inner)
      add(std::move(e), claim.type == ClaimType::kPattern ? rebase_pattern(*inner, claim.target)
                                                          : join_rel(*inner, claim.target));
    else
      add_outer(std::move(e), *outer);
  }
}

void PolicyIndex::add(Entry e, std::string target) {
  switch (e.claim->type) {
    case ClaimType::kFile:
      files_[std::move(target)].push_back(std::move(e));
      break;
    case ClaimType::kDirectory:
      dirs_[std::move(target)].push_back(std::move(e));
      break;
    case ClaimType::kPattern:
      e.glob = Glob::cached(target);
      if (!e.glob) return;
      patterns_.add(std::move(e), target);
      break;
    case ClaimType::kTask:
      return;
  }
  ++count_;
}

void PolicyIndex::add_outer(Entry e, const std::string& prefix) {
  const std::string& target = e.claim->target;
  if (e.claim->type == ClaimType::kPattern) {
    // Tried on paths rebased by the prefix, if it can cover any of them.
    e.glob = Glob::cached(target);
    if (!e.glob || !e.glob->covers_something_inside(prefix)) return;
    auto it = std::find_if(outer_.begin(), outer_.end(),
                           [&](const Outer& o) { return o.prefix == prefix; });
    if (it == outer_.end()) it = outer_.insert(outer_.end(), Outer{prefix, {}});
    it->patterns.add(std::move(e), target);
    ++count_;
  } else if (is_within(prefix, target)) {
    add(std::move(e), target.size() == prefix.size() ? "" : target.substr(prefix.size() + 1));
  } else if (e.claim->type == ClaimType::kDirectory && is_within(target, prefix)) {
    add(std::move(e), "");  // a directory holding this project's root covers it all
  }
}

// Every pattern goes to one bucket that names a necessary condition for it
// to cover a path, so covering() compiles-and-runs only the few that can:
//  - anchored, starting with literal segments ("src/g5/**/*.ts"): the path
//    starts with them -> by_prefix["src/g5"];
//  - "**/NAME" with a literal last segment: some segment of the path is NAME
//    -> by_segment["NAME"];
//  - "**/.../*.ext" (last segment a '*' then literal text with a '.', which
//    covers nothing beneath): the path's basename ends in ".ext"
//    -> by_ext[".ext"];
//  - anything else -> general (always tried).
void PolicyIndex::Patterns::add(Entry e, std::string_view pattern) {
  size_t index = all.size();
  all.push_back(std::move(e));
  if (!pattern.empty() && pattern.front() == '/') pattern.remove_prefix(1);
  auto segs = segments(pattern);
  if (segs.empty()) {
    general.push_back(index);
    return;
  }
  if (segs.front() != "**") {
    size_t n = 0;
    while (n < segs.size() && literal_segment(segs[n])) ++n;
    if (n == 0) {
      general.push_back(index);
      return;
    }
    std::string_view first = segs.front(), last = segs[n - 1];
    by_prefix[std::string(first.data(), last.data() + last.size() - first.data())].push_back(index);
    return;
  }
  std::string_view last = segs.back();
  if (literal_segment(last)) {
    by_segment[std::string(last)].push_back(index);
    return;
  }
  std::string_view rest = last.substr(1);
  if (last.front() == '*' && !rest.empty() && literal_segment(rest) && !extension(rest).empty()) {
    by_ext[std::string(extension(rest))].push_back(index);
    return;
  }
  general.push_back(index);
}

template <typename Fn>
void PolicyIndex::Patterns::covering(std::string_view path, Fn&& fn) const {
  auto try_patterns = [&](const std::vector<size_t>& indexes) {
    for (size_t i : indexes)
      if (all[i].glob->covers(path)) fn(all[i]);
  };
  try_patterns(general);
  if (!by_prefix.empty())
    for (size_t end = path.find('/');; end = path.find('/', end + 1)) {  // each ancestor-or-self
      if (auto it = by_prefix.find(path.substr(0, end)); it != by_prefix.end())
        try_patterns(it->second);
      if (end == std::string_view::npos) break;
    }
  if (by_segment.empty() && by_ext.empty()) return;
  auto segs = segments(path);
  if (!by_segment.empty())
    for (std::string_view seg : segs)
      if (auto it = by_segment.find(seg); it != by_segment.end()) try_patterns(it->second);
  if (!by_ext.empty() && !segs.empty())
    if (auto it = by_ext.find(extension(segs.back())); it != by_ext.end()) try_patterns(it->second);
}

bool PolicyIndex::active(const Entry& e, const Clock& c) const {
  if (e.claim->expires_at && *e.claim->expires_at <= c.now) return false;
  return is_live(*e.holder, c);
}

bool PolicyIndex::patterns_reach_inside(std::string_view me, std::string_view dir,
                                        const Clock& clock) const {
  auto reach = [&](const Patterns& ps, std::string_view d) {
    for (const auto& e : ps.all)
      if (e.claim->instance_id != me && active(e, clock) && e.glob->covers_something_inside(d))
        return true;
    return false;
  };
  if (reach(patterns_, dir)) return true;
  for (const auto& o : outer_)
    if (reach(o.patterns, join_rel(o.prefix, dir))) return true;
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
    patterns_.covering(rel, consider);
    for (const auto& o : outer_) o.patterns.covering(join_rel(o.prefix, rel), consider);
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

  return verdict(blocking, mine, me, rel.empty() ? std::string(".") : std::string(rel), project_,
                 mode);
}

Decision PolicyIndex::decide_unknown(std::string_view me, std::string_view what, MountMode mode,
                                     const Clock& clock) const {
  const Entry* blocking = nullptr;
  auto first_other = [&](const Entry& e) {
    if (!blocking && e.claim->instance_id != me && active(e, clock)) blocking = &e;
  };
  for (const auto* map : {&files_, &dirs_})
    for (const auto& [target, entries] : *map)
      for (const auto& e : entries) first_other(e);
  for (const auto& e : patterns_.all) first_other(e);
  for (const auto& o : outer_)
    for (const auto& e : o.patterns.all) first_other(e);
  Decision d = verdict(blocking, false, me, std::string(what), project_, mode);
  if (blocking)
    d.reason = std::string(what) + "; " +
               describe_holder({blocking->claim, blocking->holder}, project_) +
               " holds claims that may cover it";
  return d;
}

Decision PolicyIndex::verdict(const Entry* blocking, bool mine, std::string_view me,
                              const std::string& shown, const std::string& project,
                              MountMode mode) {
  Decision d;
  d.mine = mine;
  if (blocking) {
    d.allowed = false;
    d.claim = blocking->claim;
    d.holder = blocking->holder;
    d.reason =
        shown + " is claimed by " + describe_holder({blocking->claim, blocking->holder}, project);
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
