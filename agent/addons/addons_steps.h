// The addons phase, shared by "kc-leader init" and "kc-leader addons apply": one step per add-on
// (Server-Side Apply of its objects in dependency order, reporting each object created,
// configured or unchanged), the inventory step (which also lists objects kc applied before and
// no longer ships), and the wait step (bounded, all targets at once).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "agent/addons/csr_rules.h"
#include "agent/addons/settings.h"
#include "common/core/plan.h"

namespace kc::addons {

// Resolves the settings when a step first needs them (the node identity may come from IMDS,
// which only a real leader has); called at most once.
using SettingsSource = std::function<Result<AddonSettings>()>;

struct ApplyOptions {
  std::string kubeconfig = "/etc/kubernetes/admin.conf";  // a host path
  bool wait = true;
  std::chrono::seconds wait_timeout{600};
  std::chrono::milliseconds wait_interval{2000};
  // The leader: its Node is waited for and its own serving CSR approved by kc (see
  // csr_rules.h). Without it, the node waits and the approval are left out.
  std::function<Result<std::optional<LeaderIdentity>>()> leader;
};

Phase addons_apply_phase(SettingsSource settings, ApplyOptions options);

}  // namespace kc::addons
