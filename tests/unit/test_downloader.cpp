#include "common/net/downloader.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "common/core/fd.h"
#include "common/core/sha256.h"
#include "http_standin.h"
#include "scratch_dir.h"

using namespace kc;

namespace {

struct Target {
  UniqueFd fd;
};

Target open_target(const ScratchDir& dir, const std::string& name) {
  return {UniqueFd(::open((dir / name).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))};
}

DownloadOptions fast_options() {
  DownloadOptions o;
  o.first_backoff = std::chrono::milliseconds(1);
  o.retries = 2;
  return o;
}

}  // namespace

TEST_CASE("download_all fetches every request into its fd and verifies it (in-process stand-in)") {
  HttpStandin server;
  const std::string big(300000, 'k');
  server.serve("/a", "first file");
  server.serve("/b", big);
  ScratchDir dir;
  auto a = open_target(dir, "a");
  auto b = open_target(dir, "b");
  std::vector<DownloadRequest> requests{
      {"a", server.url("/a"), sha256_hex("first file"), a.fd.get(), "/opt/bin/a"},
      {"b", server.url("/b"), sha256_hex(big), b.fd.get(), "/opt/bin/b"},
  };
  std::mutex mutex;
  std::set<size_t> done;
  DownloadOptions options = fast_options();
  options.on_done = [&](size_t i, const Result<DownloadedFile>& r) {
    std::lock_guard<std::mutex> hold(mutex);
    CHECK(r.ok());
    done.insert(i);
  };
  auto results = download_all(requests, options);
  REQUIRE(results.size() == 2);
  REQUIRE_MESSAGE(results[0].ok(), results[0].error().message());
  REQUIRE_MESSAGE(results[1].ok(), results[1].error().message());
  CHECK(results[0]->sha256 == sha256_hex("first file"));
  CHECK(results[1]->bytes == big.size());
  CHECK(dir.read("a") == "first file");
  CHECK(dir.read("b") == big);
  CHECK(done == std::set<size_t>{0, 1});
}

TEST_CASE("transient statuses are retried; a 404 fails at once, naming the file") {
  HttpStandin server;
  server.serve("/flaky", "eventually");
  server.fail_next("/flaky", {503, 503});
  ScratchDir dir;
  auto flaky = open_target(dir, "flaky");
  auto gone = open_target(dir, "gone");
  std::vector<DownloadRequest> requests{
      {"flaky", server.url("/flaky"), sha256_hex("eventually"), flaky.fd.get(), "/x/flaky"},
      {"gone", server.url("/gone"), std::nullopt, gone.fd.get(), "/x/gone"},
  };
  auto results = download_all(requests, fast_options());
  REQUIRE_MESSAGE(results[0].ok(), results[0].error().message());
  CHECK(server.requests_for("/flaky") == 3);
  CHECK(dir.read("flaky") == "eventually");
  REQUIRE_FALSE(results[1].ok());
  CHECK(results[1].error().message() ==
        "download gone: " + server.url("/gone") + ": HTTP 404 (nothing was installed for gone)");
  CHECK(server.requests_for("/gone") == 1);
}

TEST_CASE("retries are bounded: the error says how many attempts were made") {
  HttpStandin server;
  server.serve("/down", "never");
  server.fail_next("/down", {503, 503, 503, 503});
  ScratchDir dir;
  auto t = open_target(dir, "down");
  auto results = download_all({{"down", server.url("/down"), std::nullopt, t.fd.get(), "/x/down"}},
                              fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why == "gave up after 3 attempts; last: HTTP 503");
  CHECK(server.requests_for("/down") == 3);
}

TEST_CASE("a digest mismatch is permanent: not retried") {
  HttpStandin server;
  server.serve("/f", "not what was pinned");
  ScratchDir dir;
  auto t = open_target(dir, "f");
  const std::string pinned(64, '0');
  auto results =
      download_all({{"f", server.url("/f"), pinned, t.fd.get(), "/x/f"}}, fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why.find("SHA-256 mismatch: expected " + pinned) == 0);
  CHECK(server.requests_for("/f") == 1);
}

