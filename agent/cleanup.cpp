#include "agent/cleanup.h"

#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "agent/cleanup_nodes.h"
#include "agent/cleanup_rule.h"
#include "common/core/exit_codes.h"
#include "common/core/host.h"
#include "common/kube/kube_client.h"
#include "common/systemd/sd_notify.h"

namespace kc::cleanup {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// A lost notification must not stop the daemon; systemd will say so if it matters.
void notified(const Status& s) {
  if (!s) spdlog::debug("sd_notify: {}", s.error().message());
}

int64_t wall_now() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Settings {
  seconds grace;
  milliseconds interval;
  milliseconds resync;
  milliseconds backoff_max;
  size_t max_deletions;
  size_t page_size;
  bool once;
  bool dry_run;
};

class Daemon {
 public:
  Daemon(const Settings& settings, kube::Client& client, const Notifier& notifier)
      : s_(settings), client_(client), notifier_(notifier) {}

  int run() {
    publish_status("starting");
    while (!g_stop.load()) {
      if (!synced_) {
        if (!relist()) {
          if (s_.once) return exit_code::failed;
          backoff_sleep();
          continue;
        }
        if (s_.once) {
          sweep();
          return sweep_failed_ ? exit_code::failed : exit_code::ok;
        }
        sweep();
      }
      watch_once();
    }
    notified(notifier_.stopping());
    spdlog::info("kc-cleanup: stopping (SIGTERM); {} nodes removed since start", removed_);
    return exit_code::ok;
  }

 private:
  // Between transfer slices: stop requests and the watchdog.
  bool light_tick() {
    ping_watchdog();
    return !g_stop.load();
  }

  // During a watch: also sweeps when due, and ends the watch when a full resync is due.
  bool watch_tick() {
    if (!light_tick()) return false;
    const auto now = Clock::now();
    if (now >= next_sweep_ && now >= capped_until_ && now - last_sweep_ >= seconds(1)) sweep();
    return now < resync_at_ && !g_stop.load();
  }

  void ping_watchdog() {
    auto interval = notifier_.watchdog_interval();
    if (!interval) return;
    const auto now = Clock::now();
    if (now - last_ping_ >= *interval / 2) {
      last_ping_ = now;
      notified(notifier_.watchdog());
    }
  }

  bool relist() {
    // The new node set is built in place of the old one, node by node while each page arrives:
    // the cache is not used until a list succeeds (a failed one, even one that failed halfway
    // through a page, leaves synced_ false, and only a list comes next, which clears it again),
    // so there is no moment with both sets in memory, and no page buffer.
    if (cache_complete_) nodes_before_relist_ = cache_.size();
    cache_.clear();
    cache_complete_ = false;
    synced_ = false;
    auto list = list_nodes(
        client_, s_.page_size,
        [this](NodeInfo&& n) {
          std::string name = n.name;
          cache_.insert_or_assign(std::move(name), std::move(n));
        },
        [this] { return light_tick(); });
    if (!list) {
      if (!g_stop.load()) record_error(list.error());
      return false;
    }
    resource_version_ = std::move(*list);
    cache_complete_ = true;
    synced_ = true;
    // Give back what the list's transfers and the largest item held, so the resident size
    // follows the compact records.
    malloc_trim(0);
    resync_at_ = Clock::now() + s_.resync;
    backoff_ = milliseconds(0);
    next_sweep_ = Clock::now();
    if (!ready_sent_) {
      ready_sent_ = true;
      notified(notifier_.ready());
      spdlog::info(
          "kc-cleanup: watching {} nodes on {} (grace {}, at most {} deletions per sweep{})",
          cache_.size(), client_.server(), format_duration(s_.grace.count()), s_.max_deletions,
          s_.dry_run ? ", dry run" : "");
    } else {
      spdlog::debug("kc-cleanup: listed {} nodes at resourceVersion {}", cache_.size(),
                    resource_version_);
    }
    return true;
  }

  void watch_once() {
    const auto remaining = std::chrono::duration_cast<seconds>(resync_at_ - Clock::now()).count();
    const int timeout = static_cast<int>(std::clamp<int64_t>(remaining, 1, 300));
    const auto started = Clock::now();
    size_t events = 0;
    auto end = watch_nodes(
        client_, resource_version_, timeout, seconds(timeout + 30),
        [&](WatchEvent& e) {
          ++events;
          apply(e);
          return !g_stop.load();
        },
        [this] { return watch_tick(); });
    if (g_stop.load()) return;
    if (!end) {
      record_error(end.error());
      synced_ = false;
      backoff_sleep();
      return;
    }
    switch (*end) {
      case kube::WatchEnd::gone:
        spdlog::info("kc-cleanup: watch expired (410 Gone); listing again");
        synced_ = false;
        break;
      case kube::WatchEnd::stopped:
        if (Clock::now() >= resync_at_) synced_ = false;
        break;
      case kube::WatchEnd::closed:
        if (Clock::now() >= resync_at_) synced_ = false;
        // A server that closes every watch at once must not make this loop spin.
        if (events == 0 && Clock::now() - started < seconds(1))
          backoff_sleep();
        else
          backoff_ = milliseconds(0);
        break;
    }
  }

