#include "common/net/downloader.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include "common/core/sha256.h"
#include "common/net/downloader_growth.h"

namespace kc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kUnknown = std::numeric_limits<uint64_t>::max();

struct Job;

struct Segment {
  Job* job = nullptr;
  uint64_t begin = 0;       // first byte of this segment's range
  uint64_t start = 0;       // next byte to write
  uint64_t end = kUnknown;  // exclusive
  uint64_t request_start = 0;
  CURL* easy = nullptr;
  bool ranged = false;       // this transfer sent a Range header
  bool checked = false;      // the response status was checked
  bool reached_end = false;  // stopped on purpose at `end`
  bool done = false;
  bool stalled = false;           // aborted: no byte for stall_seconds
  Clock::time_point last_byte{};  // when the last body byte (or the start) was seen
  long stall_seconds = 0;
  int failures = 0;
  Clock::time_point not_before{};
  std::optional<Error> fatal;  // a permanent problem found inside a callback
  std::string last_error;
  char errbuf[CURL_ERROR_SIZE] = {0};
};

struct Job {
  const DownloadRequest* request = nullptr;
  int fd = -1;  // the request's, not owned
  uint64_t size = kUnknown;
  bool accepts_ranges = false;
  std::unique_ptr<Sha256> hash = std::make_unique<Sha256>();
  uint64_t hashed = 0;  // bytes [0, hashed) went into `hash`
  uint64_t received = 0;
  uint64_t fetched = 0;   // body bytes taken in all, never rewound: the aggregate rate's counter
  uint64_t reported = 0;  // the written prefix last given to the request's on_prefix
  size_t index = 0;
  bool started = false;
  bool verifying = false;  // handed to a verifier thread
  std::atomic<bool> finished{false};
  std::vector<std::unique_ptr<Segment>> segments;
  std::optional<Error> error;
  std::optional<DownloadedFile> result;
};

std::string nothing_installed(const Job& job) {
  return "nothing was installed for " + job.request->label;
}

Error job_error(const Job& job, std::string why) {
  return Error{"download " + job.request->label, job.request->url, std::move(why),
               nothing_installed(job)};
}

bool transient_curl_error(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_WEIRD_SERVER_REPLY:
      return true;
    default:
      return false;
  }
}

bool transient_status(long status) {
  return status >= 500 || status == 408 || status == 429;
}

void restart_from_zero(Segment& s) {
  Job& job = *s.job;
  job.received -= s.start;
  s.start = 0;
  job.hash = std::make_unique<Sha256>();
  job.hashed = 0;
  if (job.request->on_prefix && job.reported > 0) {  // before anything is written again
    job.reported = 0;
    job.request->on_prefix(0, false);
  }
}

// The bytes [0, prefix) written so far: segments split a file into adjacent ranges.
uint64_t written_prefix(const Job& job) {
  uint64_t prefix = 0;
  for (;;) {
    auto holder = std::find_if(job.segments.begin(), job.segments.end(), [&](const auto& s) {
      return s->begin <= prefix && prefix < s->start;
    });
    if (holder == job.segments.end()) return prefix;
    prefix = (*holder)->start;
  }
}

void report_prefix(Job& job, bool whole = false) {
  if (!job.request->on_prefix) return;
  const uint64_t prefix = written_prefix(job);
  if (prefix <= job.reported && !whole) return;
  job.reported = prefix;
  job.request->on_prefix(prefix, whole);
}

Error too_large(const Job& job) {
  return job_error(job, "the file is larger than " + std::to_string(job.request->max_bytes) +
                            " bytes, the most kc accepts for it");
}

Error wrong_size(const Job& job, const std::string& got) {
  return job_error(job, got + ", not the " + std::to_string(*job.request->size) +
                            " bytes expected: a different file");
}

// The exact size, where the request knows it: whether `bytes` (announced or received) differs.
bool not_expected(const Job& job, uint64_t bytes) {
  return job.request->size && bytes != *job.request->size;
}

