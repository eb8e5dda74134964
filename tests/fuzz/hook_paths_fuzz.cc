// The parsers behind agent hooks (core/hook_paths.h). One input is read both
// as a shell command line and as an apply_patch patch. Properties:
//   - shell_writes never lists more than kShellMaxTargets targets, nor an
//     empty path or reason, nor a /dev path, and says the same twice;
//   - nothing is invented: the input quoted as one argument of echo, or
//     behind a comment, writes nothing and is understood completely;
//   - a patch's paths are spelled as in the patch (each a substring of it),
//     and running the patch through `apply_patch <<'EOF'` in a shell names
//     the same files.
#include <string>

#include "core/hook_paths.h"
#include "tests/fuzz/fuzz.h"

using namespace aio;

namespace {

std::string shown(const ShellWrites& w) {
  std::string s = w.complete ? "complete:" : "incomplete:";
  for (const auto& t : w.targets) s += " [" + fuzz::show(t.path) + " | " + t.how + "]";
  return s;
}

void check_shell(std::string_view in) {
  const ShellWrites got = shell_writes(in);
  const std::string why = fuzz::show(in) + " -> " + shown(got);
  FUZZ_CHECK(got.targets.size() <= kShellMaxTargets, why);
  for (const auto& t : got.targets) {
    FUZZ_CHECK(!t.path.empty() && !t.how.empty(), why);
    FUZZ_CHECK(t.path != "/dev" && !t.path.starts_with("/dev/"), why);
  }
  const ShellWrites again = shell_writes(in);
  FUZZ_CHECK(again.targets == got.targets && again.complete == got.complete, why);

  std::string quoted = "echo '";
  for (char c : in) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  const ShellWrites q = shell_writes(quoted);
  FUZZ_CHECK(q.targets.empty() && q.complete, fuzz::show(quoted) + " -> " + shown(q));

  std::string comment = "# ";
  for (char c : in) comment += c == '\n' ? ' ' : c;
  const ShellWrites h = shell_writes(comment);
  FUZZ_CHECK(h.targets.empty() && h.complete, fuzz::show(comment) + " -> " + shown(h));
}

void check_patch(std::string_view in) {
  const auto got = patch_targets(in);
  if (!got) {
    FUZZ_CHECK(got.status().code() == Code::kInvalid, got.status().message());
    FUZZ_CHECK(got.status().message().find('\n') == std::string::npos, got.status().message());
    return;
  }
  const size_t begin = in.find_first_not_of(" \t\r\n\v\f");
  const bool bare = begin != std::string_view::npos && in.substr(begin).starts_with("*** Begin");
  for (const auto& t : *got) {
    FUZZ_CHECK(!t.path.empty() && t.how.starts_with("apply_patch "), fuzz::show(in));
    if (bare) FUZZ_CHECK(in.find(t.path) != std::string_view::npos, fuzz::show(t.path));
  }
  if (!bare || in.find("AIO_EOF") != std::string_view::npos) return;
  const std::string wrapped = "apply_patch <<'AIO_EOF'\n" + std::string(in) + "\nAIO_EOF\n";
  const auto again = patch_targets(wrapped);
  FUZZ_CHECK(again.is_ok() && *again == *got, fuzz::show(wrapped));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_text(data, size);
  check_shell(in);
  check_patch(in);
  return 0;
}
