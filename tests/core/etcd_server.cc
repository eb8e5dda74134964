// The etcd test server (etcd_server.h).
#include "tests/core/etcd_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/etcd_client.h"
#include "core/subprocess.h"

namespace aio::test {
namespace {

constexpr int kReadyTimeoutMs = 20000, kStopTimeoutMs = 10000;

// A port nothing listens on now (the kernel's choice for an ephemeral bind).
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string path_env() {
  const char* p = getenv("PATH");
  return p != nullptr ? p : "/usr/local/bin:/usr/bin:/bin";
}

std::string log_tail(const std::string& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  constexpr size_t kTail = 600;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace

bool etcd_required_by_ci() {
  const char* ci = getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

Result<std::unique_ptr<EtcdServer>> EtcdServer::start(std::vector<std::string> extra, bool tls) {
  if (find_program("etcd", path_env()).empty()) {
    return Status::state("etcd is not installed (apt-get install etcd-server etcd-client)");
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "aio-etcd-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    return Status::sys("cannot make a directory for etcd", errno);
  std::unique_ptr<EtcdServer> server(new EtcdServer());
  server->dir_ = tmpl;
  server->extra_ = std::move(extra);
  server->tls_ = tls;
  if (tls) {
    AIO_RETURN_IF_ERROR(server->make_certificates());
    const std::string& d = server->dir_;
    server->extra_.insert(server->extra_.end(),
                          {"--cert-file=" + d + "/server.crt", "--key-file=" + d + "/server.key",
                           "--trusted-ca-file=" + d + "/ca.crt", "--client-cert-auth"});
  }
  Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {  // a port taken meanwhile: new ports
    server->client_port_ = free_port();
    server->peer_port_ = free_port();
    s = server->spawn();
    if (s) s = server->wait_ready();
    if (s) return server;
    (void)server->kill();
  }
  return s;
}

EtcdServer* EtcdServer::shared(std::string* why) {
  static std::unique_ptr<EtcdServer> server;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    auto started = start();
    if (started) {
      server = std::move(*started);
    } else {
      failure = started.status().message();
    }
  }
  if (server && !server->running()) {
    Status s = server->restart();  // a test stopped it and failed before restarting
    if (!s) failure = s.message();
  }
  if (server && server->running()) return server.get();
  *why = "no etcd for this test: " + failure;
  return nullptr;
}

EtcdServer::~EtcdServer() {
  (void)kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string EtcdServer::endpoint() const {
  return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(client_port_);
}

etcd::ClientOptions EtcdServer::tls_files() const {
  etcd::ClientOptions o;
  o.endpoints = {endpoint()};
  o.cacert = dir_ + "/ca.crt";
  o.cert = dir_ + "/client.crt";
  o.key = dir_ + "/client.key";
  return o;
}

// A CA, a server certificate for 127.0.0.1 and a client certificate (EC
// keys, one day), with the openssl command line. The server's is for client
// authentication too: etcd 3.4's gateway presents it to etcd's own gRPC.
Status EtcdServer::make_certificates() {
  std::string openssl = find_program("openssl", path_env());
  if (openssl.empty()) return Status::state("openssl is not installed");
  {
    std::ofstream ext(dir_ + "/server.ext");
    ext << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n";
    std::ofstream cext(dir_ + "/client.ext");
    cext << "extendedKeyUsage=clientAuth\n";
  }
  const std::string d = dir_ + "/";
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};
  std::vector<std::vector<std::string>> steps = {{"req", "-x509", "-keyout", d + "ca.key", "-out",
                                                  d + "ca.crt", "-days", "1", "-subj",
                                                  "/CN=aio-test-ca"}};
  for (const char* who : {"server", "client"}) {
    std::string w = d + who;
    steps.push_back({"req", "-keyout", w + ".key", "-out", w + ".csr", "-subj",
                     std::string("/CN=") + (std::string(who) == "server" ? "127.0.0.1" : "root")});
    steps.push_back({"x509", "-req", "-in", w + ".csr", "-CA", d + "ca.crt", "-CAkey", d + "ca.key",
                     "-CAcreateserial", "-out", w + ".crt", "-days", "1", "-extfile", w + ".ext"});
  }
  for (auto& step : steps) {
    RunSpec spec;
    spec.argv = {openssl};
    spec.argv.insert(spec.argv.end(), step.begin(), step.end());
    if (step[0] == "req") spec.argv.insert(spec.argv.begin() + 2, ec.begin(), ec.end());
    auto r = run_program(spec);
    if (!r) return r.status();
    if (r->exit_code != 0) return Status::state("openssl " + step[0] + " failed: " + r->err);
  }
  return Status::ok();
}

Status EtcdServer::spawn() {
  std::string client = endpoint();
  std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  std::vector<std::string> args = {find_program("etcd", path_env()),
                                   "--name=aio-test",
                                   "--data-dir=" + dir_ + "/data",
                                   "--listen-client-urls=" + client,
                                   "--advertise-client-urls=" + client,
                                   "--listen-peer-urls=" + peer,
                                   "--initial-advertise-peer-urls=" + peer,
                                   "--initial-cluster=aio-test=" + peer,
                                   "--logger=zap",
                                   "--log-level=error"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string log = dir_ + "/etcd.log";
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::sys("cannot open " + log, errno);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls from here
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int err = errno;
  close(fd);
  if (pid < 0) return Status::sys("cannot start etcd", err);
  pid_ = pid;
  return Status::ok();
}

Status EtcdServer::wait_ready() {
  etcd::ClientOptions opts;
  if (tls_) opts = tls_files();
  opts.endpoints = {endpoint()};
  opts.connect_timeout_ms = 500;
  opts.request_timeout_ms = 1000;
  auto client = etcd::Client::open(opts);
  if (!client) return client.status();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::state("etcd exited at start: " + log_tail(dir_ + "/etcd.log"));
    }
    etcd::RangeRequest ready;
    ready.key = "aio-test-ready";
    auto r = (*client)->range(ready);
    if (r) return Status::ok();
    last = r.status().message();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::state("etcd not ready after " + std::to_string(kReadyTimeoutMs) + " ms: " + last);
}

Status EtcdServer::signal_and_wait(int sig) {
  if (pid_ <= 0) return Status::ok();
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopTimeoutMs);
  int wstatus = 0;
  while (waitpid(pid_, &wstatus, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &wstatus, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return Status::ok();
}

Status EtcdServer::stop() {
  return signal_and_wait(SIGTERM);
}
Status EtcdServer::kill() {
  return signal_and_wait(SIGKILL);
}

Status EtcdServer::restart() {
  if (running()) AIO_RETURN_IF_ERROR(stop());
  AIO_RETURN_IF_ERROR(spawn());
  return wait_ready();
}

Result<std::string> EtcdServer::etcdctl(const std::vector<std::string>& args) const {
  RunSpec spec;
  spec.argv = {find_program("etcdctl", path_env()), "--endpoints=" + endpoint()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {"ETCDCTL_API=3"};
  auto r = run_program(spec);
  if (!r) return r.status();
  if (r->exit_code != 0) return Status::state("etcdctl failed: " + r->err);
  return r->out;
}

etcd::ClientOptions client_options(std::vector<std::string> endpoints, std::string user,
                                   std::string password) {
  etcd::ClientOptions o;
  o.endpoints = std::move(endpoints);
  o.user = std::move(user);
  o.password = std::move(password);
  return o;
}

etcd::RangeRequest range_of(std::string key, std::string range_end, int64_t revision, int64_t limit,
                            bool keys_only) {
  etcd::RangeRequest r;
  r.key = std::move(key);
  r.range_end = std::move(range_end);
  r.revision = revision;
  r.limit = limit;
  r.keys_only = keys_only;
  return r;
}

std::string unique_prefix() {
  static std::atomic<int> n{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? std::string(info->test_suite_name()) + "." + info->name()
                                     : std::string("no-test");
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return "aio-test/" + name + "/" + std::to_string(getpid()) + "-" + std::to_string(++n) + "/";
}

}  // namespace aio::test
