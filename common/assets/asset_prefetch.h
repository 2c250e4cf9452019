// Downloads that overlap the phases before the assets phase. kc-worker join and kc-leader init
// run identity, storage and preflight (containerd's first start, kernel modules, sysctls) before
// assets, and none of those phases touches what the assets step observes (the catalog,
// /var/lib/kc/assets.json, /opt/bin, /opt/cni/bin). So as a real run starts, with the host lock
// held, the assets step observes once and starts its downloads on a thread of its own, into
// files staged beside their final paths; at its turn check() returns that observation and
// apply() lets the verified files be committed, waits for the rest and reports how long it
// waited. A dry run starts nothing. When the run stops earlier, stop_prefetch() cancels the
// downloads and removes every staged file (and the directories made for them).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "common/core/plan.h"

namespace kc {

// Work started ahead of the step that commits it: it runs on a thread of its own and holds each
// result at wait_for_release() until the step takes them (release_and_join()), or drops them
// once cancelled.
class Prefetch {
 public:
  using Clock = std::chrono::steady_clock;
  Prefetch() = default;
  Prefetch(const Prefetch&) = delete;
  Prefetch& operator=(const Prefetch&) = delete;
  ~Prefetch();  // cancel()

  void start(std::function<void()> work);
  bool started() const { return thread_.joinable(); }
  Clock::time_point started_at() const { return started_at_; }

  // Called by the work before it changes anything for good: blocks until release_and_join()
  // (true: go on) or cancel() (false: drop it).
  bool wait_for_release();
  // The step's turn: lets the work go on and waits for it to end.
  void release_and_join();
  // wait_for_release() returns false from now on and cancelled() reads true; joins the work.
  void cancel();
  // For the downloader (DownloadOptions::cancel).
  const std::atomic<bool>& cancelled() const { return cancelled_; }

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  std::atomic<bool> cancelled_{false};
  Clock::time_point started_at_{};
};

// Starts the downloads of every assets step in the plan (AssetsStep::prefetch), each with the
// context of its phase. For real runs only, once nothing refuses the run and the lock is held.
void start_prefetch(Plan& plan, const StepContext& context);
// Cancels the downloads no assets step took (an earlier phase failed) and removes their staged
// files; before the host and the reporter of the run go.
void stop_prefetch(Plan& plan);

}  // namespace kc