  void apply(WatchEvent& e) {
    using T = WatchEvent::Type;
    if (!e.resource_version.empty()) resource_version_ = e.resource_version;
    switch (e.type) {
      case T::added:
      case T::modified: {
        const Verdict v = judge(e.node, wall_now(), s_.grace).verdict;
        if (v != Verdict::not_marked && v != Verdict::not_unknown) next_sweep_ = Clock::now();
        std::string name = e.node.name;
        cache_.insert_or_assign(std::move(name), std::move(e.node));
        break;
      }
      case T::deleted:
        cache_.erase(e.node.name);
        break;
      default:
        break;
    }
  }

  void sweep() {
    const int64_t now = wall_now();
    SweepPlan plan = plan_sweep(cache_, now, s_.grace, s_.max_deletions);
    last_sweep_ = Clock::now();
    last_sweep_wall_ = now;
    candidates_ = plan.candidates;
    sweep_failed_ = false;
    for (const NodeInfo& node : plan.to_delete) {
      if (g_stop.load()) break;
      const std::string reason = deletion_reason(node, now);
      if (s_.dry_run) {
        if (dry_run_logged_.insert(node.uid).second) {
          spdlog::info("kc-cleanup: would delete node {} (uid {}): {}", node.name, node.uid,
                       reason);
        }
        continue;
      }
      auto result = delete_node(client_, node.name, node.uid, node.resource_version,
                                [this] { return light_tick(); });
      if (!result) {
        if (g_stop.load()) break;
        record_error(result.error());
        sweep_failed_ = true;
        break;  // the API server is in trouble: retry at the next sweep, after a backoff
      }
      switch (*result) {
        case kube::DeleteResult::deleted:
          ++removed_;
          spdlog::info("kc-cleanup: deleted node {} (uid {}): {}", node.name, node.uid, reason);
          break;
        case kube::DeleteResult::not_found:
          spdlog::info("kc-cleanup: node {} (uid {}) was already gone", node.name, node.uid);
          break;
        case kube::DeleteResult::uid_mismatch:
          spdlog::warn(
              "kc-cleanup: did not delete node {}: it was re-registered (its uid is no "
              "longer {})",
              node.name, node.uid);
          break;
        case kube::DeleteResult::version_mismatch:
          // The watch brings the new version; the next sweep judges that.
          spdlog::info(
              "kc-cleanup: did not delete node {}: it changed after it was judged (resourceVersion "
              "{} is no longer current); it is judged again from its new state",
              node.name, node.resource_version);
          break;
      }
      cache_.erase(node.name);
      if (candidates_ > 0) --candidates_;
    }
    if (plan.held_by_cap > 0) {
      spdlog::info(
          "kc-cleanup: {} more nodes meet the rule; the cap of {} deletions per sweep "
          "leaves them for the next sweep",
          plan.held_by_cap, s_.max_deletions);
    }
    // The next sweep: the periodic one, or sooner when a grace period ends.
    auto next = last_sweep_ + s_.interval;
    if (plan.next_eligible_at != 0) {
      next = std::min(next, last_sweep_ + seconds(plan.next_eligible_at - now));
    }
    if (sweep_failed_) {
      backoff_ = std::min(s_.backoff_max, std::max(milliseconds(1000), backoff_ * 2));
      next = last_sweep_ + backoff_;
    } else if (backoff_.count() != 0 && synced_) {
      backoff_ = milliseconds(0);
    }
    capped_until_ = plan.held_by_cap > 0 ? last_sweep_ + s_.interval : Clock::time_point{};
    next_sweep_ = next;
    publish_status();
  }

  void record_error(const Error& error) {
    last_error_ = error.message();
    last_error_wall_ = wall_now();
    spdlog::warn("kc-cleanup: {}", last_error_);
    publish_status();
  }

  void backoff_sleep() {
    backoff_ = std::min(s_.backoff_max, std::max(milliseconds(1000), backoff_ * 2));
    spdlog::info("kc-cleanup: retrying in {} ms", backoff_.count());
    const auto until = Clock::now() + backoff_;
    while (Clock::now() < until && light_tick()) std::this_thread::sleep_for(milliseconds(50));
  }

