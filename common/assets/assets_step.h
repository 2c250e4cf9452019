// The assets step: puts verified kubeadm, kubelet, kubectl, crictl and the CNI plugins on the
// host (see common/catalog.h for what and common/downloader.h for how), recording what it
// installed in /var/lib/kc/assets.json (common/asset_state.h) so that a re-run with everything
// in place changes nothing and downloads nothing.
#pragma once

#include <string>

#include "common/core/transitional_step.h"

namespace kc {

struct AssetOptions {
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH; default_asset_options() fills these two
  std::string arch;                // "amd64" or "arm64"
  std::string catalog_file;        // empty: the built-in catalog
  std::string mirror;
  std::string ca_file;
  bool allow_unpinned = false;
  bool verify_installed = false;  // hash every installed file instead of trusting its stat
  int max_connections = 12;
  int retries = 5;
  int stall_timeout = 30;  // seconds below 1 kB/s before a transfer is retried
};

// The build's default Kubernetes version and this machine's architecture.
AssetOptions default_asset_options();

class AssetsStep final : public TransitionalStep {
 public:
  explicit AssetsStep(AssetOptions options) : options_(std::move(options)) {}
  std::string describe() const override;
  Result<Outcome> run(const StepContext& context) override;

 private:
  AssetOptions options_;
};

}  // namespace kc
