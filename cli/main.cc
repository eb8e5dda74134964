// aio: the command line. One binary; called as aio-context or aio-init it
// behaves as `aio context ...` or `aio init ...`. main alone owns exit codes,
// logging set-up and --json; commands live one group per file.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string_view>

#include <spdlog/spdlog.h>

#include "cli/env.h"
#include "core/fileio.h"
#include "core/logging.h"
#include "core/path.h"
#include "core/procinfo.h"
#include "core/timeutil.h"

namespace {

using aio::Status;

std::string home_dir() {
  if (const char* h = getenv("AIO_HOME"); h && *h) return aio::absolute_path(h);
  const char* home = getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.ai-orchestrator";
}

int64_t session_leader_start(pid_t sid) {
  auto st = aio::proc_stat(sid);
  return st ? st->start : 0;
}

void setup_logging(const aio::cli::Env& env, bool file_log) {
  aio::LogSetup log;
  log.name = "aio";
  log.stderr_prefix = "aio: ";
  log.verbose = env.verbose;
  if (file_log) log.file = env.home + "/logs/aio.log";
  log.open_at_first_line = true;  // most commands log nothing there
  aio::setup_logging(log);
}

int fail(const aio::cli::Env& env, const Status& s) {
  // An empty message: the command already printed its answer (aio check).
  if (s.message().empty()) return s.exit_code();
  std::string msg = s.message();
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  for (char& ch : msg)
    if (ch == '\n') ch = ' ';
  if (env.json) {
    aio::Json j = {{"ok", false}, {"error", {{"code", s.exit_code()}, {"message", msg}}}};
    env.print_json(j);
  }
  fprintf(stderr, "aio: %s\n", msg.c_str());
  spdlog::info("failed (exit {}): {}", s.exit_code(), msg);
  return s.exit_code();
}

// Where and when the command runs, and who calls it (Env's "filled in by main").
Status fill_env(aio::cli::Env& env) {
  env.home = home_dir();
  char cwd[PATH_MAX];
  env.cwd = getcwd(cwd, sizeof cwd) ? aio::normalize_absolute(cwd) : "/";
  env.clock.now = aio::now_seconds();
  env.clock.machine_id = aio::this_machine_id();
  env.clock.procs = &env.procs;
  if (const char* s = getenv("AIO_STALE_SECONDS"); s && *s) {
    char* end = nullptr;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || v < 0)
      return Status::invalid("AIO_STALE_SECONDS must be a number of seconds, got '" +
                             std::string(s) + "'");
    env.clock.stale_seconds = v;
  }
  if (!env.instance_flag.empty()) env.caller.flag_id = env.instance_flag;
  if (const char* e = getenv("AIO_INSTANCE"); e && *e) env.caller.env_id = std::string(e);
  pid_t sid = getsid(0);
  env.caller.sid = sid;
  env.caller.sid_start = session_leader_start(sid);
  env.caller.lineage = aio::proc_lineage(getppid());
  env.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !env.json;
  return Status::ok();
}

// The command groups and the commands each registers. Setting up every
// command's options costs about as much as a small command's own work, so
// main sets up only the group of the command given; with none, or one not
// listed here, every group (help, --version and errors see them all).
// tests/cli/commands_test.sh checks each command listed by `aio --help`.
struct Group {
  void (*add)(CLI::App&, aio::cli::Env&);
  std::initializer_list<std::string_view> commands;
};
const Group kGroups[] = {
    {aio::cli::register_instance_commands,
     {"register", "heartbeat", "unregister", "cleanup", "status", "task"}},
    {aio::cli::register_claim_command, {"claim"}},
    {aio::cli::register_check_command, {"check"}},
    {aio::cli::register_release_command, {"release"}},
    {aio::cli::register_context_commands, {"context"}},
    {aio::cli::register_init_command, {"init"}},
    {aio::cli::register_mount_commands, {"mount", "unmount", "mounts"}},
    {aio::cli::register_exec_command, {"exec"}},
    {aio::cli::register_hook_command, {"hook"}},
    {aio::cli::register_beads_commands, {"done", "ready"}},
    {aio::cli::register_keepalive_command, {"keepalive"}},
};

