#include "common/kube/kube_apply.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using nlohmann::json;

namespace {

json object(const std::string& api_version, const std::string& kind, const std::string& name,
            const std::string& ns = "") {
  json o{{"apiVersion", api_version}, {"kind", kind}, {"metadata", {{"name", name}}}};
  if (!ns.empty()) o["metadata"]["namespace"] = ns;
  return o;
}

std::vector<std::string> displays(const std::vector<kc::kube::ApplyObject>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.display());
  return out;
}

}  // namespace

TEST_CASE("the kind table: core and named groups, namespaced or not") {
  auto ns = kc::kube::resource_type("v1", "Namespace");
  REQUIRE(ns.ok());
  CHECK(ns->plural == "namespaces");
  CHECK_FALSE(ns->namespaced);
  auto cm = kc::kube::resource_type("v1", "ConfigMap");
  REQUIRE(cm.ok());
  CHECK(cm->namespaced);
  auto crb = kc::kube::resource_type("rbac.authorization.k8s.io/v1", "ClusterRoleBinding");
  REQUIRE(crb.ok());
  CHECK(crb->plural == "clusterrolebindings");
  CHECK_FALSE(crb->namespaced);
  auto pdb = kc::kube::resource_type("policy/v1", "PodDisruptionBudget");
  REQUIRE(pdb.ok());
  CHECK(pdb->plural == "poddisruptionbudgets");
  CHECK(pdb->namespaced);
  for (const char* kind : {"ServiceAccount", "Secret", "Service"}) {
    CHECK(kc::kube::resource_type("v1", kind).ok());
  }
  for (const char* kind : {"Deployment", "DaemonSet"}) {
    CHECK(kc::kube::resource_type("apps/v1", kind).ok());
  }
  CHECK(kc::kube::resource_type("rbac.authorization.k8s.io/v1", "Role").ok());
  CHECK(kc::kube::resource_type("rbac.authorization.k8s.io/v1", "RoleBinding").ok());
  CHECK(kc::kube::resource_type("apiregistration.k8s.io/v1", "APIService").ok());
  CHECK(kc::kube::resource_type("apiextensions.k8s.io/v1", "CustomResourceDefinition").ok());

  auto unknown = kc::kube::resource_type("example.com/v1", "Widget");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().where == "Widget (example.com/v1)");
  CHECK(unknown.error().why == "kc does not know where objects of kind Widget live");
  // A kind is known in its group only.
  CHECK_FALSE(kc::kube::resource_type("extensions/v1beta1", "Deployment").ok());
  CHECK_FALSE(kc::kube::resource_type("v1", "ClusterRole").ok());
}

TEST_CASE("object paths: /api/v1 for the core group, /apis/GROUP/VERSION, namespaces/NS") {
  auto prepared = kc::kube::prepare_apply({
      object("v1", "ConfigMap", "kc-config", "kube-system"),
      object("rbac.authorization.k8s.io/v1", "ClusterRole", "system:kc-cleanup"),
      object("apps/v1", "Deployment", "metrics-server", "kube-system"),
      object("v1", "Namespace", "kc"),
      object("apiregistration.k8s.io/v1", "APIService", "v1beta1.metrics.k8s.io"),
  });
  REQUIRE_MESSAGE(prepared.ok(), prepared.error().message());
  std::vector<std::string> paths;
  for (const auto& o : *prepared) paths.push_back(o.path);
  CHECK(paths == std::vector<std::string>{
                     "/api/v1/namespaces/kc",
                     "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:kc-cleanup",
                     "/api/v1/namespaces/kube-system/configmaps/kc-config",
                     "/apis/apps/v1/namespaces/kube-system/deployments/metrics-server",
                     "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io",
                 });
  CHECK((*prepared)[2].display() == "ConfigMap kube-system/kc-config");
  CHECK((*prepared)[1].display() == "ClusterRole system:kc-cleanup");
  CHECK((*prepared)[2].manifest == object("v1", "ConfigMap", "kc-config", "kube-system"));
}