// Called once per response, before its first body byte.
bool check_response(Segment& s) {
  s.checked = true;
  Job& job = *s.job;
  spdlog::debug("download {}: first body byte of {}-", job.request->label, s.start);
  long status = 0;
  curl_easy_getinfo(s.easy, CURLINFO_RESPONSE_CODE, &status);
  if (s.ranged && status == 200) {
    // The server ignored the Range header and sends the whole file.
    if (job.segments.size() == 1) {
      restart_from_zero(s);
      s.ranged = false;
    } else {
      s.fatal = job_error(job, "the server stopped honouring HTTP Range requests");
      return false;
    }
  }
  if (!s.ranged && status == 200) {
    curl_off_t length = -1;
    curl_easy_getinfo(s.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length >= 0 && static_cast<uint64_t>(length) > job.request->max_bytes) {
      s.fatal = too_large(job);
      return false;
    }
    if (length >= 0 && not_expected(job, static_cast<uint64_t>(length))) {
      s.fatal = wrong_size(job, "the server announces " + std::to_string(length) + " bytes");
      return false;
    }
    if (length >= 0) {
      job.size = static_cast<uint64_t>(length);
      s.end = job.size;
      // Claims the space now: a full disk fails here, before any byte is fetched.
      int err = ::posix_fallocate(job.fd, 0, static_cast<off_t>(job.size));
      if (err != 0 && err != EOPNOTSUPP && err != EINVAL) {
        s.fatal = job_error(job, "cannot reserve " + std::to_string(job.size) + " bytes for " +
                                     job.request->destination + ": " + std::strerror(err));
        return false;
      }
    }
  }
  return true;
}

// A transfer that received nothing for stall_seconds is abandoned then, not when libcurl's
// averaged speed has also dropped below the limit (which took ~5 s longer).
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* s = static_cast<Segment*>(user);
  if (s->stall_seconds > 0 &&
      Clock::now() - s->last_byte >= std::chrono::seconds(s->stall_seconds)) {
    s->stalled = true;
    return 1;  // CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<Segment*>(user);
  const size_t total = size * count;
  std::string_view line(data, total);
  auto starts = [&](std::string_view name) {
    return line.size() >= name.size() && strncasecmp(line.data(), name.data(), name.size()) == 0;
  };
  if (starts("accept-ranges:")) {
    std::string_view value = line.substr(14);
    if (value.find("bytes") != std::string_view::npos) s->job->accepts_ranges = true;
  } else if (starts("content-range:") && s->ranged) {
    std::string_view value = line.substr(14);
    size_t digits = value.find_first_of("0123456789");
    if (digits != std::string_view::npos) {
      uint64_t first = std::strtoull(std::string(value.substr(digits)).c_str(), nullptr, 10);
      if (first != s->request_start) {
        s->fatal = job_error(*s->job, "the server answered a Range request with the wrong range");
        return 0;
      }
    }
    // "bytes 5000-99999/100000": the whole file's size, known before this response's body.
    if (size_t slash = value.find('/'); slash != std::string_view::npos) {
      const std::string total_text(value.substr(slash + 1));
      char* end = nullptr;
      const uint64_t file_size = std::strtoull(total_text.c_str(), &end, 10);
      if (end != total_text.c_str()) {
        Job& job = *s->job;
        if (file_size > job.request->max_bytes) {
          s->fatal = too_large(job);
          return 0;
        }
        if (not_expected(job, file_size)) {
          s->fatal =
              wrong_size(job, "the server announces " + std::to_string(file_size) + " bytes");
          return 0;
        }
        if (job.size == kUnknown && s->end == kUnknown) {  // resuming a body of unknown length
          job.size = file_size;
          s->end = file_size;
        }
      }
    }
  }
  return total;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* s = static_cast<Segment*>(user);
  Job& job = *s->job;
  const size_t total = size * count;
  if (!s->checked && !check_response(*s)) return 0;
  s->last_byte = Clock::now();
  size_t take = total;
  if (s->end != kUnknown) {
    take =
        s->start >= s->end ? 0 : static_cast<size_t>(std::min<uint64_t>(total, s->end - s->start));
  }
  if (s->start + take > job.request->max_bytes) {  // an endless body stops here
    s->fatal = too_large(job);
    return 0;
  }
  if (job.request->size && s->start + take > *job.request->size) {
    s->fatal = wrong_size(job, "more bytes arrived");
    return 0;
  }
  size_t off = 0;
  while (off < take) {
    ssize_t n = ::pwrite(job.fd, data + off, take - off, static_cast<off_t>(s->start + off));
    if (n < 0) {
      if (errno == EINTR) continue;
      s->fatal =
          job_error(job, "cannot write " + job.request->destination + ": " + std::strerror(errno));
      return 0;
    }
    off += static_cast<size_t>(n);
  }
  if (s->start == job.hashed) {
    job.hash->update(data, take);
    job.hashed += take;
  }
  s->start += take;
  job.received += take;
  job.fetched += take;
  if (take < total) {
    s->reached_end = true;  // the rest belongs to another segment
    return take;
  }
  return total;
}

