// The mount's write policy (DESIGN.md §5): may the caller change a path?
//
// PolicyIndex is an immutable index over one project's claims, built once per
// state change and shared by every FUSE thread without a lock. Claims of
// projects nested inside it or holding it (/mono and /mono/pkg) count by
// absolute path: an inner project's file, directory and pattern claims are
// indexed rebased into this project ("a.ts" in pkg is "pkg/a.ts"); an outer
// one's file and directory claims within this project's root are indexed
// with the prefix stripped (those holding the root cover it all), and its
// patterns that may reach inside are tried on paths rebased by the prefix.
// With one project (the common case) nothing of this costs anything. decide() is a
// pure function of the index, the caller's instance id, the path, the mode and
// the clock: file claims by exact path, directory claims by each ancestor of
// the path, pattern claims by their compiled glob. Liveness and expiry are
// evaluated at decision time, so a claim whose holder goes stale stops
// blocking without a rebuild.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/engine.h"
#include "core/glob.h"
#include "core/model.h"

namespace aio {

enum class MountMode { kEnforce, kStrict, kAdvisory };
std::string_view to_string(MountMode m);
std::optional<MountMode> parse_mount_mode(std::string_view s);

// Write-class operations the guard asks about (for logs and denials).
enum class WriteOp {
  kOpen,  // open for writing or with O_TRUNC
  kCreate,
  kMknod,
  kMkdir,
  kUnlink,
  kRmdir,
  kRename,
  kLink,
  kSymlink,
  kSetattr,  // truncate, chmod, chown, utimens
  kSetxattr,
  kRemovexattr,
};
// Writes, fallocate and copy_file_range go through a handle that was judged
// when it was opened for writing.
std::string_view to_string(WriteOp op);

struct Decision {
  bool allowed = true;
  bool would_refuse = false;         // advisory mode: allowed, but enforce would refuse
  const Claim* claim = nullptr;      // the blocking claim (null: strict mode, nothing held)
  const Instance* holder = nullptr;  // its instance
  bool mine = false;                 // an active claim of the caller covers the path
  std::string reason;                // human sentence for logs and .aio/denials
};

class PolicyIndex {
 public:
  // Indexes the claims of `project` (absolute, normalised) and of projects
  // nested with it. The index keeps `state` alive; pointers in Decisions
  // point into it.
  PolicyIndex(std::shared_ptr<const State> state, std::string project);

  const State& state() const { return *state_; }
  const std::string& project() const { return project_; }
  size_t claim_count() const { return count_; }

  // `me` is the caller's live instance id ("" for anonymous). `rel` is the
  // canonical project-relative path. With `subtree`, the operation also
  // changes everything beneath rel (renaming a directory), so file and
  // directory claims inside it count too. Patterns are not judged on what
  // could exist beneath rel (nearly every "**/*.x" could): the caller asks
  // patterns_reach_inside() and then decides each entry that does exist.
  Decision decide(std::string_view me, std::string_view rel, bool subtree, MountMode mode,
                  const Clock& clock) const;
  // A change to paths that could not all be found (`what` names them for
  // the reason): refused when any active claim of another instance is
  // indexed (one of those paths may be what it covers), and in strict mode.
  Decision decide_unknown(std::string_view me, std::string_view what, MountMode mode,
                          const Clock& clock) const;
  // Some active pattern claim of another instance could cover a path
  // strictly beneath `dir`.
  bool patterns_reach_inside(std::string_view me, std::string_view dir, const Clock& clock) const;
  // `me` is an instance of this project whose own autoClaim is set (one
  // test of an empty list when no instance has it).
  bool auto_claimer(std::string_view me) const {
    if (auto_claimers_.empty() || me.empty()) return false;
    for (const auto& id : auto_claimers_)
      if (id == me) return true;
    return false;
  }

 private:
  struct Entry {
    const Claim* claim;
    const Instance* holder;            // null when the instance is gone
    std::shared_ptr<const Glob> glob;  // patterns only
  };
  // Hash maps looked up by string_view without building a string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  template <typename V>
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
  // Pattern claims, and indexes into them by a condition a covered path
  // must meet (see add()), so that only the few that can cover a path run.
  struct Patterns {
    std::vector<Entry> all;
    Map<std::vector<size_t>> by_prefix, by_segment, by_ext;
    std::vector<size_t> general;
    // `text` is the pattern as this index's paths name it.
    void add(Entry e, std::string_view text);
    // fn(entry) for each pattern covering `path`.
    template <typename Fn>
    void covering(std::string_view path, Fn&& fn) const;
  };
  // The patterns of a project holding this one, whose root it names `prefix`.
  struct Outer {
    std::string prefix;
    Patterns patterns;
  };

  bool active(const Entry& e, const Clock& c) const;
  // The decision once the claims are considered: `blocking` (null when
  // none) refuses, strict mode refuses what is not `mine`, advisory mode
  // only says what it would refuse. `shown` names the path in the reason.
  static Decision verdict(const Entry* blocking, bool mine, std::string_view me,
                          const std::string& shown, const std::string& project, MountMode mode);
  // Indexes `claim` as this project names `target` (its own, or rebased).
  void add(Entry e, std::string target);
  // A claim of the project holding this one at `prefix`.
  void add_outer(Entry e, const std::string& prefix);

  std::shared_ptr<const State> state_;
  std::string project_;
  size_t count_ = 0;
  Map<std::vector<Entry>> files_;
  Map<std::vector<Entry>> dirs_;
  Patterns patterns_;
  std::vector<Outer> outer_;                // usually empty
  std::vector<std::string> auto_claimers_;  // instances of the project with autoClaim
};

}  // namespace aio
