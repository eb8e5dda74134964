// shell_writes' handlers for the commands that write the files they are
// given (core/shell_walk.h), and the option reading they share.
#include <string>
#include <utility>

#include "core/shell_walk.h"

namespace aio::shell {

bool Opts::has(std::string_view l) const {
  for (const std::string& x : longs)
    if (x == l) return true;
  return false;
}

const Word* Opts::value(std::string_view short_name, std::string_view long_name) const {
  const Word* found = nullptr;  // the last one given wins
  for (const auto& [k, v] : values)
    if (k == short_name || k == long_name) found = &v;
  return found;
}

Word slice(const Word& w, size_t pos) {
  Word s;
  s.text = w.text.substr(std::min(pos, w.text.size()));
  s.dynamic = w.dynamic;
  s.glob = w.glob;
  s.quoted = w.quoted;
  s.procsub = w.procsub;
  return s;
}

Opts parse_opts(const std::vector<const Word*>& args, size_t from, const OptSpec& spec) {
  Opts o;
  bool end = false;
  for (size_t k = from; k < args.size(); ++k) {
    const Word& w = *args[k];
    const std::string& s = w.text;
    if (end || s.size() < 2 || s[0] != '-') {
      o.operands.push_back(slice(w, 0));
    } else if (s == "--") {
      end = true;
    } else if (s[1] == '-') {
      const size_t eq = s.find('=');
      std::string name = s.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) {
        o.values.emplace_back(std::move(name), slice(w, eq + 1));
      } else if (spec.long_arg.find(" " + name + " ") != std::string_view::npos &&
                 k + 1 < args.size()) {
        o.values.emplace_back(std::move(name), slice(*args[++k], 0));
      } else {
        o.longs.push_back(std::move(name));
      }
    } else {
      for (size_t j = 1; j < s.size(); ++j) {
        if (spec.short_arg.find(s[j]) == std::string_view::npos) {
          o.shorts += s[j];
        } else if (j + 1 < s.size()) {
          o.values.emplace_back(std::string(1, s[j]), slice(w, j + 1));
          break;
        } else if (k + 1 < args.size()) {
          o.values.emplace_back(std::string(1, s[j]), slice(*args[++k], 0));
        }
      }
    }
  }
  return o;
}

namespace {

// DIR/NAME for a source moved, copied or linked into directory `dir`.
Word into(const Word& dir, const Word& src, bool parents) {
  Word r = slice(dir, 0);
  const std::string_view name = parents ? std::string_view(src.text) : base_name(src.text);
  if (name.empty()) r.glob = true;  // no name to join: not listed
  if (!r.text.empty() && !r.text.ends_with('/')) r.text += '/';
  r.text += name;
  r.dynamic |= src.dynamic;
  r.glob |= src.glob;
  return r;
}

// mv/cp/ln/install/git mv: sources (listed when `src_how` is given) and
// where they land.
void land(Walker& w, const Opts& o, const Cwd& cwd, std::string_view src_how,
          std::string_view dst_how, bool single_here) {
  const std::vector<Word>& ops = o.operands;
  const Word* dir = o.value("t", "target-directory");
  std::vector<Word> sources;
  if (dir) {
    sources = ops;
  } else if (ops.size() >= 2) {
    sources.assign(ops.begin(), ops.end() - 1);
  } else if (ops.size() == 1 && single_here) {  // ln TARGET: ./basename(TARGET)
    const Word here;
    return w.add(into(here, ops[0], false), cwd, dst_how);
  } else {
    return;
  }
  if (!src_how.empty())
    for (const Word& s : sources) w.add(s, cwd, src_how);
  if (!dir) {
    const Word& dst = ops.back();
    const bool no_dir = o.has('T') || o.has("no-target-directory");
    const bool into_dir = sources.size() > 1 || dst.text.ends_with('/') || o.has("parents");
    if (no_dir || !into_dir) {
      return w.add(dst, cwd, dst_how);
    }
    dir = &dst;
  }
  for (const Word& s : sources) w.add(into(*dir, s, o.has("parents")), cwd, dst_how);
}

}  // namespace

