#include "cli/env.h"

#include <sys/stat.h>

#include "core/path.h"
#include "core/timeutil.h"

namespace aio::cli {

void Env::print_json(const Json& j) const {
  std::string s = j.dump(2, ' ', false, Json::error_handler_t::replace);
  s.push_back('\n');
  fputs(s.c_str(), stdout);
}

Result<State> load_state(Env& env) {
  return env.store->load();
}

Result<std::string> registration_project(const Env& env, const std::string& positional) {
  std::string project = absolute_path(positional.empty() ? env.cwd : positional);
  struct stat st;
  if (stat(project.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::invalid("project " + project + " is not a directory");
  return project;
}

std::string project_for_path(const State& s, const std::string& abs) {
  std::string best;
  for (const auto& [id, inst] : s.instances) {
    const std::string& p = inst.project;
    bool inside = p == "/" || is_within(p, abs);
    if (inside && p.size() > best.size()) best = p;
  }
  return best.empty() ? abs : best;
}

std::string current_project(const State& s, const Instance* me, const Env& env) {
  if (me) return me->project;
  return project_for_path(s, env.cwd);
}

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows, const Env& env) {
  return aio::render_table(header, rows,
                           [&env](const std::string& cell) { return env.paint(cell, "1"); });
}

}  // namespace aio::cli
