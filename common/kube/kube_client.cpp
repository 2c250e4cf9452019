#include "common/kube/kube_client.h"

#include <curl/curl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/net/http.h"
#include "common/pki/certificate.h"

namespace kc::kube {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlSlist {
  curl_slist* list = nullptr;
  ~CurlSlist() { curl_slist_free_all(list); }
  void add(const char* header) { list = curl_slist_append(list, header); }
};

using EasyPtr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

}  // namespace

std::string status_message(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  std::string head = body.substr(0, 200);
  for (char& c : head) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return head;
}

namespace {

// A response body (of request(); list pages are streamed, see PageSink) in anonymous memory that
// grows with mremap(2): the kernel moves the pages, so a growing body is never copied and never
// resident twice (a std::string's doubling held the old and the new buffer at once: ~8 MB for a
// 4 MB page).
class BodyBuffer {
 public:
  BodyBuffer() = default;
  BodyBuffer(const BodyBuffer&) = delete;
  BodyBuffer& operator=(const BodyBuffer&) = delete;
  ~BodyBuffer() { release(); }

  bool append(const char* data, size_t n) {
    if (size_ + n > capacity_) {
      size_t wanted = std::max<size_t>(capacity_ * 2, 64u << 10);
      while (wanted < size_ + n) wanted *= 2;
      void* grown = data_ == nullptr ? ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE,
                                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                     : ::mremap(data_, capacity_, wanted, MREMAP_MAYMOVE);
      if (grown == MAP_FAILED) return false;
      data_ = static_cast<char*>(grown);
      capacity_ = wanted;
    }
    std::memcpy(data_ + size_, data, n);
    size_ += n;
    return true;
  }
  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  void release() {
    if (data_ != nullptr) ::munmap(data_, capacity_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct BodySink {
  BodyBuffer body;
  size_t cap = 0;
  bool too_big = false;
  bool no_memory = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t n = size * count;
  if (sink->body.size() + n > sink->cap) {
    sink->too_big = true;
    return 0;
  }
  if (!sink->body.append(data, n)) {
    sink->no_memory = true;
    return 0;
  }
  return n;
}

// One list page as it arrives: a 200 response's body goes to the consumer chunk by chunk;
// another status's body is kept (its start) for the error message.
struct PageSink {
  CURL* easy = nullptr;
  PageConsumer* pages = nullptr;
  size_t cap = 0;
  size_t bytes = 0;
  long status = 0;
  std::string error_body;
  bool too_big = false;
  bool failed = false;
  Error error;
};

size_t write_page(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<PageSink*>(user);
  const size_t n = size * count;
  if (sink->bytes + n > sink->cap) {
    sink->too_big = true;
    return 0;
  }
  sink->bytes += n;
  if (sink->status == 0) curl_easy_getinfo(sink->easy, CURLINFO_RESPONSE_CODE, &sink->status);
  if (sink->status != 200) {
    if (sink->error_body.size() < 65536) sink->error_body.append(data, std::min<size_t>(n, 65536));
    return n;
  }
  Status fed = sink->pages->feed(std::string_view(data, n));
  if (!fed) {
    sink->failed = true;
    sink->error = std::move(fed).error();
    return 0;
  }
  return n;
}

}  // namespace

struct Client::Impl {
  CURLM* requests = curl_multi_init();
  CURLM* watches = curl_multi_init();
  ~Impl() {
    curl_multi_cleanup(requests);
    curl_multi_cleanup(watches);
  }

  EasyPtr make_easy(const ClientOptions& options, const std::string& url, char* error_buffer) {
    EasyPtr easy(curl_easy_init(), curl_easy_cleanup);
    if (!easy) return easy;
    CURL* h = easy.get();
    http::configure_handle(h, {});
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count()));
    // A peer gone without a FIN (a partitioned API server) ends a watch within about two minutes
    // (30 s idle, then Linux's 9 probes 10 s apart), sooner than the watch's own stall timeout.
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 10L);
    const ClusterCredentials& c = options.credentials;
    curl_blob ca{const_cast<char*>(c.ca_pem.data()), c.ca_pem.size(), CURL_BLOB_COPY};
    curl_blob cert{const_cast<char*>(c.client_cert_pem.data()), c.client_cert_pem.size(),
                   CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(c.client_key_pem.reveal().data()),
                  c.client_key_pem.reveal().size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);  // trust only the cluster CA
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    return easy;
  }

