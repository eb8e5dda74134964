// Which store holds the state, and how to reach it (DESIGN.md §3).
//
//   ""  or "file"                               the JSON files in $AIO_HOME (default)
//   etcd://HOST:PORT[,HOST:PORT...]/PREFIX[?OPTIONS]
//
// PREFIX is the key prefix everything lives under (letters, digits, and
// "-_./"; required, so that teams never share the root by accident). OPTIONS
// (query form, `&`-separated) pass TLS and authentication through:
//   tls=1            talk https to every endpoint (implied by any of the next three)
//   cacert=PATH      CA bundle to trust   cert=PATH, key=PATH   client certificate
//   user=NAME        authenticate as NAME; the password comes from
//                    password-file=PATH (first line), else $AIO_ETCD_PASSWORD
// etcdctl's own variables fill what the URL leaves out: ETCDCTL_CACERT,
// ETCDCTL_CERT, ETCDCTL_KEY (when the URL asks for TLS), ETCDCTL_USER
// ("name" or "name:password"; its password only for that same user, after
// password-file and $AIO_ETCD_PASSWORD). A user with no password is an error.
// A password never comes from the URL itself (it would land in git config):
// one there is refused, and shown as "***" in the error.
// File paths are absolute (or ~/...); password-file is read when parsing,
// the TLS files are read (and missing ones named) when connecting.
//
// Where the URL comes from, first found wins: `--store URL`, $AIO_STORE,
// `git config aio.store` of the repository holding the working directory
// (written by `aio-init --store URL`; shared by the repository's worktrees).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace aio {

struct StoreUrl {
  enum class Kind { kFile, kEtcd };
  Kind kind = Kind::kFile;
  std::string text;                    // as given ("" for the default)
  std::vector<std::string> endpoints;  // "http://h:p" / "https://h:p", in order
  std::string prefix;                  // without a trailing '/'
  std::string cacert, cert, key;       // TLS files ("" none)
  std::string user, password;          // authentication ("" none)
  // Where the URL came from, for messages: "--store", "AIO_STORE",
  // "git config aio.store of /repo", "" for the default.
  std::string source;
};

// Parses a store URL; `getenv` reads the environment (AIO_ETCD_PASSWORD,
// ETCDCTL_*), and password-file is read here. kInvalid with one line naming
// what is wrong ("bad store URL 'etcd://x': no port in 'x'").
Result<StoreUrl> parse_store_url(const std::string& text,
                                 const std::function<const char*(const char*)>& getenv);

// The URL with options but never a password, for messages and status.
std::string describe(const StoreUrl& u);

}  // namespace aio
