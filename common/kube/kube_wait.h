// Waiting for Kubernetes objects to become what makes a cluster usable (a DaemonSet ready, a
// Deployment or APIService Available, a Node Ready and initialised by its cloud provider). All
// targets share one deadline and are observed together, round after round, so a slow one does
// not hold up the others' checks and the whole wait is bounded by one timeout. A timeout is one
// error naming every target still not ready, with its state, its conditions, its last events
// and what to check.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/core/error.h"
#include "common/kube/kube_client.h"

namespace kc::kube {

struct Readiness {
  bool ready = false;
  std::string state;  // "1/1 ready", "Available=False", "not found"
};

struct WaitTarget {
  std::string what;  // "DaemonSet kube-flannel/kube-flannel-ds ready"
  std::string path;  // the object to read:
                     // "/apis/apps/v1/namespaces/kube-flannel/daemonsets/kube-flannel-ds"
  // Decides from the object (null when it does not exist yet).
  std::function<Readiness(const nlohmann::json& object)> judge;
  // Instead of path and judge: observes (and may act, as an approver does) by itself.
  std::function<Result<Readiness>(Client& client)> poll;
  std::string events_namespace;  // where its events are ("default" for cluster-scoped objects)
  std::string events_name;       // involvedObject.name
  std::string hint;              // what to check when it does not become ready
};

struct WaitOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds interval{std::chrono::seconds(2)};
};

// Observes every target once.
Result<std::vector<Readiness>> observe_targets(Client& client,
                                               const std::vector<WaitTarget>& targets,
                                               const Tick& tick = {});

// Waits until every target is ready. On timeout the error's why lists, per target not ready,
// "WHAT: STATE; conditions: ...; last events: ..." and its hint.
Status wait_for_targets(Client& client, const std::vector<WaitTarget>& targets,
                        const WaitOptions& options, const Tick& tick = {});

// The usual targets.
WaitTarget daemonset_ready(const std::string& namespace_, const std::string& name,
                           std::string hint);
WaitTarget deployment_available(const std::string& namespace_, const std::string& name,
                                std::string hint);
WaitTarget apiservice_available(const std::string& name, std::string hint);
WaitTarget node_ready(const std::string& name, std::string hint);
// providerID set and the node.cloudprovider.kubernetes.io/uninitialized taint gone.
WaitTarget node_initialized(const std::string& name, std::string hint);

// "Available=True, Progressing=False (ProgressDeadlineExceeded: ...)" from status.conditions.
std::string conditions_text(const nlohmann::json& object);

}  // namespace kc::kube
