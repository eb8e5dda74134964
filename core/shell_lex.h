// The tokens of a bash command line, for shell_writes (core/hook_paths.h).
// Internal to core/shell_*.cc.
//
// Contract: total over any bytes, one pass (a `$(…)`, `${…}` or `((…))`
// is matched by counting its brackets, quotes skipped), at most
// kMaxTokens tokens (then `complete` is false and lexing stops). Words
// carry their text after quote removal, with what would be expanded kept
// as written and flagged; the bodies of `$(…)`, `…` and <(…)/>(…) are
// kept for the caller to read as commands. Heredoc bodies are read at the
// end of their line and kept on their redirection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aio::shell {

inline constexpr size_t kMaxTokens = 100000;

struct Word {
  std::string text;
  bool dynamic = false;  // $VAR, ${…}, $(…), `…`, $'…', $((…)), a process substitution
  bool glob = false;     // unquoted * ? [, a leading ~, {a,b} / {1..3}
  bool quoted = false;   // some part was quoted or escaped
  bool assign = false;   // NAME=… or NAME+=… with NAME unquoted
  bool procsub = false;  // the word is <(…) or >(…)
  std::vector<std::string> subs;  // command bodies inside it
  // An unquoted, unexpanded `s`: how reserved words are recognised.
  bool is(std::string_view s) const { return !quoted && !dynamic && text == s; }
};

enum class Kind { kWord, kOp, kRedir, kArith };

struct Token {
  Kind kind = Kind::kWord;
  std::string_view
      op;  // kOp: ; && || | |& & \n ( ) ;; ;& ;;&  kRedir: > >> >| &> &>> <> >& < <& << <<- <<<
  std::string fd;  // kRedir: the number written before it ("2>"), if any
  bool has_operand = false;
  Word word;            // kWord: the word; kRedir: its operand
  std::string heredoc;  // kRedir << and <<-: the body
};

struct Lexed {
  std::vector<Token> tokens;
  // false: an unterminated quote, substitution or heredoc, an operator
  // missing its operand, or too many tokens.
  bool complete = true;
};

Lexed lex(std::string_view src);

}  // namespace aio::shell
