// core/store_url.h: the store URL grammar, strict errors, the environment
// filling what the URL leaves out, and describe() never showing a password.
#include "core/store_url.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <map>

namespace aio {
namespace {

using Vars = std::map<std::string, std::string>;

std::function<const char*(const char*)> env_of(const Vars& vars) {
  return [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

struct Good {
  const char* text;
  Vars vars;
  const char* endpoints;  // space-separated
  const char* prefix;
  const char* user;
  const char* password;
  const char* cacert;
  const char* described;
};

void PrintTo(const Good& c, std::ostream* os) {
  *os << c.text;
}

class StoreUrlGood : public ::testing::TestWithParam<Good> {};

TEST_P(StoreUrlGood, Parses) {
  const Good& c = GetParam();
  auto u = parse_store_url(c.text, env_of(c.vars));
  ASSERT_TRUE(u) << u.status().message();
  EXPECT_EQ(u->kind, StoreUrl::Kind::kEtcd);
  EXPECT_EQ(u->text, c.text);
  EXPECT_EQ(joined(u->endpoints), c.endpoints);
  EXPECT_EQ(u->prefix, c.prefix);
  EXPECT_EQ(u->user, c.user);
  EXPECT_EQ(u->password, c.password);
  EXPECT_EQ(u->cacert, c.cacert);
  EXPECT_EQ(describe(*u), c.described);
}

INSTANTIATE_TEST_SUITE_P(
    Table, StoreUrlGood,
    ::testing::Values(Good{"etcd://127.0.0.1:2379/team",
                           {},
                           "http://127.0.0.1:2379",
                           "team",
                           "",
                           "",
                           "",
                           "etcd://127.0.0.1:2379/team"},
                      Good{"etcd://a:1,b.example.com:65535/t/x/",
                           {},
                           "http://a:1 http://b.example.com:65535",
                           "t/x",
                           "",
                           "",
                           "",
                           "etcd://a:1,b.example.com:65535/t/x"},
                      Good{"etcd://[::1]:2379/p-1_a.b",
                           {},
                           "http://[::1]:2379",
                           "p-1_a.b",
                           "",
                           "",
                           "",
                           "etcd://[::1]:2379/p-1_a.b"},
                      Good{"etcd://h:2379/p?tls=1",
                           {},
                           "https://h:2379",
                           "p",
                           "",
                           "",
                           "",
                           "etcd://h:2379/p?tls=1"},
                      Good{"etcd://h:2379/p?cacert=/ca.pem",
                           {},
                           "https://h:2379",
                           "p",
                           "",
                           "",
                           "/ca.pem",
                           "etcd://h:2379/p?tls=1&cacert=/ca.pem"},
                      Good{"etcd://h:2379/p?cacert=~/ca.pem",
                           {{"HOME", "/home/u"}},
                           "https://h:2379",
                           "p",
                           "",
                           "",
                           "/home/u/ca.pem",
                           "etcd://h:2379/p?tls=1&cacert=/home/u/ca.pem"},
                      // etcdctl's variables fill what the URL leaves out; TLS files only for TLS.
                      Good{"etcd://h:2379/p?tls=1",
                           {{"ETCDCTL_CACERT", "/e/ca"}},
                           "https://h:2379",
                           "p",
                           "",
                           "",
                           "/e/ca",
                           "etcd://h:2379/p?tls=1&cacert=/e/ca"},
                      Good{"etcd://h:2379/p",
                           {{"ETCDCTL_CACERT", "/e/ca"}},
                           "http://h:2379",
                           "p",
                           "",
                           "",
                           "",
                           "etcd://h:2379/p"},
                      Good{"etcd://h:2379/p?user=al",
                           {{"AIO_ETCD_PASSWORD", "s3cret"}},
                           "http://h:2379",
                           "p",
                           "al",
                           "s3cret",
                           "",
                           "etcd://h:2379/p?user=al"},
                      Good{"etcd://h:2379/p",
                           {{"ETCDCTL_USER", "bo:pw"}},
                           "http://h:2379",
                           "p",
                           "bo",
                           "pw",
                           "",
                           "etcd://h:2379/p?user=bo"},
                      Good{"etcd://h:2379/p?user=al",
                           {{"ETCDCTL_USER", "al:pw"}},
                           "http://h:2379",
                           "p",
                           "al",
                           "pw",
                           "",
                           "etcd://h:2379/p?user=al"},
                      Good{"etcd://h:2379/p?user=al",
                           {{"ETCDCTL_USER", "al:pw"}, {"AIO_ETCD_PASSWORD", "first"}},
                           "http://h:2379",
                           "p",
                           "al",
                           "first",
                           "",
                           "etcd://h:2379/p?user=al"}));

TEST(StoreUrl, FileStore) {
  Vars none;
  for (const char* text : {"", "file"}) {
    auto u = parse_store_url(text, env_of(none));
    ASSERT_TRUE(u) << u.status().message();
    EXPECT_EQ(u->kind, StoreUrl::Kind::kFile) << text;
    EXPECT_EQ(u->text, text);
    EXPECT_TRUE(u->endpoints.empty());
    EXPECT_EQ(describe(*u), "file");
  }
}

struct BadCase {
  const char* text;
  Vars vars;
  const char* says;  // a part of the one-line error
};

void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.text;
}

class StoreUrlBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(StoreUrlBad, OneLineNamingWhat) {
  const BadCase& c = GetParam();
  auto u = parse_store_url(c.text, env_of(c.vars));
  ASSERT_FALSE(u) << c.text;
  EXPECT_EQ(u.status().code(), Code::kInvalid);
  std::string m = u.status().message();
  EXPECT_NE(m.find(c.says), std::string::npos) << m;
  EXPECT_EQ(m.rfind("bad store URL '", 0), 0u) << m;
  if (std::string(c.text).find("hunter2") == std::string::npos) {
    EXPECT_EQ(m.rfind(std::string("bad store URL '") + c.text + "': ", 0), 0u) << m;
  }
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  for (const char* secret : {"hunter2", "s3cret"})
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Table, StoreUrlBad,
    ::testing::Values(
        BadCase{"localhost:2379", {}, "no scheme"}, BadCase{"files", {}, "no scheme"},
        BadCase{"http://h:2379/p", {}, "unknown scheme 'http'"},
        BadCase{"etcd:/h:2379/p", {}, "no scheme"}, BadCase{"etcd://h:2379", {}, "no prefix"},
        BadCase{"etcd://h:2379/", {}, "empty prefix"},
        BadCase{"etcd://h:2379//", {}, "empty prefix"}, BadCase{"etcd://h:2379/a b", {}, "spaces"},
        BadCase{"etcd://h:2379/a*b", {}, "invalid prefix 'a*b'"},
        BadCase{"etcd://h:2379/a//b", {}, "invalid prefix"},
        BadCase{"etcd://h:2379/a/../b", {}, "invalid prefix"},
        BadCase{"etcd://h/p", {}, "no port in 'h'"}, BadCase{"etcd://:2379/p", {}, "empty host"},
        BadCase{"etcd://h:0/p", {}, "port '0'"}, BadCase{"etcd://h:65536/p", {}, "port '65536'"},
        BadCase{"etcd://h:/p", {}, "port ''"}, BadCase{"etcd://h:23a/p", {}, "port '23a'"},
        BadCase{"etcd://h:1,/p", {}, "empty endpoint"},
        BadCase{"etcd://[::1]/p", {}, "no port in '[::1]'"},
        BadCase{"etcd://h%:1/p", {}, "bad host"},
        BadCase{"etcd://al:hunter2@h:1/p", {}, "a password never goes in the URL"},
        BadCase{"etcd://al@h:1/p", {}, "?user=NAME"},
        BadCase{"etcd://h:1/p?password=hunter2", {}, "a password never goes in the URL"},
        BadCase{"etcd://h:1/p?user=al&password=hunter2&tls=1", {}, "password=***&tls=1'"},
        BadCase{"https://al:hunter2@h/p", {}, "'https://al:***@h/p': unknown scheme"},
        BadCase{"etcd://h:1/p?tls=yes", {}, "tls=yes"},
        BadCase{"etcd://h:1/p?tls", {}, "option 'tls' has no value"},
        BadCase{"etcd://h:1/p?user=", {}, "option 'user' has no value"},
        BadCase{"etcd://h:1/p?user=a&user=b", {}, "given twice"},
        BadCase{"etcd://h:1/p?colour=red", {}, "unknown option 'colour'"},
        BadCase{"etcd://h:1/p?tls=0&cacert=/ca", {}, "tls=0 with TLS files"},
        BadCase{"etcd://h:1/p?cacert=ca.pem", {}, "cacert=ca.pem is not an absolute path"},
        BadCase{"etcd://h:1/p?password-file=/nonexistent/pw", {}, "password-file= without user="},
        BadCase{"etcd://h:1/p?user=al&password-file=/nonexistent/pw",
                {},
                "cannot read password-file /nonexistent/pw"},
        BadCase{"etcd://h:1/p?user=al", {}, "user al has no password"},
        BadCase{"etcd://h:1/p?user=al", {{"ETCDCTL_USER", "bo:hunter2"}}, "no password"}));

class PasswordFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aio-store-url-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
  }
  void TearDown() override { unlink(path_.c_str()); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string path_;
};

TEST_F(PasswordFile, FirstLineWinsOverTheEnvironmentAndIsNeverShown) {
  write("hunter2\r\nsecond line\n");
  Vars vars{{"AIO_ETCD_PASSWORD", "s3cret"}};
  auto u = parse_store_url("etcd://h:1/p?user=al&password-file=" + path_, env_of(vars));
  ASSERT_TRUE(u) << u.status().message();
  EXPECT_EQ(u->password, "hunter2");
  EXPECT_EQ(describe(*u), "etcd://h:1/p?user=al");
}

TEST_F(PasswordFile, EmptyFirstLineIsAnError) {
  write("\nhunter2\n");
  Vars none;
  auto u = parse_store_url("etcd://h:1/p?user=al&password-file=" + path_, env_of(none));
  ASSERT_FALSE(u);
  EXPECT_NE(u.status().message().find("empty first line"), std::string::npos)
      << u.status().message();
}

}  // namespace
}  // namespace aio