  // Runs one transfer on `multi`, calling tick between slices of at most poll_ms.
  // Returns the transfer's CURLcode; `aborted` tells whether tick stopped it.
  static CURLcode perform(CURLM* multi, CURL* easy, const Tick& tick, bool& aborted,
                          int poll_ms = 100) {
    aborted = false;
    curl_multi_add_handle(multi, easy);
    CURLcode result = CURLE_OK;
    auto last_tick = Clock::now();
    for (;;) {
      int running = 0;
      const CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      bool done = false;
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          done = true;
          result = msg->data.result;
        }
      }
      if (done) break;
      const auto now = Clock::now();
      if (tick && now - last_tick >= std::chrono::milliseconds(50)) {
        last_tick = now;
        if (!tick()) {
          aborted = true;
          break;
        }
      }
      curl_multi_poll(multi, nullptr, 0, poll_ms, nullptr);
    }
    curl_multi_remove_handle(multi, easy);
    return result;
  }

  // Runs a request/response transfer on `requests` within `timeout` and counts it and its bytes
  // on the wire; the caller counts the decoded bytes its write callback took in.
  CURLcode perform_counted(CURL* easy, std::chrono::seconds timeout, Traffic& traffic,
                           const Tick& tick, bool& aborted) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    const CURLcode rc = perform(requests, easy, tick, aborted);
    ++traffic.requests;
    curl_off_t wire = 0;  // bytes on the wire: compressed when the server used gzip
    curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    traffic.wire_bytes += static_cast<uint64_t>(wire);
    return rc;
  }

  // A request/response transfer whose body is collected (up to sink.cap).
  CURLcode collect(CURL* easy, BodySink& sink, std::chrono::seconds timeout, Traffic& traffic,
                   const Tick& tick, bool& aborted) {
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
    const CURLcode rc = perform_counted(easy, timeout, traffic, tick, aborted);
    traffic.decoded_bytes += sink.body.size();
    return rc;
  }
};

Client::Client(ClientOptions options) : options_(std::move(options)), impl_(new Impl) {
  http::global_init();
}

Client::~Client() = default;

Status Client::list(const std::string& what, const std::string& path, size_t limit,
                    PageConsumer& pages, const Tick& tick) {
  std::string continue_token;
  do {
    std::vector<std::pair<std::string, std::string>> query{{"limit", std::to_string(limit)}};
    if (!continue_token.empty()) query.emplace_back("continue", continue_token);
    const std::string url = server() + with_query(path, query);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    EasyPtr easy = impl_->make_easy(options_, url, error_buffer);
    if (!easy) return Error{what, server(), "curl_easy_init failed", ""};
    PageSink sink;
    sink.easy = easy.get();
    sink.pages = &pages;
    sink.cap = options_.max_response_bytes;
    CurlSlist headers;
    headers.add("Accept: application/json");
    curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.list);
    if (options_.compressed_lists) curl_easy_setopt(easy.get(), CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, write_page);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &sink);
    pages.begin();
    bool aborted = false;
    const CURLcode rc =
        impl_->perform_counted(easy.get(), options_.request_timeout, traffic_, tick, aborted);
    traffic_.decoded_bytes += sink.bytes;
    if (aborted) return Error{what, server(), "stopped", ""};
    if (sink.failed) return std::move(sink.error).context(what);
    if (sink.too_big) {
      return Error{what, url,
                   "a page larger than " + std::to_string(options_.max_response_bytes) + " bytes",
                   "lower --page-size"};
    }
    if (rc != CURLE_OK) {
      return Error{what, url, error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc), ""};
    }
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
      return Error{what, url,
                   "HTTP " + std::to_string(status) + ": " + status_message(sink.error_body), ""};
    }
    auto next = pages.end();
    if (!next) return std::move(next).error().context(what);
    continue_token = std::move(*next);
  } while (!continue_token.empty());
  return {};
}

