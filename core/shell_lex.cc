#include "core/shell_lex.h"

#include <algorithm>

namespace aio::shell {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}
bool is_meta(char c) {
  return c == '|' || c == '&' || c == ';' || c == '(' || c == ')' || c == '<' || c == '>';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_name(std::string_view s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  for (char c : s)
    if (!is_name_char(c)) return false;
  return true;
}

// Longest first, so that "&>" wins over "&" and "<<-" over "<<".
constexpr std::string_view kOps[] = {";;&", ";;", ";&", ";", "&&", "&", "||", "|&", "|", "(", ")"};
constexpr std::string_view kRedirs[] = {"<<<", "<<-", "<<", "<>", "<&", "<",
                                        "&>>", "&>",  ">>", ">|", ">&", ">"};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s), n_(s.size()) {}
  Lexed run();

 private:
  struct Pending {
    size_t token;
    std::string delim;
    bool strip_tabs;
  };

  bool at(size_t k, char c) const { return k < n_ && s_[k] == c; }
  void push(Token t);
  void skip_blanks();
  bool special();
  bool op();
  void redirect(std::string_view op, std::string fd);
  void word(Word& w);
  void single_quote(Word& w);
  void double_quote(Word& w);
  void dollar(Word& w, bool in_dq);
  void backtick(Word& w);
  void bracketed(Word& w, size_t open, char o, char c, bool sub);
  void read_heredocs();
  size_t match_close(size_t open, char o, char c) const;
  size_t skip_quoted(size_t k) const;

  std::string_view s_;
  size_t n_;
  size_t i_ = 0;
  Lexed out_;
  std::vector<Pending> pending_;
};

Lexed Lexer::run() {
  while (out_.tokens.size() < kMaxTokens) {
    skip_blanks();
    if (i_ >= n_) break;
    if (special()) continue;
    Token t;
    word(t.word);
    const Word& w = t.word;
    const bool number = !w.quoted && !w.dynamic && !w.text.empty() &&
                        w.text.find_first_not_of("0123456789") == std::string::npos;
    if (number && i_ < n_ && (s_[i_] == '<' || s_[i_] == '>') && !at(i_ + 1, '(')) {
      for (std::string_view r : kRedirs) {
        if (s_.substr(i_).starts_with(r) && r[0] != '&') {
          i_ += r.size();
          redirect(r, w.text);
          break;
        }
      }
      continue;
    }
    push(std::move(t));
  }
  if (out_.tokens.size() >= kMaxTokens || !pending_.empty()) out_.complete = false;
  return std::move(out_);
}

void Lexer::push(Token t) {
  out_.tokens.push_back(std::move(t));
}

void Lexer::skip_blanks() {
  while (i_ < n_) {
    if (is_blank(s_[i_])) {
      ++i_;
    } else if (s_[i_] == '\\' && at(i_ + 1, '\n')) {
      i_ += 2;
    } else {
      break;
    }
  }
}

// A comment, a newline, a process substitution, `((…))` or an operator.
bool Lexer::special() {
  const char c = s_[i_];
  if (c == '#') {
    while (i_ < n_ && s_[i_] != '\n') ++i_;
    return true;
  }
  if (c == '\n') {
    ++i_;
    Token t;
    t.kind = Kind::kOp;
    t.op = "\n";
    push(std::move(t));
    read_heredocs();
    return true;
  }
  if ((c == '<' || c == '>') && at(i_ + 1, '(')) {
    Token t;
    t.word.procsub = true;
    bracketed(t.word, i_ + 1, '(', ')', true);
    push(std::move(t));
    return true;
  }
  if (c == '(' && at(i_ + 1, '(')) {
    const size_t close = match_close(i_, '(', ')');
    if (close >= n_) out_.complete = false;
    i_ = close >= n_ ? n_ : close + 1;
    Token t;
    t.kind = Kind::kArith;
    push(std::move(t));
    return true;
  }
  return op();
}

bool Lexer::op() {
  const std::string_view rest = s_.substr(i_);
  for (std::string_view r : kRedirs) {
    if (rest.starts_with(r)) {
      i_ += r.size();
      redirect(r, "");
      return true;
    }
  }
  for (std::string_view o : kOps) {
    if (rest.starts_with(o)) {
      i_ += o.size();
      Token t;
      t.kind = Kind::kOp;
      t.op = o;
      push(std::move(t));
      return true;
    }
  }
  return false;
}