class Engine {
 public:
  Engine(const std::vector<DownloadRequest>& requests, const DownloadOptions& options)
      : options_(options), jobs_(requests.size()) {
    for (size_t i = 0; i < requests.size(); ++i) {
      jobs_[i].request = &requests[i];
      jobs_[i].index = i;
    }
    target_ = std::min<int>(budget(), static_cast<int>(std::max<size_t>(1, requests.size())));
  }
  ~Engine() {
    for (auto& t : verifiers_) t.join();
    for (const auto& job : jobs_) {
      for (const auto& s : job.segments) stop(*s);
    }
    if (multi_) curl_multi_cleanup(multi_);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  std::vector<Result<DownloadedFile>> run() {
    http::global_init();
    multi_ = curl_multi_init();
    // One connection per transfer: ranged segments must not share an HTTP/2 connection, or a
    // per-connection rate limit would bind them all.
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(std::max(1, options_.max_connections)));
    for (auto& job : jobs_) {
      job.fd = job.request->fd;
      if (job.fd < 0) finish(job, job_error(job, "no file to write to"));
    }
    auto last_progress = Clock::now();
    while (std::any_of(jobs_.begin(), jobs_.end(), [](const Job& j) { return !j.finished; })) {
      schedule();
      int running = 0;
      curl_multi_perform(multi_, &running);
      collect();
      if (options_.cancel != nullptr && options_.cancel->load()) cancel_all();
      measure();
      catch_up();
      for (auto& job : jobs_) {
        if (!job.finished && !job.verifying) report_prefix(job);
      }
      if (options_.progress && Clock::now() - last_progress >= std::chrono::milliseconds(250)) {
        last_progress = Clock::now();
        options_.progress(progress(), false);
      }
      int timeout_ms = 100;
      auto wake = next_retry();
      if (wake) {
        auto until = std::chrono::duration_cast<std::chrono::milliseconds>(*wake - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<long long>(until.count(), 0, 100));
      }
      if (active_ > 0) {
        curl_multi_poll(multi_, nullptr, 0, timeout_ms, nullptr);
      } else if (wake && timeout_ms > 0) {
        ::usleep(static_cast<useconds_t>(timeout_ms) * 1000);
      } else if (!wake) {
        wait_for_a_verifier();  // only verifiers are left
      }
    }
    for (auto& t : verifiers_) t.join();
    verifiers_.clear();
    if (options_.progress) options_.progress(progress(), true);
    std::vector<Result<DownloadedFile>> out;
    for (auto& job : jobs_) {
      if (job.result) {
        out.emplace_back(*job.result);
      } else {
        out.emplace_back(job.error.value_or(job_error(job, "unknown failure")));
      }
    }
    return out;
  }

