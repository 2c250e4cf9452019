// HTTPS transfers with libcurl. Every handle kc creates goes through configure_handle(), which
// restricts protocols to https/http (see common/static/curl_unused_protocols.c) and redirects to
// https, sets the trust store (trust_store()), timeouts and the user agent, and honours
// https_proxy/no_proxy (libcurl reads them).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

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

// The CA certificates a transfer trusts: only --ca-file (TlsOptions::ca_file) if given (not
// also the default directory /etc/ssl/certs, which on Flatcar holds every public CA, hashed);
// else $SSL_CERT_FILE in place of the default bundle and $SSL_CERT_DIR in place of the default
// directory, each on its own as OpenSSL's tools read them; the defaults are libcurl's built-in
// /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs (which Flatcar has); a missing default
// bundle is skipped, as OpenSSL does, so that a directory alone still works.
// libcurl's built-in bundle in Debian's build (--with-ca-bundle), also Flatcar's path.
inline constexpr const char* kDefaultCaBundle = "/etc/ssl/certs/ca-certificates.crt";
struct TrustStore {
  std::string file;      // CURLOPT_CAINFO; empty: the default, unless no_file
  std::string dir;       // CURLOPT_CAPATH; empty: the default, unless no_dir
  bool no_file = false;  // no bundle file: the default one is missing
  bool no_dir = false;   // trust no directory at all (--ca-file)
};
TrustStore trust_store(const TlsOptions& tls);

// True for an http:// URL (nothing authenticates what it returns, nothing keeps it private).
bool is_plain_http(std::string_view url);
// The same, except to this machine's loopback (127.0.0.0/8, [::1], localhost), which no one on
// the network can read or change: kc's policy (refuse unpinned, warn pinned) applies to these.
bool is_plain_http_off_host(std::string_view url);

// Initialises libcurl once per process (thread-safe; idempotent).
void global_init();

// Applies kc's common settings to an easy handle.
void configure_handle(CURL* handle, const TlsOptions& tls);

// Downloads url, hashing it while it streams, and writes it to fd (the caller's staged file;
// -1 only hashes it, for a dry run). An HTTP error status or a digest that differs from
// request.sha256 is an error; the caller then discards what was written.
Result<FetchResult> fetch_to_fd(const FetchRequest& request, int fd);

}  // namespace kc::http
