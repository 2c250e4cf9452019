// A client for the few Kubernetes API calls kc makes on Nodes, over libcurl with mutual TLS:
// the server is verified against the cluster CA and kc authenticates with a client
// certificate; CA, certificate and key are handed to libcurl as in-memory PEM blobs, so the key
// is never written anywhere. Transfers run on curl multi handles in small slices so the caller's
// tick (signals, watchdog, timers) runs at least every 100 ms (500 ms in an idle watch).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/core/error.h"
#include "common/kube/kube_nodes.h"
#include "common/kube/kubeconfig.h"

namespace kc::kube {

struct ClientOptions {
  ClusterCredentials credentials;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds request_timeout{60};  // a list page or a delete
  size_t max_response_bytes = 256u << 20;    // one list page, decompressed
  size_t max_event_bytes = 16u << 20;        // one watch event line
};

// Called during transfers; returning false aborts the transfer.
using Tick = std::function<bool()>;

// Byte counters since the client was created.
struct Traffic {
  uint64_t wire_bytes = 0;     // bodies as received (gzip-compressed lists count compressed)
  uint64_t decoded_bytes = 0;  // bodies after decompression
  uint64_t requests = 0;
};

enum class DeleteResult { deleted, not_found, uid_mismatch };

enum class WatchEnd {
  closed,   // the server ended the stream (its timeoutSeconds): watch again from the last version
  gone,     // 410 Gone: the version is too old; list again
  stopped,  // the tick or the event handler asked to stop
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Lists all Nodes, page by page (limit per page; lists ask for gzip). Pages are parsed as they
  // arrive; only the compact NodeInfo records are kept.
  Result<NodeListPage> list_nodes(size_t limit, const Tick& tick);

  // Watches Nodes from resource_version, calling on_event for each event (false stops the
  // watch). The server ends the stream after timeout_seconds; a stream silent for longer than
  // stall_timeout is treated as broken.
  Result<WatchEnd> watch_nodes(const std::string& resource_version, int timeout_seconds,
                               std::chrono::seconds stall_timeout,
                               const std::function<bool(WatchEvent&)>& on_event, const Tick& tick);

  // DELETE /api/v1/nodes/NAME with preconditions.uid: the API server refuses (409) when the
  // Node named NAME now has another UID, i.e. was re-registered.
  Result<DeleteResult> delete_node(const std::string& name, const std::string& uid,
                                   const Tick& tick);

  struct Response {
    long status = 0;
    std::string body;
  };
  // Any other API call: METHOD path (from the server root) with an optional body. HTTP errors
  // are responses, not errors; transport failures are errors.
  Result<Response> request(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type,
                           const Tick& tick);

  const Traffic& traffic() const { return traffic_; }
  const std::string& server() const { return options_.credentials.server; }

 private:
  struct Impl;
  ClientOptions options_;
  Traffic traffic_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kc::kube

namespace kc::kube {
// Checks at start-up that the CA and the client certificate are PEM certificates and that the
// key is a PEM private key matching the certificate, so bad configuration is reported as such
// and not retried forever as if the server were failing.
Status validate_credentials(const ClusterCredentials& credentials, const std::string& where);

// "HTTP 403: <the Status message>" for an error response.
std::string api_error(const Client::Response& response);
}  // namespace kc::kube