 private:
  // Called on the loop's thread, or on a verifier's once the loop has let go of the job.
  void finish(Job& job, std::optional<Error> error) {
    for (const auto& s : job.segments) stop(*s);
    if (error) {
      job.error = std::move(error);
    }
    if (options_.on_done) {
      if (job.result) {
        options_.on_done(job.index, *job.result);
      } else {
        options_.on_done(job.index, *job.error);
      }
    }
    {
      std::lock_guard<std::mutex> hold(finished_mutex_);
      job.finished = true;
      ++finished_count_;
    }
    finished_cv_.notify_all();
  }

  // Returns when a job has finished since the last call (or after 100 ms): the last file's
  // install is not followed by a polling interval.
  void wait_for_a_verifier() {
    std::unique_lock<std::mutex> lock(finished_mutex_);
    finished_cv_.wait_for(lock, std::chrono::milliseconds(100),
                          [this] { return finished_count_ != finished_seen_; });
    finished_seen_ = finished_count_;
  }

  void stop(Segment& s) {
    if (!s.easy) return;
    curl_multi_remove_handle(multi_, s.easy);
    curl_easy_cleanup(s.easy);
    s.easy = nullptr;
    --active_;
    ++churn_;
    // On a saturated link a connection that ends is not replaced (see downloader_growth.h).
    if (growth_.saturated) target_ = std::min(target_, std::max(1, active_));
  }

