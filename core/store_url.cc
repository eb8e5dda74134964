#include "core/store_url.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

namespace aio {
namespace {

constexpr std::string_view kEtcd = "etcd://";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The URL as messages show it: a password someone put in it anyway (in
// user:password@ or password=) replaced by "***".
std::string redacted(std::string text) {
  size_t scheme = text.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t at = text.find('@', start);
  size_t colon = text.find(':', start);
  if (at != std::string::npos && colon < at && text.find('/', start) > at)
    text.replace(colon + 1, at - colon - 1, "***");
  for (size_t p = text.find("password="); p != std::string::npos;
       p = text.find("password=", p + 1)) {
    if (p == 0 || (text[p - 1] != '?' && text[p - 1] != '&')) continue;
    size_t end = text.find('&', p);
    text.replace(p + 9, (end == std::string::npos ? text.size() : end) - p - 9, "***");
  }
  return text;
}

// Everything wrong with a URL is said the same way.
class Bad {
 public:
  explicit Bad(const std::string& text) : shown_(redacted(text)) {}
  Status operator()(const std::string& why) const {
    return Status::invalid("bad store URL '" + shown_ + "': " + why);
  }

 private:
  std::string shown_;
};

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// "HOST:PORT" (HOST may be "[v6]") as "http(s)://HOST:PORT", without the scheme yet.
Status parse_endpoint(const std::string& ep, const Bad& bad, std::string* out) {
  if (ep.empty()) return bad("empty endpoint");
  if (ep.find('@') != std::string::npos) {
    if (ep.find(':') < ep.find('@'))
      return bad(
          "a password never goes in the URL (use "
          "password-file=PATH or $AIO_ETCD_PASSWORD)");
    return bad("no user in the host part: use ?user=NAME");
  }
  size_t colon = ep.rfind(':');
  size_t bracket = ep.rfind(']');
  if (colon == std::string::npos || (bracket != std::string::npos && colon < bracket))
    return bad("no port in '" + ep + "'");
  std::string host = ep.substr(0, colon), port = ep.substr(colon + 1);
  if (host.empty() || host == "[]") return bad("empty host in '" + ep + "'");
  bool v6 = host.front() == '[';
  if (v6 != (host.back() == ']')) return bad("bad host in '" + ep + "'");
  for (char c : v6 ? host.substr(1, host.size() - 2) : host) {
    bool ok = is_alnum(c) || c == '-' || c == '.' || c == '_' || (v6 && c == ':');
    if (!ok) return bad("bad host in '" + ep + "'");
  }
  bool digits = !port.empty() && port.size() <= 5;
  for (char c : port) digits = digits && is_digit(c);
  if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535)
    return bad("port '" + port + "' in '" + ep + "' is not 1-65535");
  *out = host + ":" + port;
  return Status::ok();
}

Status parse_prefix(std::string prefix, const Bad& bad, std::string* out) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty()) return bad("empty prefix (etcd://HOST:PORT/PREFIX)");
  for (char c : prefix)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.' && c != '/')
      return bad("invalid prefix '" + prefix + "' (letters, digits and -_./ only)");
  for (const std::string& seg : split(prefix, '/'))
    if (seg.empty() || seg == "." || seg == "..")
      return bad("invalid prefix '" + prefix + "' (an empty, . or .. part)");
  *out = prefix;
  return Status::ok();
}

// A file option's path: absolute, or ~/ under $HOME.
Status file_option(const std::string& name, const std::string& value, const Bad& bad,
                   const std::function<const char*(const char*)>& getenv, std::string* out) {
  if (value.rfind("~/", 0) == 0) {
    const char* home = getenv("HOME");
    if (!home || !*home) return bad(name + "=" + value + ": $HOME is not set");
    *out = std::string(home) + value.substr(1);
    return Status::ok();
  }
  if (value.front() != '/') return bad(name + "=" + value + " is not an absolute path");
  *out = value;
  return Status::ok();
}

struct Options {
  std::map<std::string, std::string> given;
  bool tls = false;
  std::string password_file;
};

Status parse_options(const std::string& query, const Bad& bad,
                     const std::function<const char*(const char*)>& getenv, StoreUrl* u,
                     Options* o) {
  if (query.empty()) return Status::ok();
  for (const std::string& kv : split(query, '&')) {
    size_t eq = kv.find('=');
    std::string name = kv.substr(0, eq);
    if (name == "password") return bad("a password never goes in the URL (use password-file=PATH)");
    if (eq == std::string::npos || eq + 1 == kv.size())
      return bad("option '" + name + "' has no value");
    std::string value = kv.substr(eq + 1);
    if (!o->given.emplace(name, value).second) return bad("option '" + name + "' given twice");
    if (name == "tls") {
      if (value != "0" && value != "1") return bad("tls=" + value + " (tls=1 or tls=0)");
      o->tls = value == "1";
    } else if (name == "cacert" || name == "cert" || name == "key") {
      std::string* field = name == "cacert" ? &u->cacert : name == "cert" ? &u->cert : &u->key;
      AIO_RETURN_IF_ERROR(file_option(name, value, bad, getenv, field));
      o->tls = true;
    } else if (name == "password-file") {
      AIO_RETURN_IF_ERROR(file_option(name, value, bad, getenv, &o->password_file));
    } else if (name == "user") {
      u->user = value;
    } else {
      return bad("unknown option '" + name + "' (tls, cacert, cert, key, user, password-file)");
    }
  }
  if (o->given.count("tls") && o->given["tls"] == "0" &&
      (!u->cacert.empty() || !u->cert.empty() || !u->key.empty()))
    return bad("tls=0 with TLS files");
  return Status::ok();
}