void h_tee(Walker& w, Command& c) {
  for (const Word& f : parse_opts(c.args, 0, {}).operands)
    if (f.text != "-") w.add(f, *c.cwd, "tee");
}

// rm, rmdir, unlink, mkdir, touch, truncate, shred, sudoedit: every operand.
void h_operands(Walker& w, Command& c) {
  OptSpec spec{};
  if (c.name == "mkdir") spec = {"m", " mode "};
  if (c.name == "touch") spec = {"dtr", " date reference time "};
  if (c.name == "truncate") spec = {"sr", " size reference "};
  if (c.name == "shred") spec = {"ns", " iterations size random-source "};
  if (c.name == "sudoedit") spec = {"ugCDrtUTh", " user group chdir role type host "};
  for (const Word& f : parse_opts(c.args, 0, spec).operands) w.add(f, *c.cwd, c.name);
}

void h_move(Walker& w, Command& c) {
  const bool inst = c.name == "install";
  const OptSpec spec = inst ? OptSpec{"mogSt", " mode owner group suffix target-directory "}
                            : OptSpec{"St", " suffix target-directory "};
  Opts o = parse_opts(c.args, 0, spec);
  if (inst && (o.has('d') || o.has("directory"))) {
    for (const Word& d : o.operands) w.add(d, *c.cwd, "install");
    return;
  }
  const bool mv = c.name == "mv";
  land(w, o, *c.cwd, mv ? "mv" : "", mv ? "mv to" : c.name, c.name == "ln");
}

void h_dd(Walker& w, Command& c) {
  for (const Word* a : c.args)
    if (a->text.starts_with("of=")) w.add(slice(*a, 3), *c.cwd, "dd");
}

// sed: -i[SUFFIX] / --in-place[=SUFFIX]; the script from -e/-f, else the
// first operand; the other operands are the files edited in place.
void h_sed(Walker& w, Command& c) {
  bool in_place = false, script = false, end = false;
  std::vector<const Word*> files;
  for (size_t k = 0; k < c.args.size(); ++k) {
    const std::string& s = c.args[k]->text;
    if (end || s.size() < 2 || s[0] != '-') {
      if (script) {
        files.push_back(c.args[k]);
      } else {
        script = true;
      }
    } else if (s == "--") {
      end = true;
    } else if (s[1] == '-') {
      const std::string name = s.substr(2, s.find('=') - 2);
      in_place |= name == "in-place";
      const bool takes = name == "expression" || name == "file" || name == "line-length";
      script |= name == "expression" || name == "file";
      if (takes && s.find('=') == std::string::npos) ++k;
    } else {
      for (size_t j = 1; j < s.size(); ++j) {
        if (s[j] == 'i') {  // the rest is the backup suffix
          in_place = true;
          break;
        }
        if (s[j] == 'e' || s[j] == 'f' || s[j] == 'l') {
          script |= s[j] != 'l';
          if (j + 1 == s.size()) ++k;  // the argument is the next word
          break;
        }
      }
    }
  }
  if (in_place)
    for (const Word* f : files) w.add(*f, *c.cwd, "sed -i");
}

// perl -i[EXT]: the program from -e/-E, else the first operand; the other
// operands are edited in place.
void h_perl(Walker& w, Command& c) {
  bool in_place = false, script = false, end = false;
  std::vector<const Word*> files;
  for (size_t k = 0; k < c.args.size(); ++k) {
    const std::string& s = c.args[k]->text;
    if (end || s.size() < 2 || s[0] != '-') {
      if (script) {
        files.push_back(c.args[k]);
      } else {
        script = true;
      }
      continue;
    }
    if (s == "--") {
      end = true;
      continue;
    }
    for (size_t j = 1; j < s.size(); ++j) {
      const char o = s[j];
      if (o == 'i') in_place = true;
      if (o == 'e' || o == 'E' || o == 'I' || o == 'M' || o == 'm') {
        script |= o == 'e' || o == 'E';
        if (j + 1 == s.size()) ++k;
        break;
      }
      if (std::string_view("il0FCdDx").find(o) != std::string_view::npos) break;  // takes the rest
    }
  }
  if (in_place)
    for (const Word* f : files) w.add(*f, *c.cwd, "perl -i");
}

