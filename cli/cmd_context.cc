// aio context / aio-context: add a note, get, export (Markdown), prune.
#include <unistd.h>

#include <iostream>
#include <iterator>

#include "cli/env.h"
#include "core/path.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

constexpr size_t kMaxNote = 64 * 1024;

struct ContextOpts {
  std::vector<std::string> args;
  std::string ttl;
  std::string project;
};

std::string categories_list() {
  std::string s;
  for (auto c : kCategories) s += (s.empty() ? "" : ", ") + std::string(c);
  return s;
}

Result<int64_t> parse_duration(const std::string& s) {
  if (s.empty()) return Status::invalid("empty duration");
  char* end = nullptr;
  long long n = strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || n <= 0)
    return Status::invalid("bad duration '" + s + "' (try 30m, 2h, 7d)");
  std::string unit = end;
  int64_t mult = unit.empty() || unit == "s" ? 1
                 : unit == "m"               ? 60
                 : unit == "h"               ? 3600
                 : unit == "d"               ? 86400
                                             : 0;
  if (mult == 0) return Status::invalid("bad duration '" + s + "' (try 30m, 2h, 7d)");
  return static_cast<int64_t>(n) * mult;
}

Status add_note(Env& env, const std::string& category, const ContextOpts& o) {
  std::string content;
  if (o.args.size() == 2 && o.args[1] == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (size_t k = 1; k < o.args.size(); ++k) content += (k > 1 ? " " : "") + o.args[k];
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == ' ')) content.pop_back();
  if (content.find_first_not_of(" \t\n") == std::string::npos)
    return Status::invalid("empty " + category + " note (usage: aio-context " + category +
                           " <message>)");
  if (content.size() > kMaxNote) return Status::invalid("note longer than 64 KiB");
  if (content.find('\0') != std::string::npos) return Status::invalid("note contains a NUL byte");
  std::optional<int64_t> ttl;
  if (!o.ttl.empty()) {
    auto d = parse_duration(o.ttl);
    if (!d) return d.status();
    ttl = *d;
  }
  auto st = load_state(env);
  if (!st) return st.status();
  auto me = require_identity(*st, env.caller, env.clock);
  if (!me) return me.status();
  Note n = make_note((*me)->project, category, content, *me, env.clock.now, ttl);
  AIO_RETURN_IF_ERROR(env.store->add_notes({n}));
  spdlog::info("context {} {} by {}", n.category, n.id, n.source_instance);
  if (env.json)
    env.print_json(note_json(n));
  else
    env.out("noted " + category + " (" + n.id + ")\n");
  return Status::ok();
}

std::string project_arg(Env& env, const State& s, const ContextOpts& o, const std::string& arg) {
  // A project given by name is the one it names from any of its checkouts.
  const std::string& given = !arg.empty() ? arg : o.project;
  if (!given.empty()) {
    auto named = project_named_by(absolute_path(given), project_hints(env, &s));
    return named ? *named : absolute_path(given);
  }
  Identity me = resolve_identity(s, env.caller, env.clock);
  return current_project(s, me.instance, env);
}

Status get_notes(Env& env, const ContextOpts& o) {
  std::string category = o.args.size() > 1 ? o.args[1] : "";
  if (o.args.size() > 2) return Status::invalid("usage: aio context get [category]");
  if (!category.empty() && !is_category(category))
    return Status::invalid("unknown category '" + category + "' (expected " + categories_list() +
                           ")");
  auto st = load_state(env);
  if (!st) return st.status();
  NoteQuery q;
  q.project = project_arg(env, *st, o, "");
  q.category = category;
  q.now = env.clock.now;
  auto notes = env.store->notes(q);
  if (!notes) return notes.status();
  if (env.json) {
    Json j = {{"project", q.project}, {"notes", Json::array()}};
    for (const auto& n : *notes) j["notes"].push_back(note_json(n));
    env.print_json(j);
    return Status::ok();
  }
  if (notes->empty()) {
    env.out("no " + (category.empty() ? std::string("context") : category) + " notes for " +
            q.project + "\n");
    return Status::ok();
  }
  std::string out;
  for (const auto& n : *notes)
    out += env.paint("[" + n.category + "]", "36") + note_line(n).substr(n.category.size() + 2);
  env.out(out);
  return Status::ok();
}

Status export_notes(Env& env, const ContextOpts& o) {
  if (o.args.size() > 2) return Status::invalid("usage: aio context export [project]");
  auto st = load_state(env);
  if (!st) return st.status();
  NoteQuery q;
  q.project = project_arg(env, *st, o, o.args.size() > 1 ? o.args[1] : "");
  q.now = env.clock.now;
  auto notes = env.store->notes(q);
  if (!notes) return notes.status();
  std::string md = notes_markdown(q.project, *notes, env.clock.now);
  if (env.json) {
    Json j = {{"project", q.project}, {"markdown", md}};
    env.print_json(j);
  } else {
    env.out(md);
  }
  return Status::ok();
}

Status prune_notes(Env& env, const ContextOpts& o) {
  if (o.args.size() > 2) return Status::invalid("usage: aio-context prune [days]");
  int64_t days = 30;
  if (o.args.size() == 2) {
    char* end = nullptr;
    long long d = strtoll(o.args[1].c_str(), &end, 10);
    if (o.args[1].empty() || *end != '\0' || d < 0)
      return Status::invalid("days must be a whole number >= 0, got '" + o.args[1] + "'");
    days = d;
  }
  auto removed = env.store->prune_notes(env.clock.now - days * 86400, env.clock.now);
  if (!removed) return removed.status();
  spdlog::info("prune: {} notes older than {} days", *removed, days);
  if (env.json)
    env.print_json({{"ok", true}, {"removed", *removed}, {"days", days}});
  else
    env.out("pruned " + std::to_string(*removed) + " notes older than " + std::to_string(days) +
            " days (and expired ones)\n");
  return Status::ok();
}

Status run_context(Env& env, const ContextOpts& o) {
  std::string action = o.args.empty() ? "get" : o.args[0];
  if (is_category(action)) return add_note(env, action, o);
  if (action == "get") return get_notes(env, o);
  if (action == "export") return export_notes(env, o);
  if (action == "prune") return prune_notes(env, o);
  return Status::invalid("unknown context category or action '" + action + "' (expected " +
                         categories_list() + ", get, export or prune)");
}

}  // namespace

void register_context_commands(CLI::App& app, Env& env) {
  auto o = std::make_shared<ContextOpts>();
  auto* ctx = app.add_subcommand(
      "context",
      "Shared notes: <category> <msg> | get [category] | export [project] | prune [days]");
  ctx->add_option("args", o->args, "category and message, or get/export/prune and argument");
  ctx->add_option("--ttl", o->ttl, "Let a new note expire after this long (30m, 2h, 7d)");
  ctx->add_option("--project", o->project, "Project for get/export (default: yours)");
  ctx->callback([&env, o] { env.run = [&env, o] { return run_context(env, *o); }; });
}

}  // namespace aio::cli
