// aio keepalive: this machine's lease keeper for a store shared by several
// machines (core/keeper.h). Started on demand by any command that puts an
// instance of this machine in such a store (spawn_keeper), detached, in /,
// its output in $AIO_HOME/keeper.log; it leaves once this machine has had no
// instance there for a few rounds. A second keeper finds the lock held and
// leaves at once; a mount daemon keeps leases itself when it holds the lock.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/arena.h"
#include "cli/env.h"
#include "core/beads.h"
#include "core/keeper.h"
#include "core/timeutil.h"

namespace aio::cli {
namespace {

constexpr int kIdleRounds = 3;  // rounds without an instance here before leaving

Status run_keepalive(Env& env, bool once) {
  arena_off();  // a long-lived process: freed memory must come back
  if (env.store->lease_seconds() <= 0)
    return Status::invalid("aio keepalive keeps leases of a shared store (--store etcd://...); " +
                           env.store->where() + " has none");
  // A command that just looked whether a keeper runs holds the lock for a
  // moment: try for a second before leaving it to the keeper that does.
  auto lock = KeeperLock::try_take(env.home, env.store->where());
  for (int k = 0; k < 10 && !lock; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    lock = KeeperLock::try_take(env.home, env.store->where());
  }
  if (!lock) {
    if (once) env.out("another keeper holds " + env.store->where() + " on this machine\n");
    return Status::ok();
  }
  spdlog::info("keeper {}: keeping leases of machine {} in {}", getpid(), env.clock.machine_id,
               env.store->where());
  int idle = 0;
  for (;;) {
    env.clock.now = now_seconds();
    auto r = keep_leases(*env.store, env.clock);
    if (!r) {
      spdlog::warn("keeper: {}", r.status().message());  // etcd away: try again next round
      idle = 0;
    } else {
      for (const auto& i : r->ended) spdlog::info("keeper: removed {} (no longer live here)", i.id);
      for (const auto& id : r->lost) spdlog::warn("keeper: the lease of {} had lapsed", id);
      if (!r->released.empty()) beads_reopen(env, r->released, "");
      idle = r->mine == 0 ? idle + 1 : 0;
      if (once) {
        env.out(std::to_string(r->renewed) + " lease(s) renewed, " +
                std::to_string(r->ended.size()) + " instance(s) removed\n");
        return Status::ok();
      }
      if (idle >= kIdleRounds) return Status::ok();
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(keeper_interval_ms(env.store->lease_seconds())));
  }
}

}  // namespace

void spawn_keeper(const Env& env, const std::string& store_url) {
  if (KeeperLock::held(env.home, env.store->where())) return;
  std::string log = env.home + "/keeper.log";
  pid_t child = fork();
  if (child < 0) return;
  if (child > 0) {
    int st = 0;
    waitpid(child, &st, 0);
    return;
  }
  // The first child: a new session, and the keeper its child (no zombie, no
  // terminal, no working directory inside a mount).
  setsid();
  sigset_t none;  // aio exec blocks the signals it reads through a signalfd
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGHUP, SIG_IGN);
  if (fork() != 0) _exit(0);
  if (chdir("/") != 0) _exit(1);
  int in = open("/dev/null", O_RDONLY);
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (in < 0 || out < 0) _exit(1);
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  closefrom(3);
  const char* argv[] = {"aio", "--store", store_url.c_str(), "-v", "keepalive", nullptr};
  execv("/proc/self/exe", const_cast<char* const*>(argv));
  _exit(127);
}

void register_keepalive_command(CLI::App& app, Env& env) {
  auto once = std::make_shared<bool>(false);
  auto* k = app.add_subcommand(
      "keepalive", "Keep this machine's instances' leases in a shared store (started on demand)");
  k->add_flag("--once", *once, "One round, then leave");
  k->callback([&env, once] { env.run = [&env, once] { return run_keepalive(env, *once); }; });
}

}  // namespace aio::cli
