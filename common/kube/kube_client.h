// A client for the Kubernetes API, over libcurl with mutual TLS: the server is verified against
// the cluster CA and kc authenticates with a client certificate; CA, certificate and key are
// handed to libcurl as in-memory PEM blobs, so the key is never written anywhere. Transfers run
// on curl multi handles in small slices so the caller's tick (signals, watchdog, timers) runs at
// least every 100 ms (500 ms in an idle watch). The client knows no resource: lists hand each
// page, and watches each event line, to the caller's parser, so a caller keeps only what it
// needs (agent/cleanup_node_stream.h keeps a compact record per Node, read while a page arrives).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/core/error.h"
#include "common/kube/kubeconfig.h"

namespace kc::kube {

struct ClientOptions {
  ClusterCredentials credentials;
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds request_timeout{60};  // a list page or a delete
  size_t max_response_bytes = 256u << 20;    // one list page, decompressed
  size_t max_event_bytes = 16u << 20;        // one watch event line
  bool compressed_lists = true;              // ask for gzip list pages
};

// Called during transfers; returning false aborts the transfer.
using Tick = std::function<bool()>;

// Byte counters since the client was created.
struct Traffic {
  uint64_t wire_bytes = 0;     // bodies as received (gzip-compressed lists count compressed)
  uint64_t decoded_bytes = 0;  // bodies after decompression
  uint64_t requests = 0;
};

// uid_mismatch: the name now belongs to a re-created object; version_mismatch: the object
// changed after it was observed (judge it again from its new state).
enum class DeleteResult { deleted, not_found, uid_mismatch, version_mismatch };

enum class WatchEnd {
  closed,   // the server ended the stream (its timeoutSeconds): watch again from the last version
  gone,     // 410 Gone: the version is too old; list again
  stopped,  // the tick or the event handler asked to stop
};

// Consumes list pages while they arrive, so no page is ever held whole: begin() before each
// page, feed() with each chunk of a 200 response's body in order (decompressed), end() once the
// page is complete, returning its metadata.continue (empty on the last page). An error from
// feed() or end() ends the list with that error.
class PageConsumer {
 public:
  virtual ~PageConsumer() = default;
  virtual void begin() = 0;
  virtual Status feed(std::string_view chunk) = 0;
  virtual Result<std::string> end() = 0;
};

// What a watch does after an event line.
enum class EventVerdict {
  more,  // keep watching
  stop,  // end the watch (WatchEnd::stopped)
  gone,  // the line was an ERROR event with code 410 (WatchEnd::gone)
};
// Handles one line of a watch stream ({"type":"MODIFIED","object":{...}}); an error ends the
// watch with that error.
using EventHandler = std::function<Result<EventVerdict>(std::string_view line)>;

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Lists the collection at `path` ("/api/v1/nodes"), `limit` items per page, following
  // metadata.continue; pages are asked for gzip (unless compressed_lists is off) and fed to
  // `pages` chunk by chunk as they arrive. `what` names the action in errors ("list nodes").
  Status list(const std::string& what, const std::string& path, size_t limit, PageConsumer& pages,
              const Tick& tick);

  // Watches the collection at `path` from resource_version, with bookmarks, handing each event
  // line to on_event. The server ends the stream after timeout_seconds; a stream silent for
  // longer than stall_timeout is treated as broken.
  Result<WatchEnd> watch(const std::string& what, const std::string& path,
                         const std::string& resource_version, int timeout_seconds,
                         std::chrono::seconds stall_timeout, const EventHandler& on_event,
                         const Tick& tick);

  // DELETE path (an object: "/api/v1/nodes/NAME") with preconditions.uid and, when not empty,
  // preconditions.resourceVersion: the API server refuses (409 Conflict) when the object of
  // that name now has another UID (re-created) or another resourceVersion (changed).
  Result<DeleteResult> delete_object(const std::string& what, const std::string& path,
                                     const std::string& uid, const std::string& resource_version,
                                     const Tick& tick);

  struct Response {
    long status = 0;
    std::string body;
  };
  // Any other API call: METHOD path (from the server root, with its query) with an optional
  // body. HTTP errors are responses, not errors; transport failures are errors.
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

// Checks at start-up that the CA and the client certificate are PEM certificates and that the
// key is a PEM private key matching the certificate, so bad configuration is reported as such
// and not retried forever as if the server were failing.
Status validate_credentials(const ClusterCredentials& credentials, const std::string& where);

// "HTTP 403: <the Status message>" for an error response.
std::string api_error(const Client::Response& response);

// The message of a Kubernetes Status body, or the start of the body on one line.
std::string status_message(const std::string& body);

// path with the query parameters appended (after '?' or '&'), values percent-encoded:
// with_query("/api/v1/nodes", {{"limit", "500"}, {"continue", "a=b"}}) is
// "/api/v1/nodes?limit=500&continue=a%3Db".
std::string with_query(std::string_view path,
                       const std::vector<std::pair<std::string, std::string>>& params);

// One path segment (an object name) percent-encoded.
std::string path_segment(std::string_view name);

// Splits a byte stream into newline-terminated lines, each at most max_line bytes.
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line) : max_line_(max_line) {}
  // Calls on_line for every complete line (without the newline); stops and returns an error
  // when a line grows beyond max_line or on_line fails.
  Status feed(std::string_view data, const std::function<Status(std::string_view)>& on_line);
  size_t buffered() const { return partial_.size(); }

 private:
  size_t max_line_;
  std::string partial_;
};

}  // namespace kc::kube
