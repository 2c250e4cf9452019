#include "common/node/cri_version.h"

#include <curl/curl.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "common/net/http.h"

namespace kc::node {
namespace {

constexpr size_t kMaxAnswer = 64 * 1024;
constexpr const char* kUrl = "http://localhost/runtime.v1.RuntimeService/Version";

struct Answer {
  std::string body;
  std::string grpc_status;  // from the headers (trailers-only answer) or the trailers
  std::string grpc_message;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const size_t total = size * count;
  if (answer->body.size() + total > kMaxAnswer) {
    answer->too_large = true;
    return 0;
  }
  answer->body.append(data, total);
  return total;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return std::string(text);
}

// libcurl hands HTTP/2 trailers to the header callback too.
size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* answer = static_cast<Answer*>(user);
  const std::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = trimmed(line.substr(0, colon));
    if (name == "grpc-status") answer->grpc_status = trimmed(line.substr(colon + 1));
    if (name == "grpc-message") answer->grpc_message = trimmed(line.substr(colon + 1));
  }
  return size * count;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// A protobuf varint at `pos`; false when truncated or longer than 64 bits.
bool varint(std::string_view data, size_t& pos, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= data.size()) return false;
    const auto byte = static_cast<uint8_t>(data[pos++]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Error malformed(const std::string& why) {
  return Error{"read the CRI Version answer", "", why, "is a CRI runtime on this socket?"};
}

}  // namespace

Result<CriVersion> parse_version_response(std::string_view body) {
  if (body.size() < 5) return malformed("shorter than a gRPC message frame");
  if (body[0] != 0) return malformed("compressed gRPC message (kc asked for none)");
  const uint32_t length = (static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 24) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[2])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 8) |
                          static_cast<uint32_t>(static_cast<uint8_t>(body[4]));
  if (body.size() - 5 < length) return malformed("gRPC message truncated");
  const std::string_view message = body.substr(5, length);
  CriVersion out;
  size_t pos = 0;
  while (pos < message.size()) {
    uint64_t key = 0;
    if (!varint(message, pos, key)) return malformed("bad protobuf field key");
    const uint64_t field = key >> 3;
    const uint64_t wire = key & 7;
    if (wire == 0) {  // varint: skip
      uint64_t ignored = 0;
      if (!varint(message, pos, ignored)) return malformed("bad protobuf varint");
      continue;
    }
    if (wire == 1 || wire == 5) {  // fixed 64 / 32 bits: skip
      const size_t width = wire == 1 ? 8 : 4;
      if (message.size() - pos < width) return malformed("protobuf field truncated");
      pos += width;
      continue;
    }
    if (wire != 2) return malformed("unexpected protobuf wire type");
    uint64_t size = 0;
    if (!varint(message, pos, size) || message.size() - pos < size) {
      return malformed("protobuf string truncated");
    }
    const std::string value(message.substr(pos, size));
    pos += size;
    if (field == 1) out.version = value;
    if (field == 2) out.runtime_name = value;
    if (field == 3) out.runtime_version = value;
    if (field == 4) out.runtime_api_version = value;
  }
  if (out.runtime_name.empty()) return malformed("VersionResponse without runtime_name");
  return out;
}

std::string describe(const CriVersion& v) {
  return v.runtime_name + " " + v.runtime_version + " (CRI " + v.runtime_api_version + ")";
}

Result<CriVersion> cri_version(const std::string& socket_path, std::chrono::milliseconds timeout) {
  http::global_init();
  const std::string where = "unix://" + socket_path;
  const std::string what = "ask the container runtime for its CRI Version";
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  if (!handle) return Error{what, where, "curl_easy_init failed", ""};
  CURL* h = handle.get();
  http::configure_handle(h, {});
  Answer answer;
  char error[CURL_ERROR_SIZE] = {0};
  static const char request[5] = {0, 0, 0, 0, 0};  // an uncompressed, empty VersionRequest
  curl_easy_setopt(h, CURLOPT_URL, kUrl);
  curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE));
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 5L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &answer);
  curl_slist* list = curl_slist_append(nullptr, "content-type: application/grpc");
  list = curl_slist_append(list, "te: trailers");
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_COULDNT_CONNECT) {
    // libcurl's own text names the URL's "localhost port 80", not the socket it dialled.
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    return Error{what, where,
                 "cannot connect to " + socket_path +
                     (os_errno != 0 ? ": " + std::string(std::strerror(static_cast<int>(os_errno)))
                                    : std::string()),
                 "is containerd running? systemctl status containerd"};
  }
  if (code != CURLE_OK) {
    return Error{what, where,
                 answer.too_large ? "answer larger than 64 KiB"
                 : error[0] != 0  ? error
                                  : curl_easy_strerror(code),
                 "is containerd running? systemctl status containerd"};
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return Error{what, where, "HTTP " + std::to_string(status) + " (not a gRPC server?)", ""};
  }
  if (!answer.grpc_status.empty() && answer.grpc_status != "0") {
    return Error{what, where,
                 "gRPC status " + answer.grpc_status +
                     (answer.grpc_message.empty() ? "" : ": " + answer.grpc_message),
                 "is the CRI plugin of containerd turned off (disabled_plugins in "
                 "/etc/containerd/config.toml)?"};
  }
  auto version = parse_version_response(answer.body);
  if (!version) return std::move(version).error().context(where);
  return version;
}

}  // namespace kc::node