TEST_CASE("a request without a file fails without a transfer") {
  HttpStandin server;
  server.serve("/f", "x");
  auto results = download_all({{"f", server.url("/f"), std::nullopt, -1, "/x/f"}}, fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why == "no file to write to");
  CHECK(server.requests_for("/f") == 0);
}

TEST_CASE("fetch_text fetches a small document and retries transient failures") {
  HttpStandin server;
  server.serve("/f.sha256", "abc  f\n");
  server.fail_next("/f.sha256", {500});
  auto text = fetch_text(server.url("/f.sha256"), fast_options());
  REQUIRE_MESSAGE(text.ok(), text.error().message());
  CHECK(*text == "abc  f\n");
  auto missing = fetch_text(server.url("/nothing"), fast_options());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().why == "HTTP 404");
}

TEST_CASE("a file larger than its cap fails at once, not retried, before filling the disk") {
  HttpStandin server;
  server.serve("/big", std::string(4096, 'x'));
  ScratchDir dir;
  auto t = open_target(dir, "big");
  DownloadRequest request{"big", server.url("/big"), std::nullopt, t.fd.get(), "/x/big"};
  request.max_bytes = 1000;
  auto results = download_all({request}, fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why.find("larger than 1000 bytes") != std::string::npos);
  CHECK(server.requests_for("/big") == 1);
  CHECK(std::filesystem::file_size(dir / "big") <= 1000);
}

TEST_CASE("a mirror that stops sending is abandoned stall_seconds after the last byte") {
  HttpStandin server;
  server.serve("/stuck", std::string(100000, 'x'));
  server.stall_after("/stuck", 5000);
  ScratchDir dir;
  auto t = open_target(dir, "stuck");
  DownloadOptions options = fast_options();
  options.retries = 0;
  options.stall_seconds = 1;
  options.stall_bytes_per_second = 0;  // only the last-byte watchdog, not libcurl's average
  auto results =
      download_all({{"stuck", server.url("/stuck"), std::nullopt, t.fd.get(), "/x/s"}}, options);
  REQUIRE_FALSE(results[0].ok());
  CHECK_MESSAGE(
      results[0].error().why.find("stalled: nothing received for 1 s") != std::string::npos,
      results[0].error().why);
}

TEST_CASE("a size announced above the cap is refused before a byte of the body is written") {
  HttpStandin server;
  server.serve("/big", std::string(1 << 20, 'x'));
  server.pace(50e6, false);  // in 4 KB pieces: a check on the body alone would write some
  ScratchDir dir;
  auto t = open_target(dir, "big");
  DownloadRequest request{"big", server.url("/big"), std::nullopt, t.fd.get(), "/x/big"};
  request.max_bytes = 100000;
  auto results = download_all({request}, fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why ==
        "the file is larger than 100000 bytes, the most kc accepts for it");
  CHECK(results[0].error().hint == "nothing was installed for big");
  CHECK(server.requests_for("/big") == 1);
  CHECK(std::filesystem::file_size(dir / "big") == 0);
}

TEST_CASE("a body of unannounced length is stopped the moment it passes the cap") {
  HttpStandin server;
  server.serve("/endless", std::string(4 << 20, 'e'));
  server.omit_length("/endless");  // the size is learnt only from the body
  ScratchDir dir;
  auto t = open_target(dir, "endless");
  DownloadRequest request{"endless", server.url("/endless"), std::nullopt, t.fd.get(), "/x/e"};
  request.max_bytes = 100000;
  auto results = download_all({request}, fast_options());
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why.find("larger than 100000 bytes") != std::string::npos);
  CHECK(server.requests_for("/endless") == 1);  // not retried
  CHECK(std::filesystem::file_size(dir / "endless") <= 100000);
  // The same body under its cap downloads whole: the size comes from the closed connection.
  auto u = open_target(dir, "unsized");
  DownloadRequest fits{"unsized", server.url("/endless"), sha256_hex(std::string(4 << 20, 'e')),
                       u.fd.get(), "/x/u"};
  auto ok = download_all({fits}, fast_options());
  REQUIRE_MESSAGE(ok[0].ok(), ok[0].error().message());
  CHECK(ok[0]->bytes == 4u << 20);
}