std::string env_or_empty(const std::function<const char*(const char*)>& getenv, const char* var) {
  const char* v = getenv(var);
  return v ? v : "";
}

// TLS files and the user etcdctl's variables name, where the URL said nothing.
void fill_from_etcdctl(const std::function<const char*(const char*)>& getenv, bool tls, StoreUrl* u,
                       std::string* etcdctl_password) {
  if (tls) {
    if (u->cacert.empty()) u->cacert = env_or_empty(getenv, "ETCDCTL_CACERT");
    if (u->cert.empty()) u->cert = env_or_empty(getenv, "ETCDCTL_CERT");
    if (u->key.empty()) u->key = env_or_empty(getenv, "ETCDCTL_KEY");
  }
  std::string who = env_or_empty(getenv, "ETCDCTL_USER");
  size_t colon = who.find(':');
  std::string name = who.substr(0, colon);
  if (u->user.empty()) u->user = name;
  if (colon != std::string::npos && name == u->user) *etcdctl_password = who.substr(colon + 1);
}

Status read_password(const std::string& path, const Bad& bad, std::string* out) {
  std::ifstream in(path);
  if (!in) return bad("cannot read password-file " + path + " (" + strerror(errno) + ")");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return bad("password-file " + path + " has an empty first line");
  *out = line;
  return Status::ok();
}

Status find_password(const Options& o, const std::string& etcdctl_password, const Bad& bad,
                     const std::function<const char*(const char*)>& getenv, StoreUrl* u) {
  if (!o.password_file.empty() && u->user.empty()) return bad("password-file= without user=");
  if (u->user.empty()) return Status::ok();
  if (!o.password_file.empty()) return read_password(o.password_file, bad, &u->password);
  u->password = env_or_empty(getenv, "AIO_ETCD_PASSWORD");
  if (u->password.empty()) u->password = etcdctl_password;
  if (u->password.empty())
    return bad("user " + u->user +
               " has no password (password-file=PATH, $AIO_ETCD_PASSWORD or "
               "ETCDCTL_USER=name:password)");
  return Status::ok();
}

Result<StoreUrl> parse_etcd(const std::string& text,
                            const std::function<const char*(const char*)>& getenv) {
  Bad bad(text);
  StoreUrl u;
  u.kind = StoreUrl::Kind::kEtcd;
  u.text = text;
  std::string rest = text.substr(kEtcd.size());
  size_t q = rest.find('?');
  std::string query = q == std::string::npos ? "" : rest.substr(q + 1);
  rest = rest.substr(0, q);
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return bad("no prefix (etcd://HOST:PORT/PREFIX)");
  std::vector<std::string> hosts;
  for (const std::string& ep : split(rest.substr(0, slash), ',')) {
    std::string hp;
    AIO_RETURN_IF_ERROR(parse_endpoint(ep, bad, &hp));
    hosts.push_back(hp);
  }
  AIO_RETURN_IF_ERROR(parse_prefix(rest.substr(slash + 1), bad, &u.prefix));
  Options o;
  AIO_RETURN_IF_ERROR(parse_options(query, bad, getenv, &u, &o));
  std::string etcdctl_password;
  fill_from_etcdctl(getenv, o.tls, &u, &etcdctl_password);
  AIO_RETURN_IF_ERROR(find_password(o, etcdctl_password, bad, getenv, &u));
  for (const std::string& hp : hosts) u.endpoints.push_back((o.tls ? "https://" : "http://") + hp);
  return u;
}

}  // namespace

Result<StoreUrl> parse_store_url(const std::string& text,
                                 const std::function<const char*(const char*)>& getenv) {
  if (text.empty() || text == "file") {
    StoreUrl u;
    u.text = text;
    return u;
  }
  Bad bad(text);
  for (char c : text)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return bad("spaces or control characters");
  size_t sep = text.find("://");
  if (sep == std::string::npos) return bad("no scheme (file, or etcd://HOST:PORT/PREFIX)");
  if (text.compare(0, kEtcd.size(), kEtcd) != 0)
    return bad("unknown scheme '" + text.substr(0, sep) + "' (file or etcd)");
  return parse_etcd(text, getenv);
}

std::string describe(const StoreUrl& u) {
  if (u.kind == StoreUrl::Kind::kFile) return "file";
  std::string out = "etcd://";
  bool tls = false;
  for (size_t k = 0; k < u.endpoints.size(); ++k) {
    const std::string& ep = u.endpoints[k];
    tls = ep.rfind("https://", 0) == 0;
    out += (k ? "," : "") + ep.substr(ep.find("://") + 3);
  }
  out += "/" + u.prefix;
  std::vector<std::string> opts;
  if (tls) opts.push_back("tls=1");
  if (!u.cacert.empty()) opts.push_back("cacert=" + u.cacert);
  if (!u.cert.empty()) opts.push_back("cert=" + u.cert);
  if (!u.key.empty()) opts.push_back("key=" + u.key);
  if (!u.user.empty()) opts.push_back("user=" + u.user);
  for (size_t k = 0; k < opts.size(); ++k) out += (k ? "&" : "?") + opts[k];
  return out;
}

}  // namespace aio
