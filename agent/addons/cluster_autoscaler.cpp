// cluster-autoscaler with AWS Auto Scaling Group auto-discovery. Facts from kubernetes/autoscaler
// cluster-autoscaler/cloudprovider/aws/examples/cluster-autoscaler-autodiscover.yaml at the tag
// of each minor (cluster-autoscaler-1.33.6, -1.34.5, -1.35.2, -1.36.1): the ServiceAccount, the
// least-privilege ClusterRole and Role (1.36 adds resource.k8s.io deviceclasses, resourceslices
// and resourceclaims), their bindings, and the Deployment (system-cluster-critical, runAsUser and
// fsGroup 65534, seccomp RuntimeDefault, requests = limits = 100m/600Mi, the command
// ./cluster-autoscaler --v=4 --stderrthreshold=info --cloud-provider=aws
// --skip-nodes-with-local-storage=false --expander=least-waste --node-group-auto-discovery=...,
// the read-only root and dropped capabilities, the ssl-certs host path).
// kc changes: the image from the version table (the example names v1.32.1); the discovery tags
// from common/aws/cluster_tags.h; --balance-similar-node-groups (one group per zone, README);
// AWS_REGION; on the control plane (kubeadm's label and an Exists toleration: the upstream
// run-on-control-plane example's selector and toleration do not match kubeadm's); hostNetwork,
// so the pod reaches IMDSv2 with the default hop limit of 1 (the README: without it the hop
// limit must be 2); the CA bundle from Flatcar's /etc/ssl/certs/ca-certificates.crt (the example
// mounts Amazon Linux's ca-bundle.crt); imagePullPolicy IfNotPresent (the tag is pinned);
// --autoscaler-arg replaces a default flag of the same name or adds one.
#include "agent/addons/builders.h"
#include "common/aws/cluster_tags.h"

namespace kc::addons {

using nlohmann::json;

namespace {

std::string flag_name(const std::string& arg) {
  return arg.substr(0, arg.find('='));
}

}  // namespace

Objects cluster_autoscaler_objects(const AddonSettings& s, const AddonVersions& v) {
  const std::string ns = "kube-system";
  const std::string name = "cluster-autoscaler";
  const json labels{{"k8s-addon", "cluster-autoscaler.addons.k8s.io"}, {"k8s-app", name}};
  json account = build::object("v1", "ServiceAccount", name, ns, labels);

  json rules = json::array({
      build::rule({""}, {"events", "endpoints"}, {"create", "patch"}),
      build::rule({""}, {"pods/eviction"}, {"create"}),
      build::rule({""}, {"pods/status"}, {"update"}),
      build::rule({""}, {"endpoints"}, {"get", "update"}, {name}),
      build::rule({""}, {"nodes"}, {"watch", "list", "get", "update"}),
      build::rule({""},
                  {"namespaces", "pods", "services", "replicationcontrollers",
                   "persistentvolumeclaims", "persistentvolumes"},
                  {"watch", "list", "get"}),
      build::rule({"extensions"}, {"replicasets", "daemonsets"}, {"watch", "list", "get"}),
      build::rule({"policy"}, {"poddisruptionbudgets"}, {"watch", "list"}),
      build::rule({"apps"}, {"statefulsets", "replicasets", "daemonsets"},
                  {"watch", "list", "get"}),
  });
  if (v.minor >= "1.36") {
    rules.push_back(build::rule({"resource.k8s.io"},
                                {"deviceclasses", "resourceslices", "resourceclaims"},
                                {"watch", "list", "get"}));
  }
  for (json r : {build::rule({"storage.k8s.io"},
                             {"storageclasses", "csinodes", "csidrivers", "csistoragecapacities",
                              "volumeattachments"},
                             {"watch", "list", "get"}),
                 build::rule({"batch", "extensions"}, {"jobs"}, {"get", "list", "watch", "patch"}),
                 build::rule({"coordination.k8s.io"}, {"leases"}, {"create"}),
                 build::rule({"coordination.k8s.io"}, {"leases"}, {"get", "update"}, {name})}) {
    rules.push_back(std::move(r));
  }
  json cluster_role =
      build::object("rbac.authorization.k8s.io/v1", "ClusterRole", name, "", labels);
  cluster_role["rules"] = rules;
  json role = build::object("rbac.authorization.k8s.io/v1", "Role", name, ns, labels);
  role["rules"] = json::array(
      {build::rule({""}, {"configmaps"}, {"create", "list", "watch"}),
       build::rule({""}, {"configmaps"}, {"delete", "get", "update", "watch"},
                   {"cluster-autoscaler-status", "cluster-autoscaler-priority-expander"})});
  json cluster_binding = build::binding(name, "", "ClusterRole", name, name, ns);
  cluster_binding["metadata"]["labels"].update(labels);
  json binding = build::binding(name, ns, "Role", name, name, ns);
  binding["metadata"]["labels"].update(labels);

  std::vector<std::string> command{
      "./cluster-autoscaler",
      "--v=4",
      "--stderrthreshold=info",
      "--cloud-provider=aws",
      "--skip-nodes-with-local-storage=false",
      "--expander=least-waste",
      "--balance-similar-node-groups=true",
      "--node-group-auto-discovery=" + aws::autoscaler_auto_discovery(s.cluster_name)};
  for (const std::string& extra : s.autoscaler_args) {
    auto same = std::find_if(command.begin() + 1, command.end(), [&](const std::string& a) {
      return flag_name(a) == flag_name(extra);
    });
    if (same != command.end()) {
      *same = extra;
    } else {
      command.push_back(extra);
    }
  }
  const json pod_labels{{"app", name}};
  json container{{"image", v.cluster_autoscaler.reference()},
                 {"name", name},
                 {"resources",
                  {{"limits", {{"cpu", "100m"}, {"memory", "600Mi"}}},
                   {"requests", {{"cpu", "100m"}, {"memory", "600Mi"}}}}},
                 {"command", command},
                 {"env", json::array({build::env("AWS_REGION", s.region)})},
                 {"volumeMounts", json::array({{{"name", "ssl-certs"},
                                                {"mountPath", "/etc/ssl/certs/ca-certificates.crt"},
                                                {"readOnly", true}}})},
                 {"imagePullPolicy", "IfNotPresent"},
                 {"securityContext",
                  {{"allowPrivilegeEscalation", false},
                   {"capabilities", {{"drop", {"ALL"}}}},
                   {"readOnlyRootFilesystem", true}}}};
  json deployment = build::object("apps/v1", "Deployment", name, ns, pod_labels);
  deployment["spec"] = {
      {"replicas", 1},
      {"selector", {{"matchLabels", pod_labels}}},
      {"template",
       {{"metadata",
         {{"labels", pod_labels},
          {"annotations", {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "8085"}}}}},
        {"spec",
         {{"priorityClassName", "system-cluster-critical"},
          {"securityContext",
           {{"runAsNonRoot", true},
            {"runAsUser", 65534},
            {"fsGroup", 65534},
            {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
          {"serviceAccountName", name},
          {"hostNetwork", true},
          {"nodeSelector", build::control_plane_selector()},
          {"tolerations", json::array({build::control_plane_toleration()})},
          {"containers", json::array({container})},
          {"volumes", json::array({{{"name", "ssl-certs"},
                                    {"hostPath",
                                     {{"path", "/etc/ssl/certs/ca-certificates.crt"},
                                      {"type", "File"}}}}})}}}}}};
  return {account, cluster_role, role, cluster_binding, binding, deployment};
}

}  // namespace kc::addons
