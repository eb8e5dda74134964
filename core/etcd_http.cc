// libcurl under the etcd client (etcd_http.h).
#include "core/etcd_http.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

#include "core/etcd_wire.h"

namespace aio::etcd::http {
namespace {

constexpr size_t kMaxBody = size_t{256} << 20;  // bytes of one answer kept
constexpr size_t kPoolSize = 8;                 // idle handles kept (with their connections)
constexpr long kPollMs = 100;                   // a stream checks *stop this often
// Keepalive: probes after 2 s idle, every second, 3 lost = dead; data
// unacknowledged for 5 s = dead. A vanished server is noticed in seconds.
constexpr long kKeepIdleS = 2, kKeepIntervalS = 1;
constexpr int kKeepCount = 3;
constexpr unsigned kUserTimeoutMs = 5000;

bool port_ok(const std::string& hostport) {
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string port = hostport.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int on_socket(void*, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    int count = kKeepCount;
    unsigned user_timeout = kUserTimeoutMs;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
  }
  return CURL_SOCKOPT_OK;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// failures: (host:port, cause) in the order tried.
Status unreachable(const std::vector<std::pair<std::string, std::string>>& failures) {
  std::vector<std::string> hosts, causes;
  bool same = true;
  for (const auto& [host, cause] : failures) {
    hosts.push_back(host);
    causes.push_back(host + ": " + cause);
    same = same && cause == failures.front().second;
  }
  return Status::state("etcd at " + join(hosts, ",") +
                       " unreachable: " + (same ? failures.front().second : join(causes, "; ")));
}

}  // namespace

struct Transport::Attempt {
  CURL* handle = nullptr;
  const std::function<bool(std::string_view)>* on_bytes = nullptr;  // a stream
  bool answered = false;  // an HTTP answer came whole: status and body
  long status = 0;
  std::string body;
  bool sent = false;      // the request may have reached etcd
  bool received = false;  // a stream: bytes of a 200 answer went to on_bytes
  bool stopped = false;   // a stream: *stop, or on_bytes said no more
  bool too_big = false;
  std::string cause;  // why it failed (not answered)
  char errbuf[CURL_ERROR_SIZE] = {};

  static size_t on_write(char* data, size_t size, size_t n, void* user) {
    auto* a = static_cast<Attempt*>(user);
    size_t len = size * n;
    long status = 0;
    curl_easy_getinfo(a->handle, CURLINFO_RESPONSE_CODE, &status);
    if (a->on_bytes != nullptr && status == 200) {
      a->received = true;
      if ((*a->on_bytes)(std::string_view(data, len))) return len;
      a->stopped = true;
      return 0;
    }
    if (a->body.size() + len > kMaxBody) {
      a->too_big = true;
      return 0;
    }
    a->body.append(data, len);
    return len;
  }

  // After a transfer ended with rc.
  void finish(CURLcode rc, const ClientOptions& o) {
    curl_off_t pretransfer = 0;
    curl_easy_getinfo(handle, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    sent = pretransfer > 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK) {
      answered = true;
      return;
    }
    long os_errno = 0;
    curl_easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
    curl_off_t connected = 0;
    curl_easy_getinfo(handle, CURLINFO_CONNECT_TIME_T, &connected);
    if (too_big) {
      cause = "an answer over " + std::to_string(kMaxBody >> 20) + " MiB";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      cause = connected == 0
                  ? "no connection within " + std::to_string(o.connect_timeout_ms) + " ms"
                  : "no answer within " + std::to_string(o.request_timeout_ms) + " ms";
    } else if (os_errno != 0 && rc == CURLE_COULDNT_CONNECT) {  // "Connection refused"
      cause = std::strerror(static_cast<int>(os_errno));
    } else {
      cause = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    }
  }

