// "kc-leader serve", run by kc-serve.service: a static HTTP server (libevent's evhttp) for what
// workers fetch at boot. It serves exactly the kc-worker binaries installed under
// /var/lib/kc/serve (kc-worker-amd64, kc-worker-arm64) at /kc-worker/ARCH, read once into
// memory at start, so what it serves is what the user data pins; every other path is 404 (no
// listing, no path mapping). Everything it serves is public, so plain HTTP.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/join/kc_serve.h"

namespace kc::leader {

inline constexpr std::string_view kServeDirectory = "/var/lib/kc/serve";

// The host path of the kc-worker binary served for an architecture.
std::string served_kc_worker_path(std::string_view arch);

struct ServeOptions {
  std::string address = "0.0.0.0";
  uint16_t port = join::kServePort;
  // "ARCH=SHA256": serve exactly these, refusing to start when a file does not match. Empty:
  // whatever is installed.
  std::vector<std::string> pins;
  // A connection that makes no progress (no request, or a client that stops reading) for this
  // long is dropped. A download that keeps moving is never cut, however long it takes.
  int idle_timeout_seconds = 60;
};

// Serves until SIGTERM or SIGINT; returns the exit code (1 when nothing can be served or the
// port cannot be bound). Files are read under `root`.
int run_serve(const ServeOptions& options, const std::string& root);

}  // namespace kc::leader
