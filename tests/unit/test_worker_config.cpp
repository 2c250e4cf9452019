#include "bootstrap/worker_config.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <string>

#include "common/join/join_file.h"
#include "scratch_dir.h"

namespace {

constexpr const char* kToken = "abcdef.0123456789abcdef";

kc::join::JoinFile sample() {
  kc::join::JoinFile j;
  j.api_server_endpoint = "10.0.0.10:6443";
  j.token = kc::Secret(kToken);
  j.ca_cert_hashes = {"sha256:" + std::string(64, 'b')};
  j.kubernetes_version = "1.35.7";
  j.cluster_name = "toil";
  j.pod_subnet = "10.244.0.0/16";
  return j;
}

kc::Result<kc::worker::WorkerConfig> load(const ScratchDir& dir, kc::worker::JoinOptions o = {}) {
  auto config = kc::worker::resolve_worker_config(o);
  REQUIRE(config.ok());
  kc::Host host(dir.path());
  if (auto s = kc::worker::load_join_data(*config, o, host); !s) return std::move(s).error();
  return config;
}

}  // namespace

TEST_CASE("worker config: without flags the join data come from /etc/kc/join.json") {
  ScratchDir dir;
  dir.write("etc/kc/join.json", kc::join::to_json(sample()));
  chmod((dir / "etc/kc/join.json").c_str(), 0600);
  auto c = load(dir);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->join.api_server == "10.0.0.10:6443");
  CHECK(c->join.token.reveal() == kToken);
  CHECK(c->join.ca_cert_hashes == std::vector<std::string>{"sha256:" + std::string(64, 'b')});
  CHECK(c->join.join_file == "/etc/kc/join.json");
  CHECK(c->join.join_file_mode == 0600);
  // The cluster's version, not kc's default, unless --kubernetes-version was given.
  CHECK(c->kubernetes_version == "1.35.7");
  CHECK(c->assets.kubernetes_version == "1.35.7");

  kc::worker::JoinOptions given;
  given.assets.kubernetes_version = "1.36.3";
  given.kubernetes_version_given = true;
  auto flagged = load(dir, given);
  REQUIRE(flagged.ok());
  CHECK(flagged->kubernetes_version == "1.36.3");
}

TEST_CASE("worker config: --join-file names another file; a too-open one is read, mode kept") {
  ScratchDir dir;
  dir.write("srv/join.json", kc::join::to_json(sample()));
  chmod((dir / "srv/join.json").c_str(), 0644);
  kc::worker::JoinOptions o;
  o.join_file = "/srv/join.json";
  auto c = load(dir, o);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->join.join_file == "/srv/join.json");
  CHECK(c->join.join_file_mode == 0644);  // the join-data phase warns and sets 0600
}

TEST_CASE("worker config: a missing or malformed join file is an error naming the file") {
  ScratchDir dir;
  auto missing = load(dir);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("/etc/kc/join.json") != std::string::npos);

  dir.write("etc/kc/join.json", R"({"version": 1, "apiServerEndpoint": "10.0.0.10:6443"})");
  chmod((dir / "etc/kc/join.json").c_str(), 0600);
  auto malformed = load(dir);
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().message().find("join.json") != std::string::npos);
  CHECK(malformed.error().message().find("token") != std::string::npos);

  dir.write("etc/kc/join.json", R"({"version": 2})");
  auto version = load(dir);
  REQUIRE_FALSE(version.ok());
  CHECK(version.error().message().find("version") != std::string::npos);
}

TEST_CASE("worker config: flags win over the join file, which is then not read") {
  ScratchDir dir;  // no join file at all
  kc::worker::JoinOptions o;
  o.api_server = "10.0.0.11:6443";
  o.token = kToken;
  o.ca_cert_hash = "sha256:" + std::string(64, 'c');
  auto c = load(dir, o);
  REQUIRE(c.ok());
  CHECK(c->join.api_server == "10.0.0.11:6443");
  CHECK(c->join.join_file.empty());
}

TEST_CASE("worker config: --token-file is read; its mode is kept for the warning") {
  ScratchDir dir;
  dir.write("token", std::string(kToken) + "\n");
  chmod((dir / "token").c_str(), 0644);
  kc::worker::JoinOptions o;
  o.api_server = "10.0.0.11:6443";
  o.token_file = (dir / "token").string();
  o.ca_cert_hash = "sha256:" + std::string(64, 'c');
  auto c = kc::worker::resolve_worker_config(o);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->join.token.reveal() == kToken);
  CHECK(c->join.token_file_mode == 0644);

  dir.write("bad", "abcdef.short\n");
  o.token_file = (dir / "bad").string();
  auto bad = kc::worker::resolve_worker_config(o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().rfind("--token-file", 0) == 0);
  CHECK(bad.error().message().find("short") == std::string::npos);

  o.token_file = (dir / "none").string();
  CHECK_FALSE(kc::worker::resolve_worker_config(o).ok());
  o.token_file = (dir / "token").string();
  o.token = kToken;
  CHECK(kc::worker::resolve_worker_config(o).error().message().find("given both") !=
        std::string::npos);
}

TEST_CASE("worker config: durations") {
  using std::chrono::seconds;
  CHECK(*kc::worker::parse_duration("15m", "--join-timeout") == seconds(900));
  CHECK(*kc::worker::parse_duration("90s", "--join-timeout") == seconds(90));
  CHECK(*kc::worker::parse_duration("1h30m", "--join-timeout") == seconds(5400));
  CHECK(*kc::worker::parse_duration("45", "--join-timeout") == seconds(45));
  for (const char* bad : {"", "0", "1h30", "5x", "-5m", "m"}) {
    auto r = kc::worker::parse_duration(bad, "--join-timeout");
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.error().message().rfind("--join-timeout", 0) == 0);
  }
}