  void publish_status(const std::string& state = {}) {
    std::string text;
    if (!state.empty()) {
      text = state;
    } else {
      // While a relist fails the status keeps the count it last knew.
      const size_t nodes = synced_ ? cache_.size() : nodes_before_relist_;
      text = "watching " + std::to_string(nodes) + " nodes, " + std::to_string(candidates_) +
             " candidates, " + std::to_string(removed_) + " removed since start";
      if (last_sweep_wall_ != 0) text += ", last sweep " + format_time(last_sweep_wall_);
      if (s_.dry_run) text += ", dry run";
    }
    if (!last_error_.empty()) {
      text += "; last error at " + format_time(last_error_wall_) + ": " + last_error_;
    }
    if (text != last_status_) {
      last_status_ = text;
      notified(notifier_.status(text));
    }
  }

  Settings s_;
  kube::Client& client_;
  const Notifier& notifier_;
  NodeCache cache_;
  bool cache_complete_ = false;     // cache_ holds a whole list (and the events since)
  size_t nodes_before_relist_ = 0;  // its size before the relist under way
  std::string resource_version_;
  bool synced_ = false;
  bool ready_sent_ = false;
  bool sweep_failed_ = false;
  size_t candidates_ = 0;
  uint64_t removed_ = 0;
  std::set<std::string> dry_run_logged_;
  std::string last_error_;
  int64_t last_error_wall_ = 0;
  int64_t last_sweep_wall_ = 0;
  std::string last_status_;
  milliseconds backoff_{0};
  Clock::time_point last_ping_{};
  Clock::time_point last_sweep_{};
  Clock::time_point next_sweep_{};
  Clock::time_point capped_until_{};
  Clock::time_point resync_at_{};
};

Result<ClusterCredentials> load_credentials(const CleanupOptions& o, const Host& host) {
  const bool flag_form = !o.server.empty() || !o.certificate_authority.empty() ||
                         !o.client_certificate.empty() || !o.client_key.empty();
  if (!flag_form) return load_kubeconfig(host, o.kubeconfig, o.context);
  if (o.server.empty() || o.certificate_authority.empty() || o.client_certificate.empty() ||
      o.client_key.empty()) {
    return Error{"configure kc-cleanup", "--server",
                 "the flag form needs --server, "
                 "--certificate-authority, --client-certificate and --client-key together",
                 "or use --kubeconfig"};
  }
  if (o.server.rfind("https://", 0) != 0) {
    return Error{"configure kc-cleanup", o.server, "--server must be an https URL", ""};
  }
  ClusterCredentials c;
  c.server = o.server;
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  auto read = [&](const std::string& path, const std::string& what) -> Result<std::string> {
    auto content = host.read_file(path);
    if (!content) return std::move(content).error().context("read " + what);
    if (!*content)
      return Error{"read " + what, host.path(path).string(), "No such file or directory", ""};
    return std::move(**content);
  };
  auto ca = read(o.certificate_authority, "cluster CA");
  if (!ca) return std::move(ca).error();
  auto cert = read(o.client_certificate, "client certificate");
  if (!cert) return std::move(cert).error();
  auto key = read(o.client_key, "client key");
  if (!key) return std::move(key).error();
  c.ca_pem = std::move(*ca);
  c.client_cert_pem = std::move(*cert);
  c.client_key_pem = Secret(std::move(*key));
  return c;
}

}  // namespace

int run_cleanup(const CleanupOptions& o, const std::string& root, bool dry_run) {
  Settings s{};
  s.grace = std::chrono::duration_cast<seconds>(*parse_duration(o.grace));
  s.interval = std::max(milliseconds(1000), *parse_duration(o.interval));
  s.resync = std::max(milliseconds(10'000), *parse_duration(o.resync));
  s.backoff_max = std::max(milliseconds(1000), *parse_duration(o.backoff_max));
  s.max_deletions = o.max_deletions;
  s.page_size = o.page_size;
  s.once = o.once;
  s.dry_run = dry_run;

  Host host(root);
  auto credentials = load_credentials(o, host);
  if (!credentials) {
    spdlog::error("{}", credentials.error().message());
    return exit_code::failed;
  }
  const std::string where = o.server.empty() ? o.kubeconfig : o.client_certificate;
  if (auto valid = kube::validate_credentials(*credentials, where); !valid) {
    spdlog::error("{}", valid.error().message());
    return exit_code::failed;
  }
  g_stop.store(false);
  install_signal_handlers();
  kube::ClientOptions client_options;
  client_options.credentials = std::move(*credentials);
  client_options.compressed_lists = o.compressed_lists;
  client_options.request_timeout =
      std::max(seconds(1), std::chrono::duration_cast<seconds>(*parse_duration(o.request_timeout)));
  kube::Client client(std::move(client_options));
  const Notifier notifier = Notifier::from_environment();
  Daemon daemon(s, client, notifier);
  const int rc = daemon.run();
  const kube::Traffic& t = client.traffic();
  spdlog::debug("kc-cleanup: {} requests, {} bytes received ({} decoded)", t.requests, t.wire_bytes,
                t.decoded_bytes);
  return rc;
}

}  // namespace kc::cleanup
