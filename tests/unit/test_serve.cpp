#include "agent/serve.h"

#include <doctest/doctest.h>

#include "common/core/sha256.h"
#include "scratch_dir.h"

using namespace kc::leader;

// Serving itself (HTTP, 404s, concurrency, restarts) is tested against the real binary under
// systemd: tests/integration/kc_serve_systemd.sh. These are the refusals before it listens.
TEST_CASE("kc-serve serves kc-worker-ARCH from /var/lib/kc/serve") {
  CHECK(served_kc_worker_path("amd64") == "/var/lib/kc/serve/kc-worker-amd64");
}

TEST_CASE("kc-serve refuses to start with nothing to serve, a bad pin or a file that differs") {
  ScratchDir root;
  ServeOptions options;
  options.port = 0;
  CHECK(run_serve(options, root.path().string()) == 1);  // nothing installed

  options.pins = {"amd64"};
  CHECK(run_serve(options, root.path().string()) == 2);
  options.pins = {"x86=" + std::string(64, 'a')};
  CHECK(run_serve(options, root.path().string()) == 2);

  root.write("var/lib/kc/serve/kc-worker-amd64", "binary");
  options.pins = {"amd64=" + std::string(64, 'a')};
  CHECK(run_serve(options, root.path().string()) == 1);  // differs from the pin
  options.pins = {"arm64=" + kc::sha256_hex("binary")};
  CHECK(run_serve(options, root.path().string()) == 1);  // pinned but missing
}
