#include "core/shell_walk.h"

#include <utility>

namespace aio::shell {
namespace {

constexpr size_t kMaxTargetBytes = size_t{4} << 20;

bool is_pipe(std::string_view op) {
  return op == "|" || op == "|&";
}

std::string join(const std::string& dir, const std::string& p) {
  if (dir.empty()) return p;
  if (p == ".") return dir;
  return dir.back() == '/' ? dir + p : dir + "/" + p;
}

bool is_dev(std::string_view p) {
  return p == "/dev" || p.starts_with("/dev/");
}

bool is_dup(std::string_view s) {  // ">&2", ">&-", ">&3-"
  if (s == "-") return true;
  if (s.ends_with('-')) s.remove_suffix(1);
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

void Walker::run(std::string_view src, Cwd cwd, int depth) {
  if (stopped) return;
  if (depth > kShellMaxDepth) {
    incomplete();
    return;
  }
  Lexed lexed = lex(src);
  if (!lexed.complete) incomplete();
  walk(lexed.tokens, cwd, depth);
}

void Walker::add(const Word& w, const Cwd& cwd, std::string_view how) {
  if (w.procsub || stopped) return;
  if (w.dynamic || w.glob) {
    incomplete();
    return;
  }
  if (w.text.empty()) return;
  if (w.text[0] == '/') return add_path(w.text, how);
  if (!cwd) return incomplete();
  add_path(join(*cwd, w.text), how);
}

void Walker::add_path(std::string path, std::string_view how) {
  if (stopped || path.empty() || is_dev(path)) return;
  if (out.targets.size() >= kShellMaxTargets || bytes_ + path.size() > kMaxTargetBytes) {
    incomplete();
    stopped = true;
    return;
  }
  bytes_ += path.size();
  out.targets.push_back({std::move(path), std::string(how)});
}

void Walker::dispatch(Command& c) {
  if (stopped) return;
  if (Handler h = handler_for(c.name)) h(*this, c);
}

void Walker::walk(const std::vector<Token>& t, Cwd& cwd, int depth) {
  State s{t, cwd, depth, {}};
  size_t i = 0;
  while (i < t.size() && !stopped) {
    if (t[i].kind == Kind::kOp) {
      i = on_op(s, i);
      continue;
    }
    if (t[i].kind == Kind::kWord) {
      const size_t next = keyword(s, i);
      if (next != i) {
        i = next;
        continue;
      }
    }
    i = segment(s, i);
  }
  if (!s.groups.empty()) incomplete();  // a group never closed: bash runs nothing
}

size_t Walker::on_op(State& s, size_t i) {
  const std::string_view op = s.t[i].op;
  if (op == ")") return close_group(s, i);
  if (op == "(") {
    s.groups.push_back({s.cwd, true, is_pipe(s.prev_op)});
    s.fn_pending = false;
  }
  s.prev_op = op;
  return i + 1;
}

// `)`, `}`, `fi` or `done` at t[i]: the group's cd is undone if it ran in a
// subshell; the redirections after it were opened before it ran, where it
// began. The index after them.
size_t Walker::close_group(State& s, size_t i) {
  Cwd at_open = s.cwd;
  if (s.groups.empty()) {
    incomplete();  // closing nothing (a case pattern, a syntax error)
  } else {
    Group g = std::move(s.groups.back());
    s.groups.pop_back();
    size_t k = i + 1;
    while (k < s.t.size() && s.t[k].kind != Kind::kOp) ++k;
    const bool piped = k < s.t.size() && (is_pipe(s.t[k].op) || s.t[k].op == "&");
    at_open = g.saved;
    if (g.restore || g.after_pipe || piped) s.cwd = std::move(g.saved);
  }
  s.prev_op = ")";
  for (++i; i < s.t.size() && s.t[i].kind == Kind::kRedir; ++i) {
    subs(s.t[i].word, at_open, s.depth);
    redirect(s.t[i], at_open);
  }
  return i;
}

// Reserved words where a command starts: the index after what they take
// (i itself when t[i] is no reserved word).
size_t Walker::keyword(State& s, size_t i) {
  const Word& w = s.t[i].word;
  if (w.quoted || w.dynamic) return i;
  const std::string& x = w.text;
  if (x == "{" || x == "if" || x == "while" || x == "until") {
    s.groups.push_back({s.cwd, x == "{" && s.fn_pending, is_pipe(s.prev_op)});
    s.fn_pending = false;
    s.prev_op = ";";
    return i + 1;
  }
  if (x == "}" || x == "fi" || x == "done") return close_group(s, i);
  if (x == "!" || x == "then" || x == "do" || x == "else" || x == "elif" || x == "coproc") {
    return i + 1;
  }
  if (x == "time") return i + 1 < s.t.size() && s.t[i + 1].word.is("-p") ? i + 2 : i + 1;
  if (x == "[[") return skip_until(s, i + 1, "]]", false);
  if (x == "for" || x == "select") {
    s.groups.push_back({s.cwd, false, is_pipe(s.prev_op)});
    return skip_until(s, i + 1, "", true) - 1;
  }
  if (x == "case") {
    incomplete();
    return skip_until(s, i + 1, "esac", false);
  }
  const bool parens = i + 2 < s.t.size() && s.t[i + 1].op == "(" && s.t[i + 2].op == ")";
  if (x == "function" || parens) {  // a definition: its body runs only when called
    incomplete();
    s.fn_pending = true;
    size_t k = x == "function" ? i + 2 : i + 1;
    if (k + 1 < s.t.size() && s.t[k].op == "(" && s.t[k + 1].op == ")") k += 2;
    return k;
  }
  return i;
}

// From t[i], the index after the word `word` (at_op: the index after the
// next `;`, `&` or newline), command bodies in the way read.
size_t Walker::skip_until(State& s, size_t i, std::string_view word, bool at_op) {
  for (; i < s.t.size(); ++i) {
    const Token& k = s.t[i];
    if (at_op && k.kind == Kind::kOp && (k.op == ";" || k.op == "\n" || k.op == "&")) return i + 1;
    if (!at_op && k.kind == Kind::kWord && k.word.is(word)) return i + 1;
    subs(k.word, s.cwd, s.depth);
  }
  incomplete();
  return i + (at_op ? 1 : 0);
}

// A simple command: t[i] up to the next operator.
size_t Walker::segment(State& s, size_t i) {
  size_t end = i;
  while (end < s.t.size() && s.t[end].kind != Kind::kOp) ++end;
  Command c;
  std::vector<const Word*> words;
  for (size_t j = i; j < end; ++j) {
    const Token& k = s.t[j];
    subs(k.word, s.cwd, s.depth);
    if (k.kind == Kind::kWord && !(words.empty() && k.word.assign)) words.push_back(&k.word);
    if (k.kind != Kind::kRedir) continue;
    redirect(k, s.cwd);
    if (k.op.starts_with('<') && k.op != "<&" && k.op != "<>") {
      c.stdin_redirected = true;
      c.stdin_text = k.op == "<<<" ? &k.word.text : k.op == "<" ? nullptr : &k.heredoc;
    }
  }
  const std::string_view next = end < s.t.size() ? s.t[end].op : "";
  if (!words.empty()) {
    const Word& name = *words.front();
    if (name.dynamic || name.glob) {
      incomplete();  // which command runs is not known
    } else {
      c.name = base_name(name.text);
      c.args.assign(words.begin() + 1, words.end());
      c.cwd = &s.cwd;
      c.piped = is_pipe(s.prev_op) || is_pipe(next) || next == "&";
      c.depth = s.depth;
      dispatch(c);
    }
  }
  return end;
}

void Walker::redirect(const Token& k, const Cwd& cwd) {
  if (!k.has_operand) return;
  const std::string_view op = k.op;
  std::string how = k.fd + std::string(op);
  if (op == ">" || op == ">>" || op == ">|" || op == "&>" || op == "&>>" || op == "<>") {
    add(k.word, cwd, how);
  } else if (op == ">&" && k.fd.empty() && !is_dup(k.word.text)) {
    add(k.word, cwd, how);  // >&FILE is &>FILE
  } else if (op == ">&" && k.word.dynamic) {
    incomplete();  // >&$x: a descriptor or a file
  }
}

void Walker::subs(const Word& w, const Cwd& cwd, int depth) {
  for (const std::string& body : w.subs) run(body, cwd, depth + 1);
}

std::string_view base_name(std::string_view p) {
  while (p.size() > 1 && p.ends_with('/')) p.remove_suffix(1);
  const size_t slash = p.rfind('/');
  if (slash != std::string_view::npos) p.remove_prefix(slash + 1);
  return p == "." || p == ".." || p == "/" ? std::string_view() : p;
}

}  // namespace aio::shell

namespace aio {

ShellWrites shell_writes(std::string_view command) {
  shell::Walker w;
  w.run(command, std::string(), 0);
  return std::move(w.out);
}

}  // namespace aio