void Lexer::redirect(std::string_view op, std::string fd) {
  Token t;
  t.kind = Kind::kRedir;
  t.op = op;
  t.fd = std::move(fd);
  skip_blanks();
  if (i_ < n_ && (s_[i_] == '<' || s_[i_] == '>') && at(i_ + 1, '(')) {
    t.word.procsub = true;
    bracketed(t.word, i_ + 1, '(', ')', true);
    t.has_operand = true;
  } else if (i_ < n_ && s_[i_] != '\n' && !is_meta(s_[i_])) {
    word(t.word);
    t.has_operand = true;
  } else {
    out_.complete = false;  // a syntax error: bash runs nothing
  }
  if (t.has_operand && (op == "<<" || op == "<<-"))
    pending_.push_back({out_.tokens.size(), t.word.text, op == "<<-"});
  push(std::move(t));
}

// One word from i_: quotes removed, expansions kept as written and flagged.
void Lexer::word(Word& w) {
  const size_t start = i_;
  bool plain_so_far = true;  // for NAME= : nothing quoted or expanded yet
  bool brace_open = false, brace_sep = false, bracket_open = false;
  while (i_ < n_) {
    const char c = s_[i_];
    if (c == '(' && w.assign && !w.text.empty() && w.text.back() == '=') {
      bracketed(w, i_, '(', ')', false);  // NAME=(…): an array
      continue;
    }
    if (is_blank(c) || c == '\n' || is_meta(c)) break;
    if (c == '\\' || c == '\'' || c == '"' || c == '$' || c == '`') {
      plain_so_far = false;
      if (c == '\\') {
        if (i_ + 1 < n_ && s_[i_ + 1] != '\n') w.text += s_[i_ + 1];
        w.quoted = true;
        i_ = std::min(i_ + 2, n_);
      } else if (c == '\'') {
        single_quote(w);
      } else if (c == '"') {
        double_quote(w);
      } else if (c == '$') {
        dollar(w, false);
      } else {
        backtick(w);
      }
      continue;
    }
    if (c == '*' || c == '?' || (c == '~' && i_ == start)) w.glob = true;
    if (c == '[') bracket_open = true;
    if (c == ']' && bracket_open) w.glob = true;
    if (c == '{') brace_open = true, brace_sep = false;
    if (brace_open && (c == ',' || (c == '.' && at(i_ + 1, '.')))) brace_sep = true;
    if (c == '}' && brace_open && brace_sep) w.glob = true;
    if (c == '=' && plain_so_far && !w.assign) {
      std::string_view name = w.text;
      if (name.ends_with('+')) name.remove_suffix(1);
      w.assign = is_name(name);
      plain_so_far = false;
    }
    w.text += c;
    ++i_;
  }
}

void Lexer::single_quote(Word& w) {
  const size_t close = s_.find('\'', i_ + 1);
  const size_t end = close == std::string_view::npos ? n_ : close;
  if (close == std::string_view::npos) out_.complete = false;
  w.text += s_.substr(i_ + 1, end - i_ - 1);
  w.quoted = true;
  i_ = std::min(end + 1, n_);
}

void Lexer::double_quote(Word& w) {
  w.quoted = true;
  ++i_;
  while (i_ < n_ && s_[i_] != '"') {
    const char c = s_[i_];
    if (c == '\\' && i_ + 1 < n_) {
      const char nx = s_[i_ + 1];
      if (nx == '$' || nx == '`' || nx == '"' || nx == '\\') {
        w.text += nx;
      } else if (nx != '\n') {
        w.text += c;
        w.text += nx;
      }
      i_ += 2;
    } else if (c == '$') {
      dollar(w, true);
    } else if (c == '`') {
      backtick(w);
    } else {
      w.text += c;
      ++i_;
    }
  }
  if (i_ >= n_) out_.complete = false;
  i_ = std::min(i_ + 1, n_);
}