// The command word of args (args[0] is the program): the first argument
// that is neither an option nor the value of --instance or --store.
std::string_view command_word(const std::vector<std::string>& args) {
  for (size_t k = 1; k < args.size(); ++k) {
    const std::string& a = args[k];
    if (a == "--") return {};
    if (a == "--instance" || a == "--store") {
      ++k;
      continue;
    }
    if (!a.empty() && a.front() != '-') return a;
  }
  return {};
}

// Sets up the group listing `word`, or every group. Setting them all up
// (help, --version) also checks the table: a command a group sets up that
// its row does not list would be set up only the slow way, unnoticed.
void register_commands(CLI::App& app, aio::cli::Env& env, std::string_view word) {
  for (const Group& g : kGroups)
    if (std::find(g.commands.begin(), g.commands.end(), word) != g.commands.end()) {
      g.add(app, env);
      return;
    }
  const std::function<bool(CLI::App*)> all;
  for (const Group& g : kGroups) {
    size_t before = app.get_subcommands(all).size();
    g.add(app, env);
    auto added = app.get_subcommands(all);
    if (!std::equal(added.begin() + static_cast<std::ptrdiff_t>(before), added.end(),
                    g.commands.begin(), g.commands.end(),
                    [](const CLI::App* a, std::string_view name) { return a->get_name() == name; }))
      fprintf(stderr, "aio: internal: the command table in main.cc is out of date ('%s' ...)\n",
              added.size() > before ? added[before]->get_name().c_str() : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Dispatch on the program name: aio-context => aio context, aio-init => aio init.
  std::vector<std::string> args;
  std::string prog = argc > 0 ? argv[0] : "aio";
  std::string base = prog.substr(prog.rfind('/') == std::string::npos ? 0 : prog.rfind('/') + 1);
  args.push_back("aio");
  if (base == "aio-context") args.push_back("context");
  if (base == "aio-init") args.push_back("init");
  if (base == "aio-amp-delegate") args.insert(args.end(), {"hook", "amp", "delegate"});
  for (int k = 1; k < argc; ++k) args.push_back(argv[k]);
  aio::cli::strip_exec_separator(args);

  aio::cli::Env env;
  CLI::App app{"aio: coordinate AI coding agents working in one project", "aio"};
  app.require_subcommand(1);
  app.fallthrough(true);
  app.set_help_all_flag("--help-all", "Show help for every command");
  app.add_flag("--json", env.json, "Print one JSON document on stdout");
  app.add_flag("-v,--verbose", env.verbose, "Log to stderr (-vv: more)");
  app.add_option("--instance", env.instance_flag, "Act as this instance id");
  std::string store_url;
  auto* store_opt =
      app.add_option("--store", store_url,
                     "State store: file (default) or etcd://HOST:PORT[,...]/PREFIX[?OPTIONS]");
  app.add_flag_callback(
      "--version",
      [] {
        printf("aio %s\n", "0.1.0");
        exit(0);
      },
      "Print the version");

  register_commands(app, env, command_word(args));

  std::vector<std::string> rev(args.rbegin(), args.rend() - 1);
  try {
    app.parse(rev);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    env.json = std::find(args.begin(), args.end(), "--json") != args.end();
    setup_logging(env, false);  // else spdlog's default logger writes to stdout
    return fail(env, Status::invalid(what + " (see aio --help)"));
  }

  if (store_opt->count() > 0) env.store_flag = store_url;
  if (Status s = fill_env(env); !s) {
    setup_logging(env, false);
    return fail(env, s);
  }

  // $AIO_HOME holds more than the file store (locks, the keeper's log, git
  // facts, the log): there whatever store the command uses. Best effort:
  // what needs it says so when it is missing.
  (void)aio::make_dirs(env.home, 0700);
  setup_logging(env, true);
  if (Status s = aio::cli::open_selected_store(env); !s) {
    if (!env.store_optional) return fail(env, s);
    fprintf(stderr, "aio: warning: %s; going on without the state\n", s.message().c_str());
  }
  if (!env.run) return fail(env, Status::invalid("no command given (see aio --help)"));
  Status s = env.run();
  if (!s && s.code() == aio::Code::kState && env.store_url.kind != aio::StoreUrl::Kind::kFile &&
      s.message().find("unreachable") != std::string::npos && !env.store_url.source.empty())
    s = Status(s.code(), s.message() + " (store from " + env.store_url.source + ")");
  if (!s) return fail(env, s);
  fflush(stdout);
  return env.exit_code.value_or(0);
}