  void start(Segment& s) {
    Job& job = *s.job;
    s.easy = curl_easy_init();
    ++active_;
    ++churn_;
    s.checked = false;
    s.reached_end = false;
    s.errbuf[0] = 0;
    s.request_start = s.start;
    // Resuming needs a server that accepts ranges; otherwise a single stream starts over.
    if (s.start > 0 && !job.accepts_ranges) restart_from_zero(s);
    s.ranged = s.start > 0 || s.end != kUnknown;
    if (s.ranged && !job.accepts_ranges) s.ranged = false;
    http::configure_handle(s.easy, options_.tls);
    curl_easy_setopt(s.easy, CURLOPT_URL, job.request->url.c_str());
    curl_easy_setopt(s.easy, CURLOPT_ERRORBUFFER, s.errbuf);
    curl_easy_setopt(s.easy, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s.easy, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(s.easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s.easy, CURLOPT_HEADERDATA, &s);
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
    curl_easy_setopt(s.easy, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
    curl_easy_setopt(s.easy, CURLOPT_LOW_SPEED_LIMIT, options_.stall_bytes_per_second);
    curl_easy_setopt(s.easy, CURLOPT_LOW_SPEED_TIME, options_.stall_seconds);
    s.stalled = false;
    s.last_byte = Clock::now();
    s.stall_seconds = options_.stall_seconds;
    curl_easy_setopt(s.easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(s.easy, CURLOPT_XFERINFODATA, &s);
    curl_easy_setopt(s.easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(s.easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(job.request->max_bytes));
    curl_easy_setopt(s.easy, CURLOPT_BUFFERSIZE, 256L * 1024);
    if (s.ranged) {
      std::string range = std::to_string(s.start) + "-";
      if (s.end != kUnknown) range += std::to_string(s.end - 1);
      curl_easy_setopt(s.easy, CURLOPT_RANGE, range.c_str());  // libcurl copies the string
    }
    curl_multi_add_handle(multi_, s.easy);
    spdlog::debug("download {}: bytes {}-{} requested ({} connection(s) busy)", job.request->label,
                  s.start, s.end == kUnknown ? std::string("end") : std::to_string(s.end), active_);
  }

  // Files being verified finish on their own thread; every other one fails now.
  void cancel_all() {
    for (auto& job : jobs_) {
      if (!job.finished && !job.verifying) finish(job, job_error(job, "cancelled"));
    }
  }

  std::optional<Clock::time_point> next_retry() const {
    std::optional<Clock::time_point> out;
    for (const auto& job : jobs_) {
      if (job.finished) continue;
      for (const auto& s : job.segments) {
        if (!s->done && !s->easy && (!out || s->not_before < *out)) out = s->not_before;
      }
    }
    return out;
  }

  int budget() const { return std::max(1, options_.max_connections); }

  // The digest takes a file's bytes in order: a segment's bytes are hashed as they stream in once
  // the digest has reached its start, and what a later segment wrote before that is read back
  // here, a few MB per turn, so that little is left to hash after the last byte.
  void catch_up() {
    constexpr uint64_t kPerTurn = 2 << 20;
    for (auto& job : jobs_) {
      if (job.finished || job.verifying || job.segments.size() < 2) continue;
      uint64_t left = kPerTurn;
      while (left > 0) {
        auto holder = std::find_if(job.segments.begin(), job.segments.end(), [&](const auto& s) {
          return s->begin <= job.hashed && job.hashed < s->start;
        });
        if (holder == job.segments.end()) break;
        catch_up_buffer_.resize(1 << 20);
        const size_t want = static_cast<size_t>(
            std::min<uint64_t>({left, (*holder)->start - job.hashed, catch_up_buffer_.size()}));
        const ssize_t n =
            ::pread(job.fd, catch_up_buffer_.data(), want, static_cast<off_t>(job.hashed));
        if (n <= 0) break;  // the verifier reads it again and reports what is wrong
        job.hash->update(catch_up_buffer_.data(), static_cast<size_t>(n));
        job.hashed += static_cast<uint64_t>(n);
        left -= static_cast<uint64_t>(n);
      }
    }
  }

  // Measures the aggregate rate over a window in which no transfer started or ended (after a
  // third of it to settle: new connections need their handshake), and lets decide_growth()
  // set how many connections to keep busy.
  void measure() {
    const auto now = Clock::now();
    uint64_t fetched = 0;
    for (const auto& job : jobs_) fetched += job.fetched;
    const auto window = std::max(options_.growth_window, std::chrono::milliseconds(3));
    if (!window_ || window_->churn != churn_) {
      window_ = Window{now + window / 3, fetched, churn_};
      return;
    }
    if (now < window_->settled) {
      window_->fetched = fetched;
      return;
    }
    const std::chrono::duration<double> elapsed = now - window_->settled;
    if (elapsed < window * 2 / 3 || active_ == 0) return;
    const RateSample sample{active_,
                            static_cast<double>(fetched - window_->fetched) / elapsed.count()};
    const GrowthDecision decision = decide_growth(growth_, sample, budget());
    spdlog::debug("download: {:.1f} MB/s on {} connection(s); keep {}{}",
                  sample.bytes_per_second / 1e6, sample.connections, decision.target,
                  decision.state.saturated ? " (the link is saturated)" : "");
    growth_ = decision.state;
    target_ = decision.target;
    window_.reset();
  }

  void schedule() {
    const int most = budget();
    const auto now = Clock::now();
    // Retries that are due.
    for (const auto& job : jobs_) {
      if (job.finished) continue;
      for (const auto& s : job.segments) {
        if (active_ >= most) return;
        if (!s->done && !s->easy && s->not_before <= now) start(*s);
      }
    }
    // Files not started yet.
    for (auto& job : jobs_) {
      if (active_ >= most) return;
      if (job.finished || job.started) continue;
      job.started = true;
      job.segments.push_back(std::make_unique<Segment>());
      job.segments.back()->job = &job;
      start(*job.segments.back());
    }
    // Connections the rate asks for take the second half of the largest remaining piece (of a
    // finish_early file while it has one).
    while (active_ < std::min(most, target_)) {
      Segment* largest = nullptr;
      uint64_t best = 0;
      for (auto& job : jobs_) {
        if (job.finished || !job.accepts_ranges || job.size == kUnknown) continue;
        for (auto& s : job.segments) {
          if (!s->easy || s->done || s->end == kUnknown || s->start >= s->end) continue;
          if (s->end - s->start < 2 * options_.min_segment) continue;
          // A file with work after its download (extraction) first, so that work overlaps.
          const uint64_t score =
              (s->end - s->start) + (job.request->finish_early ? uint64_t{1} << 62 : uint64_t{0});
          if (score > best) {
            best = score;
            largest = s.get();
          }
        }
      }
      if (!largest) return;
      const uint64_t mid = largest->start + (largest->end - largest->start) / 2;
      Job& job = *largest->job;
      auto piece = std::make_unique<Segment>();
      piece->job = &job;
      piece->begin = mid;
      piece->start = mid;
      piece->end = largest->end;
      largest->end = mid;
      job.segments.push_back(std::move(piece));
      start(*job.segments.back());
    }
  }

  void collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Segment* s = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &s);
      const CURLcode rc = msg->data.result;
      long status = 0;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      stop(*s);
      Job& job = *s->job;
      if (job.finished) continue;
      completed(*s, rc, status);
      if (!job.finished && !job.verifying &&
          std::all_of(job.segments.begin(), job.segments.end(), [](auto& x) { return x->done; })) {
        // Hashing back and the caller's on_done run off the loop, which keeps the other
        // transfers going meanwhile.
        report_prefix(job, /*whole=*/true);
        job.verifying = true;
        verifiers_.emplace_back([this, &job] { verify(job); });
      }
    }
  }

  void completed(Segment& s, CURLcode rc, long status) {
    Job& job = *s.job;
    if (s.fatal) return finish(job, *s.fatal);
    std::string why;
    bool transient = false;
    if ((rc == CURLE_WRITE_ERROR && s.reached_end) ||
        (rc == CURLE_OK && (s.end == kUnknown || s.start >= s.end))) {
      if (s.end == kUnknown) {
        job.size = s.start;
        s.end = s.start;
      }
      s.done = true;
      spdlog::debug("download {}: bytes {}-{} received", job.request->label, s.begin, s.end);
      return;
    }
    if (rc == CURLE_OK) {
      why = "truncated body: got " + std::to_string(s.start - s.request_start) +
            " bytes, expected " + std::to_string(s.end - s.request_start);
      transient = true;
    } else if (rc == CURLE_ABORTED_BY_CALLBACK && s.stalled) {
      why = "stalled: nothing received for " + std::to_string(s.stall_seconds) + " s";
      transient = true;
    } else if (rc == CURLE_FILESIZE_EXCEEDED) {
      return finish(job, too_large(job));
    } else if (rc == CURLE_HTTP_RETURNED_ERROR) {
      why = "HTTP " + std::to_string(status);
      transient = transient_status(status);
    } else {
      why = std::string(curl_easy_strerror(rc));
      if (s.errbuf[0] != 0) why += ": " + std::string(s.errbuf);
      transient = transient_curl_error(rc);
    }
    if (!transient) return finish(job, job_error(job, why));
    if (++s.failures > options_.retries) {
      return finish(job, job_error(job, "gave up after " + std::to_string(s.failures) +
                                            " attempts; last: " + why));
    }
    auto backoff = options_.first_backoff * (1LL << std::min(s.failures - 1, 5));
    backoff = std::min<std::chrono::milliseconds>(backoff, std::chrono::seconds(8));
    s.not_before = Clock::now() + backoff;
    s.last_error = why;
  }

  void verify(Job& job) {
    if (not_expected(job, job.size)) {  // a body of unannounced length ended early
      return finish(job, wrong_size(job, "the file has " + std::to_string(job.size) + " bytes"));
    }
    // Segments after the first were written out of order: hash the rest back from the file.
    if (job.hashed < job.size) {
      spdlog::debug("download {}: hashing back {} bytes", job.request->label,
                    job.size - job.hashed);
      std::vector<char> buf(1 << 20);
      uint64_t pos = job.hashed;
      while (pos < job.size) {
        ssize_t n = ::pread(job.fd, buf.data(),
                            static_cast<size_t>(std::min<uint64_t>(buf.size(), job.size - pos)),
                            static_cast<off_t>(pos));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          return finish(job, job_error(job, "cannot read back " + job.request->destination + ": " +
                                                (n < 0 ? std::strerror(errno) : "short file")));
        }
        job.hash->update(buf.data(), static_cast<size_t>(n));
        pos += static_cast<uint64_t>(n);
      }
    }
    const std::string actual = job.hash->hex_digest();
    if (job.request->sha256 && *job.request->sha256 != actual) {
      return finish(job, job_error(job, "SHA-256 mismatch: expected " + *job.request->sha256 +
                                            ", got " + actual));
    }
    if (::ftruncate(job.fd, static_cast<off_t>(job.size)) != 0) {
      return finish(job, job_error(job, std::string("truncate: ") + std::strerror(errno)));
    }
    job.result = DownloadedFile{actual, job.size, static_cast<int>(job.segments.size())};
    spdlog::debug("download {}: SHA-256 verified", job.request->label);
    finish(job, std::nullopt);
  }

