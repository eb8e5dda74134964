// aio-init [project] [--agents LIST] [--git-hook] [--store URL [--project-id
// ID]] [--remove]: prepare a
// project for agents. For each chosen tool (default: all four) it keeps the
// aio instructions block in the file the tool reads (CLAUDE.md, AGENTS.md,
// GEMINI.md; core/agent_instructions.h) and aio's hooks in its project
// settings (core/agent_settings.h); --git-hook adds a git pre-commit hook
// (init_git_hook.cc); --store the store the repository's clones use
// (init_store.cc). --remove takes out exactly what it added. Every file
// is read and checked before any is written (init.h): one that cannot be
// merged is reported and nothing changes.
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>

#include "cli/env.h"
#include "cli/init.h"
#include "core/agent_instructions.h"
#include "core/agent_settings.h"
#include "core/fileio.h"
#include "core/path.h"
#include "core/repo_identity.h"

namespace aio::cli {
namespace {

struct InitOpts {
  std::string project;
  std::string agents;
  bool agents_given = false;
  bool git_hook = false;
  bool remove = false;
  InitStore store;
  std::string store_text, id_text;  // as parsed, before store.store / project_id
};

// The directory to prepare: the one given, else the top of the checkout the
// working directory is in (its work tree, mountpoint or project root).
Result<std::string> init_dir(Env& env, const InitOpts& o) {
  if (!o.project.empty()) return absolute_path(o.project);
  State none;  // without a store (env.store_optional): no registered projects
  auto st = env.store ? load_state(env) : Result<State>(none);
  if (!st) return st.status();
  auto here = locate_path(env, *st, env.cwd);
  if (!here) return here.status();
  return here->checkout.empty() ? here->project : here->checkout;
}

// A file's text; nullopt when there is none.
Result<std::optional<std::string>> read_optional(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::sys("cannot read " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) return Status::invalid(path + " is not a regular file");
  std::string text;
  AIO_RETURN_IF_ERROR(read_file(path, &text));
  return std::optional<std::string>(std::move(text));
}

// A file aio-init cannot merge: said so, and nothing is written.
Status left_as_it_is(const Status& s) {
  return s.code() == Code::kInvalid ? Status::invalid(s.message() + "; left as it is") : s;
}

// The file a path leads to, through symbolic links (the path itself when
// it leads nowhere yet).
std::string real_or_same(const std::string& path) {
  char real[PATH_MAX];
  return realpath(path.c_str(), real) ? std::string(real) : path;
}

// Plans turning `rel`'s `before` into `after` (nullopt: no file). A
// symbolic link (CLAUDE.md -> AGENTS.md, a shared settings file) is written
// through and stays, holding `emptied` where the file would go.
void plan_file(InitPlan* plan, const std::string& project, const std::string& rel,
               const std::optional<std::string>& before, const std::optional<std::string>& after,
               const std::string& note, const char* emptied) {
  std::string path = project + "/" + rel;
  struct stat st;
  bool link = lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  if (before == after) {
    plan->report.push_back({rel, "up to date", ""});
  } else if (!after && !link) {
    plan->ops.push_back({InitOp::kUnlink, path, "", "", 0, rel.find('/') != std::string::npos});
    plan->report.push_back({rel, "removed", ""});
  } else {
    plan->ops.push_back(
        {InitOp::kWrite, real_or_same(path), "", after.value_or(emptied), 0644, false});
    plan->report.push_back({rel, before ? "updated" : "created", before ? note : ""});
  }
}

// Was the file `rel` leads to planned already (through another name)?
// Says so in the report.
bool planned_as(InitPlan* plan, const std::string& project, const std::string& rel,
                std::vector<std::pair<std::string, std::string>>* seen) {
  std::string real = real_or_same(project + "/" + rel);
  for (const auto& [path, name] : *seen) {
    if (path != real) continue;
    plan->report.push_back({rel, "up to date", "the same file as " + name});
    return true;
  }
  seen->emplace_back(real, rel);
  return false;
}

bool chosen(const std::vector<AgentTool>& tools, AgentTool t) {
  return std::find(tools.begin(), tools.end(), t) != tools.end();
}

// The instruction files of `tools`, each once, with the tool its block
// names (AGENTS.md is read by codex and amp: codex when it is chosen).
std::vector<std::pair<std::string, std::string>> instruction_files(
    const std::vector<AgentTool>& tools) {
  std::vector<std::pair<std::string, std::string>> out;
  for (AgentTool t : tools) {
    const auto& info = agent_tool_info(t);
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const auto& f) { return f.first == info.instructions; });
    if (!seen) out.emplace_back(info.instructions, info.name);
  }
  return out;
}

