// shell_writes' walk over the tokens (core/shell_lex.h): lists, groups,
// reserved words and simple commands, and the handlers of the commands it
// knows (shell_commands.cc: what writes files; shell_wrappers.cc: cd, the
// wrappers, shells, eval, xargs, apply_patch). Internal to core/shell_*.cc
// and core/apply_patch.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/hook_paths.h"
#include "core/shell_lex.h"

namespace aio::shell {

// Where relative paths are placed: "" is the directory the command runs
// in; nullopt after a `cd` that cannot be followed.
using Cwd = std::optional<std::string>;

// An apply_patch call met on the way: its patch text and where it runs.
struct PatchCall {
  Cwd cwd;
  std::string text;
};

// One simple command: its name's last component (/bin/rm: rm), the words
// after it, what its stdin is.
struct Command {
  std::string name;
  std::vector<const Word*> args;
  const std::string* stdin_text = nullptr;  // a heredoc or here-string
  bool stdin_redirected = false;            // from a file, heredoc or here-string
  Cwd* cwd = nullptr;                       // cd changes it, unless `piped`
  bool piped = false;                       // runs in a subshell: a pipeline element or `&`
  int depth = 0;
  int wraps = 0;  // wrappers taken off so far (sudo env nice …)
};

class Walker {
 public:
  // Reads `src` as commands run in `cwd`; `depth` recursions deep.
  void run(std::string_view src, Cwd cwd, int depth);
  // A target named by word `w` (skipped and incomplete if it would be
  // expanded or `cwd` is unknown and it is relative).
  void add(const Word& w, const Cwd& cwd, std::string_view how);
  void add_path(std::string path, std::string_view how);
  void incomplete() { out.complete = false; }
  // Runs the handler of c.name, if any.
  void dispatch(Command& c);

  ShellWrites out;
  std::vector<PatchCall> patches;
  std::vector<Cwd> dirstack;  // pushd/popd
  bool stopped = false;       // a limit was reached: nothing more is listed

 private:
  // ( … ), { …; }, if … fi, while/until/for … done.
  struct Group {
    Cwd saved;        // where it began
    bool restore;     // a subshell (or function body): its cd does not outlast it
    bool after_pipe;  // began as a pipeline element
  };
  struct State {
    const std::vector<Token>& t;
    Cwd& cwd;
    int depth;
    std::vector<Group> groups;
    std::string_view prev_op = ";";
    bool fn_pending = false;  // a function was defined: its body comes next
  };
  void walk(const std::vector<Token>& t, Cwd& cwd, int depth);
  size_t on_op(State& s, size_t i);
  size_t close_group(State& s, size_t i);
  size_t keyword(State& s, size_t i);
  size_t skip_until(State& s, size_t i, std::string_view word, bool at_op);
  size_t segment(State& s, size_t i);
  void redirect(const Token& k, const Cwd& cwd);
  void subs(const Word& w, const Cwd& cwd, int depth);

  size_t bytes_ = 0;
};

using Handler = void (*)(Walker&, Command&);
// The handler of a command name (nullptr: it writes nothing we know of).
Handler handler_for(std::string_view name);
// For wrappers: runs args[from..] as a command of its own.
void run_inner(Walker& w, const Command& c, size_t from);

// Options of the GNU kind: short ones clustered ("-rf"), an argument
// attached or in the next word; "--long", "--long=value"; "--" ends them;
// options may follow operands.
struct OptSpec {
  std::string_view short_arg;  // short options taking an argument
  std::string_view long_arg;   // long ones taking one, each between spaces: " size reference "
};
struct Opts {
  std::vector<Word> operands;
  std::vector<std::pair<std::string, Word>> values;  // "t" or "target-directory" → its argument
  std::string shorts;                                // short options seen without argument
  std::vector<std::string> longs;                    // long ones seen without argument
  bool has(char c) const { return shorts.find(c) != std::string::npos; }
  bool has(std::string_view l) const;
  const Word* value(std::string_view short_name, std::string_view long_name) const;
};
Opts parse_opts(const std::vector<const Word*>& args, size_t from, const OptSpec& spec);

// A bare patch, or one in a heredoc argument (apply_patch.cc): never a
// shell command, so that a patch in a patch cannot recurse.
Result<std::vector<WriteTarget>> parse_patch(std::string_view text);

// `w` from byte `pos` on, with its flags.
Word slice(const Word& w, size_t pos);
// The last component of a path ("" for "/", "." or "..": no name to join).
std::string_view base_name(std::string_view p);

}  // namespace aio::shell