  std::vector<ProgressItem> progress() const {
    std::vector<ProgressItem> out;
    for (const auto& job : jobs_) {
      out.push_back(ProgressItem{job.request->label, job.received,
                                 job.size == kUnknown ? 0 : job.size, job.finished});
    }
    return out;
  }

  const DownloadOptions& options_;
  std::vector<Job> jobs_;
  CURLM* multi_ = nullptr;
  int active_ = 0;
  std::vector<std::thread> verifiers_;
  // The segment growth (downloader_growth.h): connections to keep busy, and the window the
  // aggregate rate is measured over.
  struct Window {
    Clock::time_point settled;
    uint64_t fetched = 0;  // all jobs' bytes when the window settled
    uint64_t churn = 0;    // churn_ when it opened
  };
  int target_ = 1;
  GrowthState growth_;
  std::vector<char> catch_up_buffer_;
  std::optional<Window> window_;
  uint64_t churn_ = 0;         // transfers started or stopped so far
  std::mutex finished_mutex_;  // guards the count; finish() runs on verifier threads too
  std::condition_variable finished_cv_;
  size_t finished_count_ = 0;
  size_t finished_seen_ = 0;  // the count wait_for_a_verifier() last returned on
};

size_t append_text(char* data, size_t size, size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * count > 64 * 1024) return 0;  // a digest file is tiny
  out->append(data, size * count);
  return size * count;
}

}  // namespace

