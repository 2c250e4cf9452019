#include "agent/serve.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>

#include "common/core/host.h"
#include "common/core/sha256.h"
#include "common/systemd/sd_notify.h"

namespace kc::leader {

namespace {

struct Served {
  std::string content;
  std::string sha256;
};

struct Server {
  std::map<std::string, Served, std::less<>> files;  // URL path -> what it serves
  uint64_t requests = 0;
  timeval idle_timeout{};
};

void send_status(evhttp_request* request, int code, const char* reason) {
  evbuffer* body = evbuffer_new();
  evbuffer_add_printf(body, "%d %s\n", code, reason);
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "text/plain; charset=utf-8");
  evhttp_send_reply(request, code, reason, body);
  evbuffer_free(body);
}

void handle(evhttp_request* request, void* arg) {
  auto* server = static_cast<Server*>(arg);
  ++server->requests;
  const evhttp_cmd_type method = evhttp_request_get_command(request);
  if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
    send_status(request, 405, "Method Not Allowed");
    return;
  }
  // Exact match on the raw path (no decoding, no normalisation): "/kc-worker/../x",
  // "/kc-worker/%61md64" or "/kc-worker/" simply do not exist.
  const evhttp_uri* uri = evhttp_request_get_evhttp_uri(request);
  const char* path = uri ? evhttp_uri_get_path(uri) : nullptr;
  const auto found = path ? server->files.find(std::string_view(path)) : server->files.end();
  if (found == server->files.end()) {
    spdlog::debug("kc-serve: 404 {}", path ? path : "(no path)");
    send_status(request, 404, "Not Found");
    return;
  }
  const Served& served = found->second;
  evkeyvalq* headers = evhttp_request_get_output_headers(request);
  evhttp_add_header(headers, "Content-Type", "application/octet-stream");
  evhttp_add_header(headers, "X-Checksum-Sha256", served.sha256.c_str());
  evbuffer* body = evbuffer_new();
  // The content stays in memory for the server's life: referenced, never copied per download.
  evbuffer_add_reference(body, served.content.data(), served.content.size(), nullptr, nullptr);
  // One download per connection: closing after it means no idle keep-alive connection outlives
  // the read timeout lifted below.
  evhttp_add_header(headers, "Connection", "close");
  evhttp_connection* connection = evhttp_request_get_connection(request);
  evhttp_send_reply(request, 200, "OK", body);
  evbuffer_free(body);
  // libevent 2.1 keeps the connection's read timeout armed while it writes a reply (libevent
  // issue #715; separate read and write timeouts came in 2.2), which cut every download that took
  // longer than the timeout, moving or not. While the body goes out only the write timeout
  // applies, and it is reset by every write that makes progress.
  if (connection) {
    bufferevent_set_timeouts(evhttp_connection_get_bufferevent(connection), nullptr,
                             &server->idle_timeout);
  }
}

void stop(evutil_socket_t, short, void* base) {
  event_base_loopexit(static_cast<event_base*>(base), nullptr);
}

}  // namespace

std::string served_kc_worker_path(std::string_view arch) {
  return std::string(kServeDirectory) + "/kc-worker-" + std::string(arch);
}

int run_serve(const ServeOptions& options, const std::string& root) {
  const Host host(root);
  Server server;
  std::map<std::string, std::string> pinned;  // arch -> digest
  for (const auto& pin : options.pins) {
    const size_t eq = pin.find('=');
    const std::string arch = pin.substr(0, eq);
    if (eq == std::string::npos || (arch != "amd64" && arch != "arm64") ||
        !is_sha256_hex(pin.substr(eq + 1))) {
      spdlog::error("kc-serve: --pin {}: expected ARCH=SHA256 (amd64 or arm64, 64 hex digits)",
                    pin);
      return 2;
    }
    pinned[arch] = pin.substr(eq + 1);
  }
  for (const char* arch : {"amd64", "arm64"}) {
    const auto pin = pinned.find(arch);
    if (!pinned.empty() && pin == pinned.end()) continue;
    const std::string host_path = served_kc_worker_path(arch);
    auto content = host.read_file(host_path);
    if (!content) {
      spdlog::error("kc-serve: {}", content.error().message());
      return 1;
    }
    if (!content->has_value()) {
      if (pin == pinned.end()) continue;
      spdlog::error("kc-serve: {} is pinned but missing: kc-leader init installs it",
                    host.path(host_path).string());
      return 1;
    }
    Served served{std::move(**content), {}};
    served.sha256 = sha256_hex(served.content);
    if (pin != pinned.end() && pin->second != served.sha256) {
      spdlog::error(
          "kc-serve: {} has SHA-256 {}, not the pinned {}: not serving it (run "
          "kc-leader init again to install the kc-worker the user data pins)",
          host.path(host_path).string(), served.sha256, pin->second);
      return 1;
    }
    spdlog::info("kc-serve: {} is {} ({} bytes, sha256 {})", join::kc_worker_url_path(arch),
                 host.path(host_path).string(), served.content.size(), served.sha256);
    server.files.emplace(join::kc_worker_url_path(arch), std::move(served));
  }
  if (server.files.empty()) {
    spdlog::error(
        "kc-serve: nothing to serve: no {}/kc-worker-ARCH (kc-leader init installs it "
        "from --kc-worker)",
        host.path(kServeDirectory).string());
    return 1;
  }

  std::unique_ptr<event_base, decltype(&event_base_free)> base(event_base_new(), event_base_free);
  std::unique_ptr<evhttp, decltype(&evhttp_free)> http(evhttp_new(base.get()), evhttp_free);
  if (!base || !http) {
    spdlog::error("kc-serve: could not set up libevent");
    return 1;
  }
  evhttp_set_allowed_methods(http.get(), EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                             EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
  evhttp_set_max_body_size(http.get(), 0);
  evhttp_set_max_headers_size(http.get(), 16 * 1024);
  server.idle_timeout.tv_sec = options.idle_timeout_seconds;
  evhttp_set_timeout(http.get(), options.idle_timeout_seconds);
  evhttp_set_gencb(http.get(), handle, &server);
  if (evhttp_bind_socket(http.get(), options.address.c_str(), options.port) != 0) {
    spdlog::error("kc-serve: could not listen on {}:{}: {}", options.address, options.port,
                  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<event, decltype(&event_free)> term(
      evsignal_new(base.get(), SIGTERM, stop, base.get()), event_free);
  std::unique_ptr<event, decltype(&event_free)> interrupt(
      evsignal_new(base.get(), SIGINT, stop, base.get()), event_free);
  event_add(term.get(), nullptr);
  event_add(interrupt.get(), nullptr);

  spdlog::info("kc-serve: listening on {}:{}", options.address, options.port);
  const Notifier notifier = Notifier::from_environment();
  (void)notifier.ready();
  (void)notifier.status("serving " + std::to_string(server.files.size()) + " file(s) on port " +
                        std::to_string(options.port));
  event_base_dispatch(base.get());
  spdlog::info("kc-serve: stopping after {} requests", server.requests);
  (void)notifier.stopping();
  return 0;
}

}  // namespace kc::leader
