#include "common/aws/imds_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <thread>

#include "common/net/http.h"

namespace kc::aws {
namespace {

constexpr size_t kMaxBody = 64 * 1024;  // metadata values are short

constexpr const char* kNoImdsHint =
    "not on EC2, or kc runs in a container behind the instance's metadata hop limit "
    "(raise HttpPutResponseHopLimit to 2); off EC2, pass --node-name, --node-ip, --region, "
    "--zone, --instance-id and --vpc-cidr";

struct Response {
  CURLcode code = CURLE_OK;
  std::string curl_error;
  long status = 0;
  std::string body;
  bool too_large = false;
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Response*>(user);
  const size_t total = size * count;
  if (response->body.size() + total > kMaxBody) {
    response->too_large = true;
    return 0;
  }
  response->body.append(data, total);
  return total;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// One request to IMDS; `put` is the token request.
Response perform(const ImdsOptions& o, const std::string& url, bool put,
                 const std::string& header) {
  http::global_init();
  Response response;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  if (!handle) {
    response.code = CURLE_FAILED_INIT;
    return response;
  }
  char error[CURL_ERROR_SIZE] = {0};
  http::configure_handle(handle.get(), {});
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");  // IMDS is link-local: a proxy would answer for it
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  if (put) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers(curl_slist_append(nullptr, header.c_str()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  response.code = curl_easy_perform(h);
  response.curl_error = error[0] != 0 ? error : curl_easy_strerror(response.code);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

bool transient(const Response& r) {
  return r.code == CURLE_OPERATION_TIMEDOUT || (r.code == CURLE_OK && r.status >= 500);
}

Response perform_with_retries(const ImdsOptions& o, const std::string& url, bool put,
                              const std::string& header) {
  Response r;
  for (int attempt = 0; attempt < std::max(1, o.attempts); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(o.retry_delay * (1 << (attempt - 1)));
    r = perform(o, url, put, header);
    if (!transient(r)) break;
  }
  return r;
}

}  // namespace

std::string imds_endpoint(const std::string& flag) {
  std::string endpoint = flag.empty() ? imds_endpoint_from_environment() : flag;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

std::string imds_endpoint_from_environment() {
  const char* value = std::getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  std::string endpoint = value != nullptr && *value != 0 ? value : kDefaultImdsEndpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

ImdsClient::ImdsClient(ImdsOptions options) : options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/')
    options_.endpoint.pop_back();
}

std::string ImdsClient::describe() const {
  return "IMDS at " + options_.endpoint;
}

Status ImdsClient::refresh_token() {
  const std::string url = options_.endpoint + "/latest/api/token";
  Response r = perform_with_retries(
      options_, url, true,
      "X-aws-ec2-metadata-token-ttl-seconds: " + std::to_string(options_.token_ttl_seconds));
  const std::string what = "get an IMDSv2 session token";
  if (r.code != CURLE_OK) return Error{what, url, r.curl_error, kNoImdsHint};
  if (r.status == 403) {
    return Error{what, url, "HTTP 403",
                 "the instance metadata service is turned off for this instance (HttpEndpoint "
                 "disabled); turn it on, or pass the identity flags"};
  }
  if (r.status != 200) return Error{what, url, "HTTP " + std::to_string(r.status), kNoImdsHint};
  if (r.body.empty()) return Error{what, url, "empty token", kNoImdsHint};
  token_ = std::move(r.body);
  return {};
}

Result<std::optional<std::string>> ImdsClient::get(const std::string& path) {
  const std::string url = options_.endpoint + "/latest/meta-data/" + path;
  Response r;
  // A token that expired since it was fetched gets one fresh try.
  for (int round = 0; round < 2; ++round) {
    if (token_.empty()) KC_TRY(refresh_token());
    r = perform_with_retries(options_, url, false, "X-aws-ec2-metadata-token: " + token_);
    if (r.code != CURLE_OK || r.status != 401) break;
    token_.clear();
  }
  const std::string what = "read instance metadata";
  if (r.code != CURLE_OK) {
    return Error{what, url, r.too_large ? "answer larger than 64 KiB" : r.curl_error,
                 r.too_large ? "" : kNoImdsHint};
  }
  if (r.status == 404) return std::optional<std::string>();
  if (r.status != 200) return Error{what, url, "HTTP " + std::to_string(r.status), ""};
  return std::optional<std::string>(std::move(r.body));
}

}  // namespace kc::aws