namespace {

struct WatchState {
  CURL* easy = nullptr;
  LineSplitter splitter{0};
  const EventHandler* on_event = nullptr;
  long status = 0;
  std::string error_body;  // of a non-200 response
  Error error;
  bool failed = false;
  bool stopped = false;
  bool gone = false;
  uint64_t bytes = 0;
  Clock::time_point last_data = Clock::now();
};

size_t write_watch(char* data, size_t size, size_t count, void* user) {
  auto* w = static_cast<WatchState*>(user);
  const size_t n = size * count;
  w->bytes += n;
  w->last_data = Clock::now();
  if (w->status == 0) curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->status);
  if (w->status != 200) {
    if (w->error_body.size() < 4096) w->error_body.append(data, std::min<size_t>(n, 4096));
    return n;
  }
  Status s = w->splitter.feed(std::string_view(data, n), [&](std::string_view line) -> Status {
    auto verdict = (*w->on_event)(line);
    if (!verdict) return std::move(verdict).error();
    if (*verdict == EventVerdict::gone) {
      w->gone = true;
      return Error{"watch", "", "gone", ""};
    }
    if (*verdict == EventVerdict::stop) {
      w->stopped = true;
      return Error{"watch", "", "stopped", ""};
    }
    return {};
  });
  if (!s) {
    if (!w->gone && !w->stopped) {
      w->failed = true;
      w->error = std::move(s).error();
    }
    return 0;
  }
  return n;
}

}  // namespace

Result<WatchEnd> Client::watch(const std::string& what, const std::string& path,
                               const std::string& resource_version, int timeout_seconds,
                               std::chrono::seconds stall_timeout, const EventHandler& on_event,
                               const Tick& tick) {
  char error_buffer[CURL_ERROR_SIZE] = {0};
  const std::string url =
      server() + with_query(path, {{"watch", "1"},
                                   {"allowWatchBookmarks", "true"},
                                   {"resourceVersion", resource_version},
                                   {"timeoutSeconds", std::to_string(timeout_seconds)}});
  EasyPtr easy = impl_->make_easy(options_, url, error_buffer);
  if (!easy) return Error{what, server(), "curl_easy_init failed", ""};
  CurlSlist headers;
  headers.add("Accept: application/json");
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.list);
  WatchState state;
  state.easy = easy.get();
  state.splitter = LineSplitter(options_.max_event_bytes);
  state.on_event = &on_event;
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, write_watch);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &state);
  bool stalled = false;
  const Tick watch_tick = [&] {
    if (Clock::now() - state.last_data > stall_timeout) {
      stalled = true;
      return false;
    }
    return !tick || tick();
  };
  bool aborted = false;
  // An idle watch wakes twice a second: signals interrupt the poll anyway, and timers (sweeps,
  // the watchdog) need no finer grain.
  const CURLcode rc = Impl::perform(impl_->watches, easy.get(), watch_tick, aborted, 500);
  ++traffic_.requests;
  traffic_.wire_bytes += state.bytes;
  traffic_.decoded_bytes += state.bytes;
  if (stalled) {
    return Error{what, server(), "no data for " + std::to_string(stall_timeout.count()) + " s", ""};
  }
  if (aborted || state.stopped) return WatchEnd::stopped;
  if (state.gone) return WatchEnd::gone;
  if (state.failed) return std::move(state.error).context(what);
  if (state.status == 0) curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &state.status);
  if (state.status == 410) return WatchEnd::gone;
  if (state.status != 0 && state.status != 200) {
    return Error{what, server(),
                 "HTTP " + std::to_string(state.status) + ": " + status_message(state.error_body),
                 ""};
  }
  if (rc != CURLE_OK) {
    return Error{what, server(), error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc), ""};
  }
  if (state.splitter.buffered() != 0) {
    return Error{what, server(), "the stream ended inside an event", ""};
  }
  return WatchEnd::closed;
}

