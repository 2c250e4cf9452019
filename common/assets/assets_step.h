// The assets step: puts verified kubeadm, kubelet, kubectl, crictl and the CNI plugins on the
// host (see common/assets/catalog.h for what and common/net/downloader.h for how), recording what
// it installed in /var/lib/kc/assets.json (common/assets/asset_state.h) so that a re-run with
// everything in place changes nothing and downloads nothing.
//
// check() observes: it reads the state file, stats (and where needed hashes) the installed files
// and lists temporary files an interrupted run left, all through the host seam; for versions
// without a pinned digest it fetches the published one. apply() downloads into files staged
// beside their final paths and commits each one as soon as it is verified. On kc-worker join and
// kc-leader init the downloads start with the run, ahead of this step (asset_prefetch.h).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/core/plan.h"

namespace kc {

struct AssetOptions {
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH; default_asset_options() fills these two
  std::string arch;                // "amd64" or "arm64"
  std::string catalog_file;        // empty: the built-in catalog (a file of the operator's)
  std::string mirror;
  std::string ca_file;  // a file of the operator's
  bool allow_unpinned = false;
  bool verify_installed = false;  // hash every installed file instead of trusting its stat
  int max_connections = 12;
  int retries = 5;
  int stall_timeout = 30;  // seconds below 1 kB/s before a transfer is retried
  bool progress = true;    // a progress display on stderr (a bar on a terminal)
  // Catalog artifacts not to install (a worker has no use for kubectl): {"kubectl"}.
  std::vector<std::string> exclude;
};

// The build's default Kubernetes version and this machine's architecture.
AssetOptions default_asset_options();

class AssetsStep final : public Step {
 public:
  explicit AssetsStep(AssetOptions options);
  ~AssetsStep() override;
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

  // A real run's start (asset_prefetch.h): observes as check() would and starts downloading what
  // is missing on a thread of its own, committing nothing; the next check() returns this
  // observation and apply() waits for the downloads. When the observation or the staging fails,
  // nothing is started and check() observes again (and reports it in its phase). `context` (its
  // host and reporter) must outlive the downloads: until apply() or cancel_prefetch().
  void prefetch(const StepContext& context);
  // Cancels downloads started by prefetch() that no apply() took, removing their staged files
  // and the directories made for them. The destructor does it too.
  void cancel_prefetch();

  struct Observed;   // what check() found, for apply()
  struct Downloads;  // downloads in flight: staged files, requests, results

 private:
  Result<Findings> observe(const StepContext& context);
  Result<std::unique_ptr<Downloads>> stage_downloads(const StepContext& context, bool ahead);

  AssetOptions options_;
  std::unique_ptr<Observed> observed_;
  std::optional<Findings> prefetched_;    // prefetch()'s observation, for the next check()
  std::unique_ptr<Downloads> downloads_;  // refers to *observed_, so destroyed before it
};

}  // namespace kc