void Lexer::dollar(Word& w, bool in_dq) {
  const char nx = i_ + 1 < n_ ? s_[i_ + 1] : '\0';
  if (nx == '(') {
    bracketed(w, i_ + 1, '(', ')', !at(i_ + 2, '('));  // $((…)) is arithmetic
  } else if (nx == '{') {
    bracketed(w, i_ + 1, '{', '}', false);
  } else if (nx == '\'' && !in_dq) {  // $'…': not decoded
    size_t k = i_ + 2;
    while (k < n_ && s_[k] != '\'') k += s_[k] == '\\' ? 2 : 1;
    if (k >= n_) out_.complete = false;
    k = std::min(k + 1, n_);
    w.text += s_.substr(i_, k - i_);
    w.dynamic = w.quoted = true;
    i_ = k;
  } else if (nx == '"' && !in_dq) {  // $"…": a translated string
    ++i_;
    double_quote(w);
  } else if (is_name_start(nx)) {
    size_t k = i_ + 1;
    while (k < n_ && is_name_char(s_[k])) ++k;
    w.text += s_.substr(i_, k - i_);
    w.dynamic = true;
    i_ = k;
  } else if (nx != '\0' && std::string_view("0123456789@*#?-$!").find(nx) != std::string::npos) {
    w.text += s_.substr(i_, 2);
    w.dynamic = true;
    i_ += 2;
  } else {
    w.text += '$';
    ++i_;
  }
}

void Lexer::backtick(Word& w) {
  std::string body;
  size_t k = i_ + 1;
  while (k < n_ && s_[k] != '`') {
    if (s_[k] == '\\' && k + 1 < n_ &&
        (s_[k + 1] == '$' || s_[k + 1] == '`' || s_[k + 1] == '\\')) {
      ++k;
    }
    body += s_[k];
    ++k;
  }
  if (k >= n_) out_.complete = false;
  k = std::min(k + 1, n_);
  w.text += s_.substr(i_, k - i_);
  w.dynamic = true;
  w.subs.push_back(std::move(body));
  i_ = k;
}

// From the '$' or '<'/'>' (or NAME='s '(') before `open` through its match:
// kept as written, flagged dynamic; `sub`: the inside is a command body.
void Lexer::bracketed(Word& w, size_t open, char o, char c, bool sub) {
  const size_t close = match_close(open, o, c);
  const size_t end = close >= n_ ? n_ : close + 1;
  if (close >= n_) out_.complete = false;
  if (sub) w.subs.emplace_back(s_.substr(open + 1, (close >= n_ ? n_ : close) - open - 1));
  w.text += s_.substr(i_, end - i_);
  w.dynamic = true;
  i_ = end;
}

// The index of the bracket closing the one at `open` (n_ when none):
// nesting counted, quoted text and escapes skipped.
size_t Lexer::match_close(size_t open, char o, char c) const {
  size_t depth = 0;
  for (size_t k = open; k < n_; ++k) {
    const char x = s_[k];
    if (x == '\\') {
      ++k;
    } else if (x == '\'' || x == '"' || x == '`') {
      k = skip_quoted(k);
    } else if (x == o) {
      ++depth;
    } else if (x == c && --depth == 0) {
      return k;
    }
  }
  return n_;
}

// The index of the quote closing the one at k (n_ when none).
size_t Lexer::skip_quoted(size_t k) const {
  const char q = s_[k];
  for (++k; k < n_; ++k) {
    if (s_[k] == '\\' && q != '\'') {
      ++k;
    } else if (s_[k] == q) {
      return k;
    }
  }
  return n_;
}

// After a newline: the bodies of the heredocs its line opened, in order.
void Lexer::read_heredocs() {
  for (const Pending& p : pending_) {
    std::string body;
    bool found = false;
    while (i_ < n_ && !found) {
      const size_t nl = s_.find('\n', i_);
      const size_t end = nl == std::string_view::npos ? n_ : nl;
      std::string_view line = s_.substr(i_, end - i_);
      if (p.strip_tabs) line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
      found = line == p.delim;
      if (!found) (body += line) += '\n';
      i_ = std::min(end + 1, n_);
    }
    if (!found) out_.complete = false;
    out_.tokens[p.token].heredoc = std::move(body);
  }
  pending_.clear();
}

}  // namespace

Lexed lex(std::string_view src) {
  return Lexer(src).run();
}

}  // namespace aio::shell