Result<DeleteResult> Client::delete_object(const std::string& what, const std::string& path,
                                           const std::string& uid,
                                           const std::string& resource_version, const Tick& tick) {
  nlohmann::json preconditions = {{"uid", uid}};
  if (!resource_version.empty()) preconditions["resourceVersion"] = resource_version;
  const std::string body = nlohmann::json{
      {"kind", "DeleteOptions"},
      {"apiVersion", "v1"},
      {"preconditions",
       preconditions}}.dump();
  auto response = request("DELETE", path, body, "application/json", tick);
  if (!response) return Error{what, path, response.error().why, ""};
  if (response->status == 200 || response->status == 202) return DeleteResult::deleted;
  if (response->status == 404) return DeleteResult::not_found;
  if (response->status == 409) {
    // Both preconditions fail with the same Status; only its message says which one.
    const bool version =
        status_message(response->body).find("ResourceVersion in precondition") != std::string::npos;
    return version ? DeleteResult::version_mismatch : DeleteResult::uid_mismatch;
  }
  return Error{what, path, api_error(*response), ""};
}

Result<Client::Response> Client::request(const std::string& method, const std::string& path,
                                         const std::string& body, const std::string& content_type,
                                         const Tick& tick) {
  char error_buffer[CURL_ERROR_SIZE] = {0};
  const std::string url = server() + path;
  EasyPtr easy = impl_->make_easy(options_, url, error_buffer);
  if (!easy) return Error{method, url, "curl_easy_init failed", ""};
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  CurlSlist headers;
  headers.add("Accept: application/json");
  if (!body.empty()) {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    headers.add(("Content-Type: " + content_type).c_str());
  }
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers.list);
  BodySink sink;
  sink.cap = options_.max_response_bytes;
  bool aborted = false;
  const CURLcode rc =
      impl_->collect(easy.get(), sink, options_.request_timeout, traffic_, tick, aborted);
  if (aborted) return Error{method, url, "stopped", ""};
  if (rc != CURLE_OK) {
    return Error{method, url, error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc), ""};
  }
  Response response;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::string(sink.body.view());
  return response;
}

std::string api_error(const Client::Response& response) {
  return "HTTP " + std::to_string(response.status) + ": " + status_message(response.body);
}

}  // namespace kc::kube

namespace kc::kube {

Status validate_credentials(const ClusterCredentials& c, const std::string& where) {
  auto ca = pki::Certificate::parse(c.ca_pem, where);
  if (!ca) return std::move(ca).error().context("load cluster CA");
  auto cert = pki::Certificate::parse(c.client_cert_pem, where);
  if (!cert) return std::move(cert).error().context("load client certificate");
  auto key = pki::PrivateKey::parse(c.client_key_pem, where);
  if (!key) return std::move(key).error().context("load client key");
  if (auto pair = pki::check_key_pair(*cert, *key); !pair) {
    return Error{"load client key", where, pair.error().why, ""};
  }
  return {};
}

std::string path_segment(std::string_view name) {
  char* escaped = curl_easy_escape(nullptr, name.data(), static_cast<int>(name.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

std::string with_query(std::string_view path,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out(path);
  char separator = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    char* escaped = curl_easy_escape(nullptr, value.c_str(), static_cast<int>(value.size()));
    out += separator;
    out += name;
    out += '=';
    out += escaped != nullptr ? escaped : "";
    curl_free(escaped);
    separator = '&';
  }
  return out;
}

Status LineSplitter::feed(std::string_view data,
                          const std::function<Status(std::string_view)>& on_line) {
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + data.size() > max_line_) {
        partial_.clear();
        return Error{"read watch stream", "",
                     "a line longer than " + std::to_string(max_line_) + " bytes", ""};
      }
      partial_.append(data);
      return {};
    }
    std::string_view line = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (partial_.empty()) {
      if (!line.empty()) KC_TRY(on_line(line));
    } else {
      if (partial_.size() + line.size() > max_line_) {
        partial_.clear();
        return Error{"read watch stream", "",
                     "a line longer than " + std::to_string(max_line_) + " bytes", ""};
      }
      partial_.append(line);
      std::string whole = std::move(partial_);
      partial_.clear();
      KC_TRY(on_line(whole));
    }
  }
  return {};
}

}  // namespace kc::kube
