#include "common/cli/fetch_command.h"

#include <doctest/doctest.h>

#include "common/cli/cli.h"
#include "common/cli/path_flags.h"
#include "common/core/exit_codes.h"
#include "common/core/sha256.h"
#include "http_standin.h"
#include "scratch_dir.h"

namespace {

struct FetchApp {
  kc::cli::GlobalOptions global;
  std::unique_ptr<CLI::App> app = kc::cli::make_app("kc-test", "test", global);
  kc::FetchOptions fetch;
  CLI::App* command = kc::add_fetch_command(*app, fetch);

  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app->parse(args);
  }
};

}  // namespace

TEST_CASE("fetch writes the verified file to -o, a file of the operator's (in-process stand-in)") {
  HttpStandin server;
  server.serve("/kubelet", "binary");
  ScratchDir dir;
  FetchApp t;
  t.parse({"fetch", server.url("/kubelet"), "-o", (dir / "out").string(), "--sha256",
           kc::sha256_hex("binary")});
  CHECK(kc::run_fetch_command(t.fetch) == kc::exit_code::ok);
  CHECK(dir.read("out") == "binary");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a digest mismatch writes nothing and leaves no temporary file") {
  HttpStandin server;
  server.serve("/kubelet", "tampered");
  ScratchDir dir;
  FetchApp t;
  t.parse({"fetch", server.url("/kubelet"), "-o", (dir / "out").string(), "--sha256",
           std::string(64, 'A')});
  CHECK(t.fetch.sha256 == std::string(64, 'A'));
  CHECK(kc::run_fetch_command(t.fetch) == kc::exit_code::failed);
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("fetch --dry-run downloads and verifies but writes nothing") {
  HttpStandin server;
  server.serve("/kubelet", "binary");
  ScratchDir dir;
  FetchApp t;
  t.parse({"--dry-run", "fetch", server.url("/kubelet"), "-o", (dir / "out").string()});
  CHECK(t.fetch.dry_run);
  CHECK(kc::run_fetch_command(t.fetch) == kc::exit_code::ok);
  CHECK(server.requests_for("/kubelet") == 1);
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("fetch refuses --root: -o is not a host path") {
  FetchApp before;
  CHECK_THROWS_AS(
      before.parse({"--root", "/tmp/r", "fetch", "https://x.invalid/f", "-o", "/tmp/f"}),
      CLI::ValidationError);
  FetchApp after;
  CHECK_THROWS_WITH(after.parse({"fetch", "https://x.invalid/f", "-o", "/tmp/f", "--root", "/r"}),
                    doctest::Contains("--root does not apply"));
  FetchApp without;
  without.parse({"fetch", "https://x.invalid/f", "-o", "/tmp/f"});
  CHECK_FALSE(without.fetch.dry_run);
}

TEST_CASE("the two kinds of file flags say which they are and check their values") {
  CLI::App app;
  std::string host_path, input, output;
  kc::cli::add_host_path_option(&app, "--kubeconfig", host_path, "Kubeconfig");
  kc::cli::add_operator_file_option(&app, "--catalog", input, "Catalog");
  kc::cli::add_operator_file_option(&app, "-o", output, "Output", kc::cli::FileUse::write);
  const std::string help = app.help();
  CHECK(help.find("Kubeconfig (a host path, under --root)") != std::string::npos);
  CHECK(help.find("Catalog (not under --root)") != std::string::npos);
  CHECK_THROWS_WITH(app.parse("--kubeconfig relative.conf", false),
                    doctest::Contains("expected an absolute host path"));
  CHECK_THROWS_AS(app.parse("--catalog /nonexistent/catalog.json", false), CLI::ValidationError);
  app.parse("--kubeconfig /etc/kubernetes/admin.conf -o relative.out", false);
  CHECK(host_path == "/etc/kubernetes/admin.conf");
  CHECK(output == "relative.out");
}

TEST_CASE("fetch refuses plain http without --sha256: nothing would authenticate it") {
  ScratchDir dir;
  FetchApp t;
  CHECK_THROWS_AS(t.parse({"fetch", "http://mirror.test/kubelet", "-o", (dir / "out").string()}),
                  CLI::ValidationError);
  FetchApp pinned;
  CHECK_NOTHROW(pinned.parse({"fetch", "http://mirror.test/kubelet", "-o", (dir / "out").string(),
                              "--sha256", std::string(64, 'a')}));
}