TEST_CASE("an exact size: any other announced or received size fails at once, not retried") {
  const std::string body(50000, 's');
  HttpStandin server;
  server.serve("/announced", body);
  server.serve("/unannounced", body);
  server.omit_length("/unannounced");  // the size is learnt only when the body ends
  server.pace(20e6, false);
  ScratchDir dir;
  auto request = [&](const std::string& path, uint64_t size, const UniqueFd& fd) {
    DownloadRequest r{"s", server.url(path), sha256_hex(body), fd.get(), "/x/s"};
    r.size = size;
    return r;
  };
  auto t1 = open_target(dir, "a");
  auto announced = download_all({request("/announced", 40000, t1.fd)}, fast_options());
  REQUIRE_FALSE(announced[0].ok());
  CHECK(announced[0].error().why ==
        "the server announces 50000 bytes, not the 40000 bytes expected: a different file");
  CHECK(announced[0].error().hint == "nothing was installed for s");
  CHECK(std::filesystem::file_size(dir / "a") == 0);  // refused before its body

  auto t2 = open_target(dir, "b");
  auto longer = download_all({request("/unannounced", 40000, t2.fd)}, fast_options());
  REQUIRE_FALSE(longer[0].ok());
  CHECK(longer[0].error().why ==
        "more bytes arrived, not the 40000 bytes expected: a different file");
  CHECK(std::filesystem::file_size(dir / "b") <= 40000);

  auto t3 = open_target(dir, "c");
  auto shorter = download_all({request("/unannounced", 60000, t3.fd)}, fast_options());
  REQUIRE_FALSE(shorter[0].ok());
  CHECK(shorter[0].error().why ==
        "the file has 50000 bytes, not the 60000 bytes expected: a different file");

  auto t4 = open_target(dir, "d");
  auto exact = download_all({request("/unannounced", 50000, t4.fd)}, fast_options());
  REQUIRE_MESSAGE(exact[0].ok(), exact[0].error().message());
  CHECK(exact[0]->bytes == 50000u);
  CHECK(server.requests_for("/announced") == 1);  // none of the failures was retried
  CHECK(server.requests_for("/unannounced") == 3);
}

TEST_CASE("a resumed transfer whose Content-Range total passes the cap stops before its body") {
  HttpStandin server;
  server.serve("/grows", std::string(100000, 'g'));
  server.omit_length("/grows");
  server.stall_after("/grows", 50000, true);  // then the retry asks for bytes=50000-
  server.pace(20e6, false);  // in 4 KB pieces: a check on the body alone would take some
  ScratchDir dir;
  auto t = open_target(dir, "grows");
  DownloadOptions options = fast_options();
  options.stall_seconds = 1;
  options.stall_bytes_per_second = 0;
  DownloadRequest request{"grows", server.url("/grows"), std::nullopt, t.fd.get(), "/x/g"};
  request.max_bytes = 60000;  // the rest (50000 bytes) alone would fit; the total does not
  auto results = download_all({request}, options);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().why.find("larger than 60000 bytes") != std::string::npos);
  const auto log = server.requests();
  REQUIRE(log.size() == 2);
  CHECK(log[1] == "GET /grows range=bytes=50000-");
  CHECK(std::filesystem::file_size(dir / "grows") == 50000);  // nothing of the second body
}

