#include "agent/worker_join_options.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "scratch_dir.h"

using namespace kc::leader;

TEST_CASE("init's worker options: defaults, and bad values name their flag") {
  auto defaults = resolve_worker_join_options({});
  REQUIRE(defaults.ok());
  CHECK(defaults->token_ttl == "0");
  CHECK(defaults->worker_binary_url.empty());
  // The default kc-worker is the one next to the running binary, as release.sh ships them.
  CHECK(defaults->kc_worker ==
        (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "kc-worker").string());

  WorkerJoinOptions given;
  given.kc_worker = "dist/kc-worker";
  given.token_ttl = "24h";
  given.worker_binary_url = "https://example.com/kc-worker-{arch}";
  auto resolved = resolve_worker_join_options(given);
  REQUIRE(resolved.ok());
  CHECK(resolved->kc_worker == "dist/kc-worker");

  WorkerJoinOptions bad_ttl;
  bad_ttl.token_ttl = "1d";
  auto ttl = resolve_worker_join_options(bad_ttl);
  REQUIRE_FALSE(ttl.ok());
  CHECK(ttl.error().what == "--token-ttl");
  CHECK(ttl.error().where == "1d");

  WorkerJoinOptions bad_url;
  bad_url.worker_binary_url = "s3://bucket/kc-worker";
  auto url = resolve_worker_join_options(bad_url);
  REQUIRE_FALSE(url.ok());
  CHECK(url.error().what == "--worker-binary-url");

  WorkerJoinOptions bad_args;
  bad_args.worker_args = "--mirror https://m.example.com --token abc.def";
  auto args = resolve_worker_join_options(bad_args);
  REQUIRE_FALSE(args.ok());
  CHECK(args.error().where == "--worker-args");
  CHECK(args.error().why.find("--token") != std::string::npos);
}

TEST_CASE("init's default kc-worker: beside kc-leader, or bootstrap/ of the build directory") {
  ScratchDir dir;
  dir.write("dist/kc-leader", "");
  dir.write("dist/kc-worker", "");
  CHECK(default_kc_worker(dir / "dist/kc-leader") == (dir / "dist/kc-worker").string());
  // Not found anywhere: the path beside kc-leader, so the error names where it was looked for.
  CHECK(default_kc_worker(dir / "build/agent/kc-leader") ==
        (dir / "build/agent/kc-worker").string());
  dir.write("build/agent/kc-leader", "");
  dir.write("build/bootstrap/kc-worker", "");
  CHECK(default_kc_worker(dir / "build/agent/kc-leader") ==
        (dir / "build/bootstrap/kc-worker").string());
}
