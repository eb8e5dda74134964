// The aio instructions block aio-init keeps in the files agent tools read
// (CLAUDE.md, AGENTS.md, GEMINI.md), and how it is taken out again. Pure:
// text in, text out.
//
// The block lies between two marker lines; everything outside them is the
// user's and is kept. Adding puts the block at the end of a file without
// one (after a blank line) and replaces the one that is there; removing
// takes out the block, its final newline and the blank line adding put
// before it, so add + remove gives back a file that ended with a newline
// byte for byte. Malformed markers (an end without a begin, a begin without
// an end, two blocks) are kInvalid, naming `name`.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace aio {

// The block (markers included, final newline) telling an agent of `tool`
// ("claude", "codex", …) how to work with aio.
std::string instructions_block(const std::string& tool);

// What adding the block for `tool` to `current` (nullopt: no file) did.
struct InstructionsEdit {
  std::string text;        // the file's new text
  bool had_block = false;  // the file already held a block (replaced)
};
Result<InstructionsEdit> add_instructions(const std::optional<std::string>& current,
                                          const std::string& tool, const std::string& name);

// `current` without the block: unchanged when it holds none; nullopt when
// nothing but blank lines would be left (the file should go) or there is
// no file.
Result<std::optional<std::string>> remove_instructions(const std::optional<std::string>& current,
                                                       const std::string& name);

}  // namespace aio
