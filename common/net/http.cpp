#include "common/net/http.h"

#include <curl/curl.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "common/core/sha256.h"
#include "common/core/version.h"

namespace kc::http {
namespace {

struct Sink {
  int fd = -1;
  Sha256 hash;
  size_t bytes = 0;
  int write_errno = 0;
};

size_t write_to_sink(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t total = size * count;
  size_t off = sink->fd < 0 ? total : 0;  // no file: only hash it
  while (off < total) {
    ssize_t n = ::write(sink->fd, data + off, total - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      sink->write_errno = errno;
      return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
    }
    off += static_cast<size_t>(n);
  }
  sink->hash.update(data, total);
  sink->bytes += total;
  return total;
}

}  // namespace

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TrustStore trust_store(const TlsOptions& tls) {
  if (tls.ca_file) return {tls.ca_file->string(), "", false, true};
  const char* file = std::getenv("SSL_CERT_FILE");
  const char* dir = std::getenv("SSL_CERT_DIR");
  TrustStore store{file != nullptr ? file : "", dir != nullptr ? dir : ""};
  if (store.file.empty()) {
    // libcurl fails every transfer when its default bundle is missing, even with a directory
    // to use; OpenSSL's tools skip a missing default file, and so does kc.
    // (curl_version_info() would name it, but pulls libcurl's LDAP code into the static link.)
    store.no_file = ::access(kDefaultCaBundle, F_OK) != 0;
  }
  return store;
}

bool is_plain_http(std::string_view url) {
  return url.size() >= 7 && strncasecmp(url.data(), "http://", 7) == 0;
}

bool is_plain_http_off_host(std::string_view url) {
  if (!is_plain_http(url)) return false;
  std::string_view rest = url.substr(7);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string_view host = rest;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') == std::string_view::npos ? 0 : host.find(']') - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  const bool ipv4_loopback =
      host.rfind("127.", 0) == 0 && host.find_first_not_of("0123456789.") == std::string_view::npos;
  const bool loopback = host == "localhost" || host == "::1" || ipv4_loopback;
  return !loopback;
}

void configure_handle(CURL* handle, const TlsOptions& tls) {
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https,http");
  // A redirect never downgrades to plain http (nor starts there).
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  static const std::string agent = std::string("kc/") + kVersion;
  curl_easy_setopt(handle, CURLOPT_USERAGENT, agent.c_str());
  const TrustStore store = trust_store(tls);
  if (!store.file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, store.file.c_str());
  if (!store.dir.empty()) curl_easy_setopt(handle, CURLOPT_CAPATH, store.dir.c_str());
  if (store.no_file) curl_easy_setopt(handle, CURLOPT_CAINFO, nullptr);
  if (store.no_dir) curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
}

Result<FetchResult> fetch_to_fd(const FetchRequest& request, int fd) {
  global_init();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  if (!handle) return Error{"download", request.url, "curl_easy_init failed", ""};
  char curl_error[CURL_ERROR_SIZE] = {0};
  Sink sink;
  sink.fd = fd;
  configure_handle(handle.get(), request.tls);
  curl_easy_setopt(handle.get(), CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, write_to_sink);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(handle.get(), CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(request.connect_timeout.count()));

  const CURLcode rc = curl_easy_perform(handle.get());
  if (rc != CURLE_OK) {
    std::string why = curl_error[0] != 0 ? curl_error : curl_easy_strerror(rc);
    if (sink.write_errno != 0)
      why = std::string("write failed: ") + std::strerror(sink.write_errno);
    return Error{"download", request.url, why, ""};
  }
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status >= 400) return Error{"download", request.url, "HTTP " + std::to_string(status), ""};
  FetchResult result{sink.hash.hex_digest(), sink.bytes};
  if (request.sha256 && *request.sha256 != result.sha256) {
    return Error{"verify", request.url,
                 "SHA-256 mismatch: expected " + *request.sha256 + ", got " + result.sha256, ""};
  }
  return result;
}

}  // namespace kc::http