TEST_CASE("dependency order: namespaces, CRDs, RBAC, config, services, workloads, APIService") {
  const std::string rbac = "rbac.authorization.k8s.io/v1";
  auto prepared = kc::kube::prepare_apply({
      object("apiregistration.k8s.io/v1", "APIService", "v1beta1.metrics.k8s.io"),
      object("apps/v1", "DaemonSet", "ds", "ns"),
      object("apps/v1", "Deployment", "dep", "ns"),
      object("policy/v1", "PodDisruptionBudget", "pdb", "ns"),
      object("v1", "Service", "svc", "ns"),
      object("v1", "Secret", "sec", "ns"),
      object("v1", "ConfigMap", "cm", "ns"),
      object(rbac, "RoleBinding", "rb", "ns"),
      object(rbac, "ClusterRoleBinding", "crb"),
      object(rbac, "Role", "role", "ns"),
      object(rbac, "ClusterRole", "cr"),
      object("v1", "ServiceAccount", "sa", "ns"),
      object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
      object("v1", "Namespace", "ns"),
  });
  REQUIRE_MESSAGE(prepared.ok(), prepared.error().message());
  CHECK(displays(*prepared) == std::vector<std::string>{
                                   "Namespace ns",
                                   "CustomResourceDefinition widgets.example.com",
                                   "Role ns/role",  // rank 2 keeps the given order
                                   "ClusterRole cr",
                                   "ServiceAccount ns/sa",
                                   "RoleBinding ns/rb",
                                   "ClusterRoleBinding crb",
                                   "Secret ns/sec",
                                   "ConfigMap ns/cm",
                                   "Service ns/svc",
                                   "PodDisruptionBudget ns/pdb",
                                   "DaemonSet ns/ds",
                                   "Deployment ns/dep",
                                   "APIService v1beta1.metrics.k8s.io",
                               });
}

TEST_CASE("bad objects are refused before anything is applied, naming the object") {
  auto check_refused = [](std::vector<json> objects, const std::string& part) {
    auto prepared = kc::kube::prepare_apply(objects);
    REQUIRE_FALSE(prepared.ok());
    CAPTURE(prepared.error().message());
    CHECK(prepared.error().message().find(part) != std::string::npos);
  };
  check_refused({object("v1", "Namespace", "ok"), object("example.com/v1", "Widget", "w")},
                "kind Widget");
  check_refused({object("v1", "ConfigMap", "cm")}, "needs metadata.namespace");
  check_refused({object("rbac.authorization.k8s.io/v1", "ClusterRole", "cr", "default")},
                "cluster-scoped but has metadata.namespace default");
  check_refused({object("v1", "Namespace", "")}, "object 1 (Namespace): metadata.name");
  check_refused({object("v1", "Namespace", "a/b")}, "metadata.name 'a/b'");
  check_refused({object("v1", "Namespace", "a"), object("v1", "Namespace", "a")},
                "Namespace a: listed twice");
  check_refused({json{{"kind", "Namespace"}}}, "object 1: it needs apiVersion and kind");
  check_refused({json::array()}, "object 1: not a JSON object");
  check_refused({json{{"apiVersion", "v1"}, {"kind", "Namespace"}}}, "no metadata");
}

TEST_CASE("object_differences ignores what every write changes and names what differs") {
  json live = {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "ClusterRole"},
               {"metadata",
                {{"name", "kc-cleanup"},
                 {"resourceVersion", "41"},
                 {"labels", {{"app.kubernetes.io/managed-by", "kc"}}},
                 {"managedFields",
                  {{{"manager", "kc"},
                    {"operation", "Apply"},
                    {"time", "2026-12-01T22:00:00Z"},
                    {"fieldsV1", {{"f:rules", json::object()}}}}}}}},
               {"rules", {{{"apiGroups", {""}}, {"resources", {"nodes"}}, {"verbs", {"get"}}}}}};
  json same = live;
  same["metadata"]["resourceVersion"] = "42";
  same["metadata"]["managedFields"][0]["time"] = "2026-12-01T23:00:00Z";
  CHECK(kc::kube::object_differences(live, same).empty());

  json changed = same;
  changed["rules"][0]["verbs"].push_back("delete");
  changed["metadata"]["labels"]["extra"] = "1";
  CHECK(kc::kube::object_differences(live, changed) ==
        std::vector<std::string>{"metadata.labels", "rules"});
  json reowned = same;
  reowned["metadata"]["managedFields"][0]["manager"] = "kubectl";
  CHECK(kc::kube::object_differences(live, reowned) ==
        std::vector<std::string>{"metadata.managedFields"});
  json added = same;
  added["aggregationRule"] = json::object();
  CHECK(kc::kube::object_differences(live, added) == std::vector<std::string>{"aggregationRule"});
  CHECK(kc::kube::object_differences(json::array(), json::object()) ==
        std::vector<std::string>{"the whole object"});
}

TEST_CASE("action names") {
  CHECK(kc::kube::action_name(kc::kube::ApplyAction::create) == "created");
  CHECK(kc::kube::action_name(kc::kube::ApplyAction::configure) == "configured");
  CHECK(kc::kube::action_name(kc::kube::ApplyAction::unchanged) == "unchanged");
}