namespace {

std::string pseudo_random(size_t size) {
  std::string out(size, '\0');
  uint32_t x = 2463534242u;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

DownloadOptions growing_options() {
  DownloadOptions o = fast_options();
  o.min_segment = 64 << 10;
  o.growth_window = std::chrono::milliseconds(60);
  return o;
}

}  // namespace

TEST_CASE("a per-connection cap is split into ranged segments, and the file verifies whole") {
  HttpStandin server;
  const std::string body = pseudo_random(3 << 20);
  server.serve("/capped", body);
  server.pace(2e6, false);  // 2 MB/s for every connection
  ScratchDir dir;
  auto t = open_target(dir, "capped");
  auto results = download_all(
      {{"capped", server.url("/capped"), sha256_hex(body), t.fd.get(), "/x/c"}}, growing_options());
  REQUIRE_MESSAGE(results[0].ok(), results[0].error().message());
  CHECK(dir.read("capped") == body);
  // Every addition raised the rate: the doubling went on (1, 2, 4, ...).
  CHECK_MESSAGE(results[0]->connections >= 4, results[0]->connections);
  size_t ranged = 0;
  for (const auto& r : server.requests()) ranged += r.find("range=bytes=") != std::string::npos;
  CHECK(ranged >= 3);
}

TEST_CASE("one cap shared by all connections is not split past the probe that showed it") {
  HttpStandin server;
  const std::string body = pseudo_random(3 << 19);
  server.serve("/shared", body);
  server.pace(3e6, true);  // 3 MB/s for all connections together
  ScratchDir dir;
  auto t = open_target(dir, "shared");
  auto results = download_all(
      {{"shared", server.url("/shared"), sha256_hex(body), t.fd.get(), "/x/s"}}, growing_options());
  REQUIRE_MESSAGE(results[0].ok(), results[0].error().message());
  CHECK(dir.read("shared") == body);
  // One connection, then a second that added nothing: the link is full. A window that measured
  // it less full (a stalled thread on a loaded machine, or under ASan) brings one back, so the
  // exact count depends on timing; what must hold is that the file was not split towards the
  // budget (12) as a per-connection cap splits it. decide_growth's own test has exact cases.
  CHECK_MESSAGE(results[0]->connections >= 2, results[0]->connections);
  CHECK_MESSAGE(results[0]->connections <= 6, results[0]->connections);
}

TEST_CASE("on_prefix follows the written prefix of a segmented download, up to the whole file") {
  HttpStandin server;
  const std::string body = pseudo_random(3 << 20);
  server.serve("/followed", body);
  server.pace(2e6, false);  // split into ranged segments, written out of order
  ScratchDir dir;
  auto t = open_target(dir, "followed");
  std::vector<uint64_t> prefixes;
  bool intact = true;  // every reported prefix holds the body's bytes when it is reported
  DownloadRequest request{"followed", server.url("/followed"), sha256_hex(body), t.fd.get(),
                          "/x/f"};
  int wholes = 0;
  request.on_prefix = [&](uint64_t prefix, bool whole) {
    prefixes.push_back(prefix);
    if (whole) {
      ++wholes;
      CHECK(prefix == body.size());
    }
    const uint64_t from = prefix > 4096 ? prefix - 4096 : 0;
    std::string tail(prefix - from, '\0');
    if (::pread(t.fd.get(), tail.data(), tail.size(), static_cast<off_t>(from)) !=
            static_cast<ssize_t>(tail.size()) ||
        tail != body.substr(from, tail.size())) {
      intact = false;
    }
  };
  auto results = download_all({request}, growing_options());
  REQUIRE_MESSAGE(results[0].ok(), results[0].error().message());
  CHECK(results[0]->connections >= 2);
  CHECK(intact);
  REQUIRE(prefixes.size() >= 3);  // it grew in steps, not only at the end
  CHECK(std::is_sorted(prefixes.begin(), prefixes.end()));
  CHECK(prefixes.back() == body.size());
  CHECK(wholes == 1);  // once, when every byte is written
}