Status plan_add(const std::string& project, const std::vector<AgentTool>& tools, InitPlan* plan) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [file, tool] : instruction_files(tools)) {
    if (planned_as(plan, project, file, &seen)) continue;
    auto before = read_optional(project + "/" + file);
    if (!before) return before.status();
    auto edit = add_instructions(*before, tool, file);
    if (!edit) return left_as_it_is(edit.status());
    plan_file(plan, project, file, *before, edit->text,
              edit->had_block ? "updated the aio block" : "added the aio block", "");
  }
  for (AgentTool t : tools) {
    std::string rel = agent_tool_info(t).settings;
    auto before = read_optional(project + "/" + rel);
    if (!before) return before.status();
    auto after = add_agent_settings(t, *before, rel);
    if (!after) return left_as_it_is(after.status());
    plan_file(plan, project, rel, *before, *after, "", "{}\n");
  }
  return Status::ok();
}

// Is `t` set up in the project: do its settings hold aio's entries?
bool set_up(const std::string& project, AgentTool t) {
  auto text = read_optional(project + "/" + agent_tool_info(t).settings);
  return text && *text && has_agent_settings(t, **text);
}

Status plan_remove(const std::string& project, const std::vector<AgentTool>& tools,
                   InitPlan* plan) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& f : instruction_files(tools)) {
    const std::string& file = f.first;  // (not a structured binding: clang cannot capture one)
    // A file another tool still set up reads keeps its block.
    auto other = std::find_if(agent_tools().begin(), agent_tools().end(), [&](const auto& info) {
      return info.instructions == file && !chosen(tools, info.tool) && set_up(project, info.tool);
    });
    if (other != agent_tools().end()) {
      plan->report.push_back(
          {file, "up to date", std::string("kept: ") + other->name + " is still set up"});
      continue;
    }
    if (planned_as(plan, project, file, &seen)) continue;
    auto before = read_optional(project + "/" + file);
    if (!before) return before.status();
    auto after = remove_instructions(*before, file);
    if (!after) return left_as_it_is(after.status());
    plan_file(plan, project, file, *before, *after, "removed the aio block", "");
  }
  for (AgentTool t : tools) {
    std::string rel = agent_tool_info(t).settings;
    auto before = read_optional(project + "/" + rel);
    if (!before) return before.status();
    auto after = remove_agent_settings(t, *before, rel);
    if (!after) return left_as_it_is(after.status());
    plan_file(plan, project, rel, *before, *after, "", "{}\n");
  }
  return Status::ok();
}

std::string dir_of(const std::string& path) {
  return path.substr(0, path.rfind('/'));
}

Status apply(const InitPlan& plan) {
  for (const auto& op : plan.ops) {
    switch (op.kind) {
      case InitOp::kWrite:
        AIO_RETURN_IF_ERROR(make_dirs(dir_of(op.path), 0755));
        AIO_RETURN_IF_ERROR(write_file_atomic(op.path, op.text, op.mode));
        break;
      case InitOp::kUnlink:
        if (unlink(op.path.c_str()) != 0 && errno != ENOENT)
          return Status::sys("cannot remove " + op.path, errno);
        AIO_RETURN_IF_ERROR(fsync_dir_of(op.path));
        if (op.prune_dir) rmdir(dir_of(op.path).c_str());  // fails, as it should, unless empty
        break;
      case InitOp::kRename:
        if (rename(op.from.c_str(), op.path.c_str()) != 0)
          return Status::sys("cannot move " + op.from + " to " + op.path, errno);
        AIO_RETURN_IF_ERROR(fsync_dir_of(op.path));
        break;
    }
  }
  for (const auto& c : plan.config)
    AIO_RETURN_IF_ERROR(c.value ? repo_config_set(c.dir, c.key, *c.value)
                                : repo_config_unset(c.dir, c.key));
  return Status::ok();
}

