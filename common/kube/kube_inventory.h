// What one apply set applied last time, kept in the cluster (as kubectl's ApplySet keeps it on a
// parent object): a ConfigMap whose data.objects lists one object per line ("apps Deployment
// kube-system/metrics-server", the API group or "core", the kind, namespace/name). Comparing
// it with what is applied now lists the objects kc applied before and no longer ships; kc
// reports them and deletes nothing (something else may have come to rely on them).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "common/core/error.h"
#include "common/kube/kube_apply.h"
#include "common/kube/kube_client.h"

namespace kc::kube {

// "apps Deployment kube-system/metrics-server".
std::string inventory_entry(const ApplyObject& object);

// The ConfigMap listing `objects` (and itself).
nlohmann::json inventory_object(const std::string& namespace_, const std::string& name,
                                const std::vector<ApplyObject>& objects);

// The entries of the live inventory; empty when it does not exist yet.
Result<std::vector<std::string>> read_inventory(Client& client, const std::string& namespace_,
                                                const std::string& name, const Tick& tick = {});

// The entries of `previous` that `objects` no longer holds.
std::vector<std::string> no_longer_shipped(const std::vector<std::string>& previous,
                                           const std::vector<ApplyObject>& objects);

}  // namespace kc::kube
