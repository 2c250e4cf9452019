// Applying Kubernetes objects the way `kubectl apply --server-side` does: each object is sent
// whole as a Server-Side Apply patch (PATCH, application/apply-patch+yaml, fieldManager=kc,
// force=true), so kc owns the fields it sets and leaves the others alone. A table maps kinds to
// their API paths; objects go in dependency order (namespaces, CRDs, RBAC and service accounts,
// configuration, services, workloads, API services last). It converges in two parts, as steps
// do: observe() reports per object whether it would be created, configured or left unchanged,
// changing nothing, and apply() sends only the ones that differ.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/kube/kube_client.h"

namespace kc::kube {

// Where objects of one kind live in the API.
struct ResourceType {
  std::string_view group;  // "" for the core group
  std::string_view kind;
  std::string_view plural;  // the resource: "clusterrolebindings"
  bool namespaced = false;
  int rank = 0;  // apply order: lower first
};

// The table entry for an apiVersion ("v1", "apps/v1") and kind; an error naming the kind when
// kc has none.
Result<ResourceType> resource_type(std::string_view api_version, std::string_view kind);

// An object to apply, checked and located.
struct ApplyObject {
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped kinds
  std::string name;
  std::string path;  // "/apis/rbac.authorization.k8s.io/v1/clusterroles/kc-cleanup"
  int rank = 0;
  nlohmann::json manifest;

  // "ClusterRole kc-cleanup", "ConfigMap kube-system/kc-config".
  std::string display() const;
};

// Checks every object (apiVersion, a known kind, metadata.name, metadata.namespace exactly when
// the kind is namespaced, no object twice) and sorts them into dependency order, keeping the
// given order within a rank. Nothing is applied when one object is bad.
Result<std::vector<ApplyObject>> prepare_apply(const std::vector<nlohmann::json>& objects);

enum class ApplyAction { create, configure, unchanged };

struct ObjectDifference {
  ApplyObject object;
  ApplyAction action = ApplyAction::unchanged;
  std::string detail;  // for configure: the fields that would change ("rules, metadata.labels")
  std::string live_resource_version;  // of the live object when it exists
};

// For each object in order: GET the live object; absent, it would be created; present, a
// server-side dry run of the apply (dryRun=All) shows what the object would become, and it is
// unchanged when that equals the live object. Writes nothing.
Result<std::vector<ObjectDifference>> observe_apply(Client& client,
                                                    const std::vector<ApplyObject>& objects,
                                                    const Tick& tick = {});

struct ObjectResult {
  ApplyObject object;
  // What the server did: 201 created; 200 configured, or unchanged when the object it returns
  // keeps the resourceVersion observed before (the server wrote nothing).
  ApplyAction action = ApplyAction::unchanged;
};

// Applies the objects whose difference is not `unchanged`, in order; stops at the first error.
// The result lists every object, the unchanged ones as such.
Result<std::vector<ObjectResult>> apply_differences(Client& client,
                                                    const std::vector<ObjectDifference>& changes,
                                                    const Tick& tick = {});

// "created", "configured", "unchanged".
std::string_view action_name(ApplyAction action);

// The fields in which two objects differ, as dotted paths two levels deep ("spec.template",
// "metadata.labels"), ignoring what changes on every write (resourceVersion, managedFields
// timestamps).
std::vector<std::string> object_differences(const nlohmann::json& live,
                                            const nlohmann::json& wanted);

}  // namespace kc::kube
