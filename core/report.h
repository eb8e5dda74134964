// Renderings of the state shared by the CLI and the mount's .aio/ files:
// JSON records (the playbook's camelCase fields plus "live"/"active"),
// note lines, the Markdown export and plain tables.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/model.h"

namespace aio {

Json instance_json(const Instance& i, const Clock& c);
Json claim_json(const Claim& c);
Json note_json(const Note& n);
// The state as one JSON document: {"instances": [...], "claims": [...]} with
// "live" and "active" flags; `project` ("" = all) filters both.
Json state_json(const State& s, const Clock& c, const std::string& project);

// "tool (instance-id)", or the tool alone for notes without an instance.
std::string note_source(const Note& n);
// "2026-11-24 02:34 UTC"
std::string note_when(int64_t t);
// One line per note: "[category] <when> <source>: <content>".
std::string note_line(const Note& n);
// Markdown grouped by category, with source and time; ends with a newline.
std::string notes_markdown(const std::string& project, const std::vector<Note>& notes, int64_t now);

// A left-aligned table with a header row; `head` decorates header cells
// (colour on a terminal), identity when empty.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows,
                         const std::function<std::string(const std::string&)>& head = {});

}  // namespace aio