std::vector<Result<DownloadedFile>> download_all(const std::vector<DownloadRequest>& requests,
                                                 const DownloadOptions& options) {
  Engine engine(requests, options);
  return engine.run();
}

Result<std::string> fetch_text(const std::string& url, const DownloadOptions& options) {
  http::global_init();
  std::string why;
  for (int attempt = 0; attempt <= options.retries; ++attempt) {
    if (attempt > 0) {
      ::usleep(static_cast<useconds_t>(options.first_backoff.count() * 1000 *
                                       (1 << std::min(attempt - 1, 5))));
    }
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
    std::string body;
    char errbuf[CURL_ERROR_SIZE] = {0};
    http::configure_handle(easy.get(), options.tls);
    curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy.get(), CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(easy.get(), CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_text);
    curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(easy.get(), CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
    curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_LIMIT, options.stall_bytes_per_second);
    curl_easy_setopt(easy.get(), CURLOPT_LOW_SPEED_TIME, options.stall_seconds);
    const CURLcode rc = curl_easy_perform(easy.get());
    if (rc == CURLE_OK) return body;
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
      why = "HTTP " + std::to_string(status);
      if (!transient_status(status)) break;
    } else {
      why = std::string(curl_easy_strerror(rc)) + (errbuf[0] ? std::string(": ") + errbuf : "");
      if (!transient_curl_error(rc)) break;
    }
  }
  return Error{"download", url, why, ""};
}

}  // namespace kc
