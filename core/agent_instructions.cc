#include "core/agent_instructions.h"

#include <cstring>

namespace aio {
namespace {

constexpr const char* kBegin =
    "<!-- aio:begin (managed by aio-init; edits inside are replaced) -->";
constexpr const char* kBeginPrefix = "<!-- aio:begin";
constexpr const char* kEnd = "<!-- aio:end -->";

std::string block_for(const std::string& tool_hint) {
  std::string b = kBegin;
  std::string text = R"MD(
## Working alongside other AI agents (aio)

Several AI coding agents may work in this project at once. aio keeps them from
overwriting each other. Follow these steps:

1. **Register** when you start: `eval "$(aio register {TOOL} --export)"`.
   Run it as one of your own shell commands: the instance is bound to you
   (your process), so your own edits and every later command you run, in any
   shell, session or terminal, act as it without `AIO_INSTANCE`, for exactly
   as long as you run. If you were started with `aio exec`, you already have
   an instance and this command just prints it.
2. **Read what others left**: `aio context get` (handoffs only:
   `aio context get handoff`), and `aio status` to see who works on what.
3. **Check before editing**: `aio check <path>` exits 1 and names the holder
   when another agent has claimed the path. Do not edit claimed paths: pick
   other work or leave a note.
4. **Claim what you will change**, before changing it, and no more than you
   need: `aio claim file <path>`, `aio claim directory <dir>`,
   `aio claim pattern '<glob>'`, `aio claim task <issue-id>`.
5. **Say what you are doing**: `aio task "<description>" [issue-id]`. Share
   what others should know: `aio-context decision|pattern|warning|learning "<text>"`.
6. **Stay alive**: nothing to do while you run (your process is your
   liveness). Only an instance registered from a person's terminal needs
   `aio heartbeat` every few minutes (claiming and writes through the mount
   count too).
7. **Hand off and release** when done: `aio-context handoff "<what is done,
   what is left>"`, then `aio release all` and `aio unregister`.

When the project is mounted with `aio mount`, writing a path that another agent
has claimed fails with "Permission denied". That is aio at work, not a bug:
run `aio check <path>` to see who holds it.
)MD";
  text.replace(text.find("{TOOL}"), 6, tool_hint);
  b += text;
  b += kEnd;
  b += "\n";
  return b;
}

// Where the block lies in `text`: [begin, end), the end past its final
// newline; nullopt when there is none.
struct Span {
  size_t begin, end;
};
Result<std::optional<Span>> find_block(const std::string& text, const std::string& name) {
  size_t begin = text.find(kBeginPrefix);
  if (begin == std::string::npos) {
    if (text.find(kEnd) != std::string::npos)
      return Status::invalid(name + " has an aio end marker without a begin marker");
    return std::optional<Span>();
  }
  size_t end = text.find(kEnd, begin);
  if (end == std::string::npos)
    return Status::invalid(name + " has an aio begin marker without `" + kEnd + "`");
  if (text.find(kBeginPrefix, begin + 1) != std::string::npos)
    return Status::invalid(name + " has more than one aio block");
  end += strlen(kEnd);
  if (end < text.size() && text[end] == '\n') ++end;
  return std::optional<Span>(Span{begin, end});
}

bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

std::string instructions_block(const std::string& tool) {
  return block_for(tool);
}

Result<InstructionsEdit> add_instructions(const std::optional<std::string>& current,
                                          const std::string& tool, const std::string& name) {
  std::string text = current.value_or("");
  auto span = find_block(text, name);
  if (!span) return span.status();
  InstructionsEdit e;
  if (*span) {
    e.had_block = true;
    e.text = text.substr(0, (*span)->begin) + block_for(tool) + text.substr((*span)->end);
    return e;
  }
  e.text = text;
  if (!e.text.empty() && e.text.back() != '\n') e.text += "\n";
  if (!e.text.empty()) e.text += "\n";
  e.text += block_for(tool);
  return e;
}

Result<std::optional<std::string>> remove_instructions(const std::optional<std::string>& current,
                                                       const std::string& name) {
  if (!current) return std::optional<std::string>();
  auto span = find_block(*current, name);
  if (!span) return span.status();
  if (!*span) return current;
  std::string before = current->substr(0, (*span)->begin);
  std::string after = current->substr((*span)->end);
  // At the end, the block followed a blank line adding put there.
  if (after.empty() && before.size() >= 2 && before.compare(before.size() - 2, 2, "\n\n") == 0)
    before.pop_back();
  std::string left = before + after;
  if (blank(left)) return std::optional<std::string>();
  return std::optional<std::string>(left);
}

}  // namespace aio