  // "HTTP 503: etcdserver: no leader", for an answer that counts as a failure.
  std::string http_cause() const {
    auto e = wire::parse_error(body);
    return "HTTP " + std::to_string(status) + (e.present ? ": " + e.message : "");
  }
};

Result<std::vector<Endpoint>> parse_endpoints(const std::vector<std::string>& urls) {
  if (urls.empty()) return Status::invalid("no etcd endpoint given");
  std::vector<Endpoint> out;
  for (const auto& url : urls) {
    std::string u = url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    size_t p = u.find("://");
    std::string scheme = p == std::string::npos ? "" : u.substr(0, p);
    std::string hostport = p == std::string::npos ? "" : u.substr(p + 3);
    bool ok = (scheme == "http" || scheme == "https") && port_ok(hostport) &&
              hostport.find_first_of("/?#@ \t\r\n") == std::string::npos;
    if (!ok) {
      return Status::invalid("bad etcd endpoint '" + url +
                             "': want http://HOST:PORT or https://HOST:PORT");
    }
    out.push_back({u, hostport});
  }
  return out;
}

Transport::Transport(ClientOptions opts, std::vector<Endpoint> endpoints)
    : opts_(std::move(opts)), endpoints_(std::move(endpoints)) {}

Transport::~Transport() {
  for (void* h : pool_) curl_easy_cleanup(static_cast<CURL*>(h));
}

std::string Transport::where() const {
  std::vector<std::string> hosts;
  for (const auto& ep : endpoints_) hosts.push_back(ep.hostport);
  return join(hosts, ",");
}

void* Transport::take_handle() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      void* h = pool_.back();
      pool_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void Transport::give_back(void* handle) const {
  curl_easy_reset(static_cast<CURL*>(handle));  // keeps the connection, drops our pointers
  std::lock_guard lock(pool_mu_);
  if (pool_.size() < kPoolSize) {
    pool_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void Transport::setup(void* handle, const Endpoint& ep, const std::string& path,
                      const std::string& body, void* headers, Attempt& a) const {
  CURL* h = static_cast<CURL*>(handle);
  a.handle = h;
  curl_easy_setopt(h, CURLOPT_URL, (ep.url + path).c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headers));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(opts_.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, kKeepIdleS);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, kKeepIntervalS);
  curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Attempt::on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, a.errbuf);
  if (!opts_.cacert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opts_.cacert.c_str());
  if (!opts_.cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, opts_.cert.c_str());
  if (!opts_.key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, opts_.key.c_str());
}

namespace {

curl_slist* make_headers(const std::string& token) {
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: " + token).c_str());
  return headers;
}

}  // namespace

Transport::Attempt Transport::perform(const Endpoint& ep, const std::string& path,
                                      const std::string& body, const std::string& token) const {
  Attempt a;
  void* h = take_handle();
  if (h == nullptr) {
    a.cause = "cannot make a curl handle";
    return a;
  }
  curl_slist* headers = make_headers(token);
  setup(h, ep, path, body, headers, a);
  curl_easy_setopt(static_cast<CURL*>(h), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(opts_.request_timeout_ms));
  a.finish(curl_easy_perform(static_cast<CURL*>(h)), opts_);
  give_back(h);
  curl_slist_free_all(headers);
  return a;
}

Result<Reply> Transport::post(const std::string& path, const std::string& body,
                              const std::string& token, bool idempotent) const {
  size_t n = endpoints_.size(), start = preferred_.load();
  std::vector<std::pair<std::string, std::string>> failures;
  for (size_t i = 0; i < n; ++i) {
    size_t idx = (start + i) % n;
    Attempt a = perform(endpoints_[idx], path, body, token);
    if (a.answered && a.status < 500) {
      preferred_ = idx;
      return Reply{a.status, std::move(a.body)};
    }
    failures.emplace_back(endpoints_[idx].hostport, a.answered ? a.http_cause() : a.cause);
    if (!idempotent && a.sent) break;  // it may have been applied: never twice
  }
  return unreachable(failures);
}

Transport::Attempt Transport::perform_stream(const Endpoint& ep, const std::string& path,
                                             const std::string& body, const std::string& token,
                                             const std::function<bool(std::string_view)>& on_bytes,
                                             const std::atomic<bool>* stop) const {
  Attempt a;
  a.on_bytes = &on_bytes;
  CURL* h = curl_easy_init();
  CURLM* m = curl_multi_init();
  if (h == nullptr || m == nullptr) {
    a.cause = "cannot make a curl handle";
  } else {
    curl_slist* headers = make_headers(token);
    setup(h, ep, path, body, headers, a);
    curl_multi_add_handle(m, h);
    for (;;) {
      if (stop != nullptr && stop->load()) {
        a.stopped = true;
        break;
      }
      int running = 0;
      CURLMcode mc = curl_multi_perform(m, &running);
      if (a.stopped) break;  // on_bytes said no more
      if (mc != CURLM_OK || running == 0) {
        int left = 0;
        CURLcode rc = mc != CURLM_OK ? CURLE_FAILED_INIT : CURLE_RECV_ERROR;
        while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
          if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
        }
        a.finish(rc, opts_);
        break;
      }
      curl_multi_poll(m, nullptr, 0, kPollMs, nullptr);
    }
    curl_multi_remove_handle(m, h);
    curl_slist_free_all(headers);
  }
  if (m != nullptr) curl_multi_cleanup(m);
  if (h != nullptr) curl_easy_cleanup(h);
  return a;
}

Result<Reply> Transport::stream(const std::string& path, const std::string& body,
                                const std::string& token,
                                const std::function<bool(std::string_view)>& on_bytes,
                                const std::atomic<bool>* stop) const {
  size_t n = endpoints_.size(), start = preferred_.load();
  std::vector<std::pair<std::string, std::string>> failures;
  for (size_t i = 0; i < n; ++i) {
    size_t idx = (start + i) % n;
    Attempt a = perform_stream(endpoints_[idx], path, body, token, on_bytes, stop);
    if (a.stopped) return Reply{200, ""};
    if (a.received || (a.answered && a.status == 200)) {
      preferred_ = idx;
      std::string why = a.answered ? "etcd closed the stream" : a.cause;
      return Status::state("etcd at " + endpoints_[idx].hostport + " unreachable: " + why);
    }
    if (a.answered && a.status < 500) {
      preferred_ = idx;
      return Reply{a.status, std::move(a.body)};
    }
    failures.emplace_back(endpoints_[idx].hostport, a.answered ? a.http_cause() : a.cause);
  }
  return unreachable(failures);
}

}  // namespace aio::etcd::http
