// shell_writes' handlers for what changes where or whether other commands
// run: cd/pushd/popd, the wrappers that run the command after their
// options, shells with -c or a heredoc, eval, xargs, apply_patch; and the
// table of every handler (core/shell_walk.h).
#include <algorithm>
#include <array>
#include <utility>

#include "core/shell_walk.h"

namespace aio::shell {

// Writers (shell_commands.cc).
void h_tee(Walker&, Command&);
void h_sed(Walker&, Command&);
void h_perl(Walker&, Command&);
void h_operands(Walker&, Command&);
void h_move(Walker&, Command&);
void h_dd(Walker&, Command&);
void h_git(Walker&, Command&);
void h_find(Walker&, Command&);
void h_patch(Walker&, Command&);

namespace {

constexpr int kMaxWraps = 16;  // `sudo env nice timeout …`: deeper is not followed

std::string joined(const Cwd& cwd, const Word& dir) {
  if (dir.text == ".") return *cwd;
  if (dir.text.starts_with('/') || cwd->empty()) return dir.text;
  return cwd->back() == '/' ? *cwd + dir.text : *cwd + "/" + dir.text;
}

// The directory `dir` names from `cwd` (nullopt when it cannot be told).
Cwd change_dir(const Cwd& cwd, const Word* dir) {
  if (!dir || dir->dynamic || dir->glob || dir->text.empty() || dir->text == "-") return {};
  if (!cwd && !dir->text.starts_with('/')) return {};
  return cwd ? joined(cwd, *dir) : dir->text;
}

void set_cwd(Walker& w, Command& c, Cwd to) {
  if (c.piped) return;  // in a subshell: gone with it
  if (!to) w.incomplete();
  *c.cwd = std::move(to);
}

// cd [-L|-P|-e|-@] [--] DIR
void h_cd(Walker& w, Command& c) {
  Opts o = parse_opts(c.args, 0, {});
  set_cwd(w, c, change_dir(*c.cwd, o.operands.size() == 1 ? &o.operands[0] : nullptr));
}

void h_pushd(Walker& w, Command& c) {
  Opts o = parse_opts(c.args, 0, {});
  const Word* dir =
      o.operands.size() == 1 && !o.operands[0].text.starts_with('+') ? &o.operands[0] : nullptr;
  if (!c.piped) w.dirstack.push_back(*c.cwd);
  set_cwd(w, c, change_dir(*c.cwd, dir));
}

void h_popd(Walker& w, Command& c) {
  if (c.piped) return;
  if (w.dirstack.empty() || !c.args.empty()) return set_cwd(w, c, {});
  Cwd to = std::move(w.dirstack.back());
  w.dirstack.pop_back();
  set_cwd(w, c, std::move(to));
}

// Options are read only up to the first operand: the command's own follow.
std::vector<const Word*> head(const Command& c, const OptSpec& spec) {
  std::vector<const Word*> h;
  for (size_t k = 0; k < c.args.size(); ++k) {
    const std::string& s = c.args[k]->text;
    if (s == "--" || !s.starts_with('-') || s == "-") break;
    h.push_back(c.args[k]);
    const bool takes = s.size() == 2 && spec.short_arg.find(s[1]) != std::string_view::npos;
    const bool long_takes = s.starts_with("--") && s.find('=') == std::string::npos &&
                            spec.long_arg.find(" " + s.substr(2) + " ") != std::string::npos;
    if ((takes || long_takes) && k + 1 < c.args.size()) h.push_back(c.args[++k]);
  }
  return h;
}

void unwrap(Walker& w, Command& c, const OptSpec& spec, bool assignments = false) {
  size_t k = head(c, spec).size();
  if (k < c.args.size() && c.args[k]->text == "--") ++k;
  while (assignments && k < c.args.size() && c.args[k]->text.find('=') != std::string::npos) ++k;
  run_inner(w, c, k);
}

void h_sudo(Walker& w, Command& c) {
  const OptSpec spec{"ugpCDrtUTh",
                     " user group prompt close-from chdir role type other-user host "};
  Opts o = parse_opts(head(c, spec), 0, spec);
  if (o.has('e') || o.has("edit")) {  // sudoedit: the operands are edited
    for (const Word& f : parse_opts(c.args, 0, spec).operands) w.add(f, *c.cwd, "sudo -e");
    return;
  }
  if (const Word* dir = o.value("D", "chdir")) {
    Cwd to = change_dir(*c.cwd, dir);
    if (!to) w.incomplete();
    Command inner = c;
    inner.cwd = &to;
    inner.piped = true;
    return unwrap(w, inner, spec);
  }
  unwrap(w, c, spec);
}

void h_env(Walker& w, Command& c) {
  const OptSpec spec{"uCS", " unset chdir split-string "};
  Opts o = parse_opts(head(c, spec), 0, spec);
  if (o.value("S", "split-string")) return w.incomplete();
  Cwd to = *c.cwd;
  if (const Word* dir = o.value("C", "chdir")) {
    to = change_dir(*c.cwd, dir);
    if (!to) w.incomplete();
  }
  Command inner = c;
  inner.cwd = &to;
  inner.piped = true;  // a cd after env changes nothing here
  unwrap(w, inner, spec, true);
}

void h_nice(Walker& w, Command& c) {
  unwrap(w, c, {"n", " adjustment "});
}
void h_plain(Walker& w, Command& c) {
  unwrap(w, c, {});
}
void h_exec(Walker& w, Command& c) {
  unwrap(w, c, {"a", ""});
}
void h_stdbuf(Walker& w, Command& c) {
  unwrap(w, c, {"ioe", " input output error "});
}
void h_ionice(Walker& w, Command& c) {
  unwrap(w, c, {"cnpPu", " class classdata pid pgid uid "});
}
void h_doas(Walker& w, Command& c) {
  unwrap(w, c, {"uC", ""});
}

void h_command(Walker& w, Command& c) {
  for (const Word* a : head(c, {}))
    if (a->text.find_first_of("vV") != std::string::npos) return;  // command -v: a lookup
  unwrap(w, c, {});
}

// timeout [OPTIONS] DURATION COMMAND…
void h_timeout(Walker& w, Command& c) {
  const OptSpec spec{"sk", " signal kill-after "};
  const size_t k = head(c, spec).size();
  run_inner(w, c, k + 1 + (k < c.args.size() && c.args[k]->text == "--"));
}

// /usr/bin/time: -o FILE is written.
void h_time(Walker& w, Command& c) {
  const OptSpec spec{"fo", " format output "};
  Opts o = parse_opts(head(c, spec), 0, spec);
  if (const Word* out = o.value("o", "output")) w.add(*out, *c.cwd, "time -o");
  unwrap(w, c, spec);
}

// xargs appends operands nobody can see: a command that writes its
// operands cannot be followed.
void h_xargs(Walker& w, Command& c) {
  const OptSpec spec{"adEILnPs",
                     " arg-file delimiter eof max-lines max-args max-procs max-chars "
                     "process-slot-var "};
  const size_t k = head(c, spec).size();
  if (k < c.args.size()) {
    const Word& name = *c.args[k];
    if (name.dynamic || name.glob || handler_for(base_name(name.text))) w.incomplete();
  }
}

// bash/sh/… [-options] -c STRING | SCRIPT | (stdin)
void h_shell(Walker& w, Command& c) {
  size_t k = 0;
  bool cmode = false, stdin_mode = false;
  for (; k < c.args.size(); ++k) {
    const std::string& s = c.args[k]->text;
    if (s == "--" || s == "-") {
      ++k;
      break;
    }
    if (s.starts_with("--")) {
      if ((s == "--rcfile" || s == "--init-file") && k + 1 < c.args.size()) ++k;
      continue;
    }
    if (s.size() < 2 || (s[0] != '-' && s[0] != '+')) break;
    cmode |= s.find('c') != std::string::npos;
    stdin_mode |= s.find('s') != std::string::npos;
    if (s.find_first_of("oO") != std::string::npos && k + 1 < c.args.size()) ++k;
  }
  if (cmode) {
    if (k >= c.args.size() || c.args[k]->dynamic) return w.incomplete();
    return w.run(c.args[k]->text, *c.cwd, c.depth + 1);
  }
  if (k < c.args.size() && !stdin_mode) return;  // a script file: not ours to read
  if (c.stdin_text) return w.run(*c.stdin_text, *c.cwd, c.depth + 1);
  if (!c.stdin_redirected) w.incomplete();  // reads a pipe or the terminal
}

void h_eval(Walker& w, Command& c) {
  std::string script;
  for (const Word* a : c.args) {
    if (a->dynamic) return w.incomplete();
    (script += a->text) += ' ';
  }
  w.run(script, *c.cwd, c.depth + 1);
}

void h_apply_patch(Walker& w, Command& c) {
  const std::string* text = c.args.size() == 1 && !c.args[0]->dynamic ? &c.args[0]->text
                            : c.args.empty()                          ? c.stdin_text
                                                                      : nullptr;
  if (!text) return w.incomplete();
  w.patches.push_back({*c.cwd, *text});
  auto got = parse_patch(*text);
  if (!got) return w.incomplete();
  for (const WriteTarget& t : *got) {
    Word p;
    p.text = t.path;
    w.add(p, *c.cwd, t.how);
  }
}

struct Entry {
  std::string_view name;
  Handler h;
};
constexpr std::array<Entry, 52> kHandlers = {{
    {"apply_patch", h_apply_patch},
    {"applypatch", h_apply_patch},
    {"ash", h_shell},
    {"bash", h_shell},
    {"builtin", h_plain},
    {"cd", h_cd},
    {"chronic", h_plain},
    {"command", h_command},
    {"cp", h_move},
    {"dash", h_shell},
    {"dd", h_dd},
    {"doas", h_doas},
    {"env", h_env},
    {"eval", h_eval},
    {"exec", h_exec},
    {"find", h_find},
    {"git", h_git},
    {"install", h_move},
    {"ionice", h_ionice},
    {"ksh", h_shell},
    {"ln", h_move},
    {"mkdir", h_operands},
    {"mksh", h_shell},
    {"mv", h_move},
    {"nice", h_nice},
    {"nohup", h_plain},
    {"patch", h_patch},
    {"perl", h_perl},
    {"popd", h_popd},
    {"pushd", h_pushd},
    {"rm", h_operands},
    {"rmdir", h_operands},
    {"sed", h_sed},
    {"setsid", h_plain},
    {"sh", h_shell},
    {"shred", h_operands},
    {"stdbuf", h_stdbuf},
    {"sudo", h_sudo},
    {"sudoedit", h_operands},
    {"tee", h_tee},
    {"time", h_time},
    {"timeout", h_timeout},
    {"touch", h_operands},
    {"truncate", h_operands},
    {"unlink", h_operands},
    {"xargs", h_xargs},
    {"zsh", h_shell},
    {"gsed", h_sed},
    {"gtimeout", h_timeout},
    {"busybox", h_plain},
    {"yash", h_shell},
    {"fish", h_shell},
}};

}  // namespace

Handler handler_for(std::string_view name) {
  for (const Entry& e : kHandlers)
    if (e.name == name) return e.h;
  return nullptr;
}

void run_inner(Walker& w, const Command& c, size_t from) {
  if (from >= c.args.size()) return;
  const Word& name = *c.args[from];
  if (name.dynamic || name.glob || c.wraps >= kMaxWraps) return w.incomplete();
  Command inner = c;
  ++inner.wraps;
  inner.name = base_name(name.text);
  inner.args.assign(c.args.begin() + static_cast<std::ptrdiff_t>(from) + 1, c.args.end());
  w.dispatch(inner);
}

}  // namespace aio::shell