namespace {

void git_sub(Walker& w, const std::string& sub, const std::vector<const Word*>& rest,
             const Cwd& cwd) {
  if (sub == "checkout") {
    bool after = false, branch = false;
    for (const Word* a : rest) {
      if (after) w.add(*a, cwd, "git checkout");
      after |= a->text == "--";
      branch |= a->text == "-b" || a->text == "-B" || a->text == "--orphan";
    }
    if (!after && !branch) w.incomplete();  // a branch's files
  } else if (sub == "restore") {
    Opts o = parse_opts(rest, 0, {"s", " source pathspec-from-file "});
    if (o.value("", "pathspec-from-file")) return w.incomplete();
    if ((o.has('S') || o.has("staged")) && !o.has('W') && !o.has("worktree")) return;
    for (const Word& f : o.operands) w.add(f, cwd, "git restore");
  } else if (sub == "rm") {
    Opts o = parse_opts(rest, 0, {"", " pathspec-from-file "});
    if (o.value("", "pathspec-from-file")) return w.incomplete();
    if (o.has("cached") || o.has('n') || o.has("dry-run")) return;
    for (const Word& f : o.operands) w.add(f, cwd, "git rm");
  } else if (sub == "mv") {
    land(w, parse_opts(rest, 0, {}), cwd, "git mv", "git mv to", false);
  } else if (sub == "switch" || sub == "reset" || sub == "stash" || sub == "pull" ||
             sub == "merge" || sub == "rebase" || sub == "cherry-pick" || sub == "revert" ||
             sub == "apply" || sub == "am" || sub == "clean") {
    w.incomplete();  // files nobody can name from here
  }
}

}  // namespace

// git [-C DIR] [-c k=v] [--options] SUBCOMMAND …
void h_git(Walker& w, Command& c) {
  Cwd to = *c.cwd;
  size_t k = 0;
  for (; k < c.args.size(); ++k) {
    const Word& a = *c.args[k];
    if (a.text == "-C" && k + 1 < c.args.size()) {
      const Word& d = *c.args[++k];
      if (d.text.starts_with('/') && !d.dynamic && !d.glob) {
        to = d.text;
      } else if (d.dynamic || d.glob || !to) {
        to.reset();
      } else {
        to = to->empty() ? d.text : *to + "/" + d.text;
      }
    } else if (a.text == "-c" || a.text == "--git-dir" || a.text == "--namespace") {
      ++k;
    } else if (a.text.starts_with("--work-tree") || a.text == "--exec-path") {
      w.incomplete();
      k += a.text == "--work-tree";
    } else if (!a.text.starts_with('-')) {
      break;
    }
  }
  if (k >= c.args.size()) return;
  if (!to) w.incomplete();
  std::vector<const Word*> rest(c.args.begin() + static_cast<std::ptrdiff_t>(k) + 1, c.args.end());
  git_sub(w, c.args[k]->text, rest, to);
}

void h_find(Walker& w, Command& c) {
  for (const Word* a : c.args) {
    const std::string& s = a->text;
    if (s == "-delete" || s == "-exec" || s == "-execdir" || s == "-ok" || s == "-okdir" ||
        s.starts_with("-fprint") || s == "-fls") {
      return w.incomplete();
    }
  }
}

void h_patch(Walker& w, Command& c) {
  for (const Word* a : c.args)
    if (a->text == "--dry-run") return;
  w.incomplete();  // the files are named inside the diff
}

}  // namespace aio::shell
