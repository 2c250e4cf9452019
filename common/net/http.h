// HTTPS transfers with libcurl. Every handle kc creates goes through configure_handle(), which
// restricts protocols to https/http (see common/static/curl_unused_protocols.c), sets the CA
// bundle, timeouts and the user agent, and honours https_proxy/no_proxy (libcurl reads them).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "common/core/error.h"

typedef void CURL;  // NOLINT: libcurl's own opaque handle type

namespace kc::http {

struct TlsOptions {
  // PEM bundle to trust instead of the system's (/etc/ssl/certs/ca-certificates.crt).
  std::optional<std::filesystem::path> ca_file;
};

struct FetchRequest {
  std::string url;
  std::optional<std::string> sha256;  // checked after the transfer when given
  TlsOptions tls;
  std::chrono::seconds connect_timeout{15};
};

struct FetchResult {
  std::string sha256;  // of what was received
  size_t bytes = 0;
};

// Initialises libcurl once per process (thread-safe; idempotent).
void global_init();

// Applies kc's common settings to an easy handle.
void configure_handle(CURL* handle, const TlsOptions& tls);

// Downloads url, hashing it while it streams, and writes it to fd (the caller's staged file;
// -1 only hashes it, for a dry run). An HTTP error status or a digest that differs from
// request.sha256 is an error; the caller then discards what was written.
Result<FetchResult> fetch_to_fd(const FetchRequest& request, int fd);

}  // namespace kc::http
