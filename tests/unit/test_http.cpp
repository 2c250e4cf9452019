#include "common/net/http.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/core/fd.h"
#include "common/core/sha256.h"
#include "http_standin.h"
#include "scratch_dir.h"

using namespace kc;

namespace {

UniqueFd open_output(const ScratchDir& dir) {
  return UniqueFd(::open((dir / "out").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
}

}  // namespace

TEST_CASE("fetch_to_fd writes the body and returns its digest (against an in-process stand-in)") {
  HttpStandin server;
  server.serve("/f", "hello, kc");
  ScratchDir dir;
  auto fd = open_output(dir);
  auto result = http::fetch_to_fd({server.url("/f"), sha256_hex("hello, kc"), {}}, fd.get());
  REQUIRE_MESSAGE(result.ok(), result.error().message());
  CHECK(result->bytes == 9);
  CHECK(result->sha256 == sha256_hex("hello, kc"));
  CHECK(dir.read("out") == "hello, kc");
}

TEST_CASE("fetch_to_fd without a file only hashes (a dry run)") {
  HttpStandin server;
  server.serve("/f", "content");
  auto result = http::fetch_to_fd({server.url("/f"), std::nullopt, {}}, -1);
  REQUIRE(result.ok());
  CHECK(result->sha256 == sha256_hex("content"));
  CHECK(server.requests_for("/f") == 1);
}

TEST_CASE("an HTTP error status is an error naming the URL and the status") {
  HttpStandin server;
  ScratchDir dir;
  auto fd = open_output(dir);
  auto result = http::fetch_to_fd({server.url("/missing"), std::nullopt, {}}, fd.get());
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().what == "download");
  CHECK(result.error().where == server.url("/missing"));
  CHECK(result.error().why == "HTTP 404");
}

TEST_CASE("a digest that differs is an error with both digests") {
  HttpStandin server;
  server.serve("/f", "tampered");
  const std::string expected(64, 'a');
  auto result = http::fetch_to_fd({server.url("/f"), expected, {}}, -1);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().what == "verify");
  CHECK(result.error().why ==
        "SHA-256 mismatch: expected " + expected + ", got " + sha256_hex("tampered"));
}

TEST_CASE("a refused connection is an error, not a hang") {
  int port = 0;
  {
    HttpStandin closed;  // a port that was free a moment ago and is closed now
    port = std::stoi(closed.url("").substr(std::string("http://127.0.0.1:").size()));
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  auto result = http::fetch_to_fd({url, std::nullopt, {}}, -1);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().where == url);
}

TEST_CASE("a write error on the output fails the transfer") {
  HttpStandin server;
  server.serve("/f", "some bytes");
  ScratchDir dir;
  UniqueFd read_only(::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  auto result = http::fetch_to_fd({server.url("/f"), std::nullopt, {}}, read_only.get());
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().why.find("write failed") != std::string::npos);
}

TEST_CASE("a redirect is followed only to https: never to plain http") {
  HttpStandin server;
  server.serve("/f", "over plain http");
  server.redirect("/moved", server.url("/f"));
  ScratchDir dir;
  auto fd = open_output(dir);
  auto result = http::fetch_to_fd({server.url("/moved"), std::nullopt, {}}, fd.get());
  REQUIRE_FALSE(result.ok());
  CHECK(server.requests_for("/f") == 0);
}

TEST_CASE("the trust store: --ca-file, else SSL_CERT_FILE and SSL_CERT_DIR, else the default") {
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  auto none = http::trust_store({});
  CHECK(none.file.empty());
  CHECK(none.dir.empty());
  ::setenv("SSL_CERT_FILE", "/etc/from-env.pem", 1);
  ::setenv("SSL_CERT_DIR", "/etc/from-env.d", 1);
  auto env = http::trust_store({});
  CHECK(env.file == "/etc/from-env.pem");
  CHECK(env.dir == "/etc/from-env.d");
  auto flag = http::trust_store({std::filesystem::path("/etc/flag.pem")});
  CHECK(flag.file == "/etc/flag.pem");
  CHECK(flag.dir.empty());
  CHECK(flag.no_dir);  // only the flag's file, not also the default directory
  CHECK_FALSE(env.no_dir);
  CHECK_FALSE(none.no_dir);
  // libcurl's default bundle is used when it exists, skipped (not an error) when it does not.
  const bool bundle = std::filesystem::exists("/etc/ssl/certs/ca-certificates.crt");
  CHECK(none.no_file == !bundle);
  CHECK(env.no_file == false);
  ::unsetenv("SSL_CERT_FILE");
  ::unsetenv("SSL_CERT_DIR");
  CHECK(http::is_plain_http("HTTP://x"));
  CHECK_FALSE(http::is_plain_http("https://x"));
  CHECK(http::is_plain_http_off_host("http://mirror.example:80/x"));
  CHECK(http::is_plain_http_off_host("http://127.0.0.1.evil.example/x"));  // a name, not loopback
  CHECK_FALSE(http::is_plain_http_off_host("http://127.0.0.1:8080/x"));
  CHECK_FALSE(http::is_plain_http_off_host("http://[::1]:8080/x"));
  CHECK_FALSE(http::is_plain_http_off_host("http://localhost/x"));
  CHECK_FALSE(http::is_plain_http_off_host("https://mirror.example/x"));
}
