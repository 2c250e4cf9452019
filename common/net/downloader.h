// Concurrent, verified downloads with libcurl's multi interface, on one thread.
//
// Every file is written into a file descriptor the caller gives (a file staged on the host seam,
// kc::Host::stage) and hashed while it streams in. Transient failures (connect errors, timeouts,
// 5xx, truncated bodies, stalls below a minimum rate) are retried with exponential backoff,
// resuming with an HTTP Range request where the server accepts ranges; permanent ones (4xx, digest
// mismatch, a full disk) fail that file at once. Every file starts on one connection; where the
// server accepts ranges, more connections take over the second half of the largest remaining piece
// of a file (ranged segments in parallel, as the AWS CLI does for large S3 objects) while they
// raise the aggregate rate (downloader_growth.h: a per-connection cap is worth splitting, a
// saturated shared link is not), up to a bounded total number of connections; the whole file is
// verified after. Proxies come from https_proxy / HTTPS_PROXY / no_proxy, which libcurl
// reads itself.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/core/error.h"
#include "common/net/http.h"

namespace kc {

// The most kc downloads for one file unless told otherwise (kubelet, the largest, is ~80 MB).
inline constexpr uint64_t kMaxDownloadBytes = uint64_t{1} << 30;

struct DownloadRequest {
  std::string label;  // what the file is, for errors and progress: "kubelet"
  std::string url;
  std::optional<std::string> sha256;  // expected digest (lower-case hex); nullopt: no check
  int fd = -1;                        // written with pwrite; the caller owns and commits it
  std::string destination;            // where it goes, for errors: "/opt/bin/kubelet"
  bool finish_early = false;          // needs work after the download (extraction): idle
                                      // connections help it first, so that work overlaps the rest
  // A larger file (announced or received) fails at once, not retried: an endless body stops here
  // instead of filling the disk before the digest check.
  uint64_t max_bytes = kMaxDownloadBytes;
  // The exact size, where it is known: a file announced or received at any other size fails at
  // once, not retried (it is not the file the digest pins).
  std::optional<uint64_t> size = std::nullopt;
  // Called whenever the contiguous prefix written to fd grows: bytes [0, prefix) are there and
  // stay as they are, unless a later call reports a smaller prefix (the download started over
  // from zero: a server that ignored a Range request). A reader can follow the download with it
  // (a tarball's extraction). `whole`: every byte is written (prefix is the size); verification
  // follows (on_done). Called from the download's threads: must be thread-safe and quick.
  std::function<void(uint64_t prefix, bool whole)> on_prefix = nullptr;
};

struct DownloadedFile {
  std::string sha256;  // verified; the content is in the request's fd, truncated to `bytes`
  uint64_t bytes = 0;
  int connections = 0;  // segments fetched (1 = a single stream)
};

struct ProgressItem {
  std::string label;
  uint64_t received = 0;
  uint64_t total = 0;  // 0 while unknown
  bool finished = false;
};

struct DownloadOptions {
  http::TlsOptions tls;
  int max_connections = 12;  // over all files together
  // The aggregate rate is measured over windows this long (no transfer starting or ending) to
  // decide whether another segment is worth opening.
  std::chrono::milliseconds growth_window{100};
  uint64_t min_segment = 4 << 20;                // never split below this many bytes per segment
  int retries = 5;                               // transient failures retried per segment
  std::chrono::milliseconds first_backoff{250};  // doubles per attempt, at most 8 s
  long connect_timeout_seconds = 15;
  long stall_bytes_per_second = 1024;  // slower than this ...
  long stall_seconds = 30;             // ... for this long aborts and retries the transfer, and
                                       // so does nothing at all received for this long
  // Called about four times a second and once at the end (final = true).
  std::function<void(const std::vector<ProgressItem>&, bool final)> progress;
  // Called once per request as soon as it succeeded or failed, before download_all returns, so
  // the caller can install a file while the others are still downloading. Successful files are
  // verified from a thread of their own (hashing back what parallel segments wrote), and this is
  // called on that thread: it must be thread-safe.
  std::function<void(size_t index, const Result<DownloadedFile>& result)> on_done;
  // Once it reads true, every file not yet downloaded fails at once ("cancelled") and nothing
  // more is fetched (downloads started ahead of the step that needs them: asset_prefetch.h).
  const std::atomic<bool>* cancel = nullptr;
};

// Downloads every request concurrently. One result per request, in order. After a failed
// request its fd holds garbage: the caller discards the staged file.
std::vector<Result<DownloadedFile>> download_all(const std::vector<DownloadRequest>& requests,
                                                 const DownloadOptions& options);

// Fetches a small text document (a published .sha256 file) into memory.
Result<std::string> fetch_text(const std::string& url, const DownloadOptions& options);

}  // namespace kc