void print_report(Env& env, const InitOpts& o, const std::string& project, const InitPlan& plan) {
  if (env.json) {
    Json files = Json::array();
    for (const auto& l : plan.report) {
      Json f = {{"file", l.file}, {"action", l.action}};
      if (!l.note.empty()) f["note"] = l.note;
      files.push_back(f);
    }
    env.print_json({{"ok", true}, {"project", project}, {"remove", o.remove}, {"files", files}});
    return;
  }
  std::string out = (o.remove ? "took aio's set-up out of " : "prepared ") + project +
                    (o.remove ? ":\n" : " for agents:\n");
  for (const auto& l : plan.report)
    out += "  " + l.file + ": " + (l.note.empty() ? l.action : l.note) + "\n";
  env.out(out);
}

Status run_init(Env& env, const InitOpts& o) {
  auto tools = parse_agent_list(o.agents_given ? o.agents : "claude,codex,gemini,amp");
  if (!tools) return tools.status();
  auto dir = init_dir(env, o);
  if (!dir) return dir.status();
  const std::string& project = *dir;
  struct stat st;
  if (stat(project.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::invalid("project " + project + " is not a directory");
  if (o.remove && (o.store.store || o.store.project_id))
    return Status::invalid(
        "--remove takes out aio.store and aio.project: no --store or --project-id");
  InitPlan plan;
  if (o.remove) {
    AIO_RETURN_IF_ERROR(plan_remove(project, *tools, &plan));
    // Plain --remove takes out everything, the git hook too.
    if (o.git_hook || !o.agents_given)
      AIO_RETURN_IF_ERROR(plan_git_hook(project, true, o.git_hook, &plan));
    if (!o.agents_given) AIO_RETURN_IF_ERROR(plan_store(project, {{}, {}, true}, &plan));
  } else {
    AIO_RETURN_IF_ERROR(plan_store(project, o.store, &plan));  // its errors before any file
    AIO_RETURN_IF_ERROR(plan_add(project, *tools, &plan));
    if (o.git_hook) AIO_RETURN_IF_ERROR(plan_git_hook(project, false, true, &plan));
  }
  AIO_RETURN_IF_ERROR(apply(plan));
  spdlog::info("init {}{}: {} changes", o.remove ? "--remove " : "", project, plan.ops.size());
  print_report(env, o, project, plan);
  return Status::ok();
}

}  // namespace

void register_init_command(CLI::App& app, Env& env) {
  auto o = std::make_shared<InitOpts>();
  auto* init = app.add_subcommand(
      "init", "Set a project up for agent tools: instructions, hook settings, a git hook");
  init->add_option("project", o->project,
                   "Project root (default: the top of the checkout the current directory is in)");
  auto* agents = init->add_option(
      "--agents", o->agents, "Tools to set up, comma-separated (default: claude,codex,gemini,amp)");
  init->add_flag("--git-hook", o->git_hook,
                 "Also add a git pre-commit hook checking claims (an existing one is chained)");
  auto* store = init->add_option(
      "--store", o->store_text,
      "Store the repository's clones use, written to git config aio.store (file: the default)");
  auto* id =
      init->add_option("--project-id", o->id_text,
                       "Project id the clones share the store under (git config aio.project)");
  init->add_flag("--remove", o->remove, "Take out what aio-init added");
  init->callback([&env, o, agents, store, id] {
    o->agents_given = agents->count() > 0;
    if (store->count() > 0) o->store.store = o->store_text;
    if (id->count() > 0) o->store.project_id = o->id_text;
    env.store_optional = true;  // a bad aio.store is what --store repairs
    env.run = [&env, o] { return run_init(env, *o); };
  });
}

}  // namespace aio::cli
