// metrics-server. Facts from kubernetes-sigs/metrics-server manifests/base/ at v0.9.0 (1.34+)
// and v0.8.1 (1.33; the same base): rbac.yaml (system:aggregated-metrics-reader,
// system:metrics-server, the auth-reader RoleBinding and auth-delegator ClusterRoleBinding),
// service.yaml, apiservice.yaml (v1beta1.metrics.k8s.io), deployment.yaml (args --cert-dir=/tmp
// --secure-port=10250 --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
// --kubelet-use-node-status-port --metric-resolution=15s, probes, security context, tmp-dir,
// system-cluster-critical, maxUnavailable 0), the kustomization's label k8s-app: metrics-server.
// kc changes: on the control plane (so it never keeps the last worker from being scaled away),
// no --kubelet-insecure-tls (kubelets have approved serving certificates), and resources from
// --max-nodes with README.md's "Scaling" guidance: the defaults (100m CPU, 200MiB) cover 100
// nodes, and each node above that adds 1m CPU and 2MiB; limits are twice the requests.
#include "agent/addons/builders.h"

namespace kc::addons {

using nlohmann::json;

MetricsServerResources metrics_server_resources(int max_nodes) {
  const int extra = max_nodes > 100 ? max_nodes - 100 : 0;
  return {100 + extra, 200 + 2 * extra};
}

Objects metrics_server_objects(const AddonSettings& s, const AddonVersions& v) {
  const std::string ns = "kube-system";
  const std::string name = "metrics-server";
  const json labels{{"k8s-app", name}};
  auto labelled = [&](const char* api, const char* kind, const std::string& n,
                      const std::string& namespace_, json extra = json::object()) {
    extra.update(labels);
    return build::object(api, kind, n, namespace_, extra);
  };
  json reader = labelled("rbac.authorization.k8s.io/v1", "ClusterRole",
                         "system:aggregated-metrics-reader", "",
                         {{"rbac.authorization.k8s.io/aggregate-to-view", "true"},
                          {"rbac.authorization.k8s.io/aggregate-to-edit", "true"},
                          {"rbac.authorization.k8s.io/aggregate-to-admin", "true"}});
  reader["rules"] =
      json::array({build::rule({"metrics.k8s.io"}, {"pods", "nodes"}, {"get", "list", "watch"})});
  json account = labelled("v1", "ServiceAccount", name, ns);
  json auth_reader = build::binding("metrics-server-auth-reader", ns, "Role",
                                    "extension-apiserver-authentication-reader", name, ns);
  auth_reader["metadata"]["labels"].update(labels);
  json delegator = build::binding("metrics-server:system:auth-delegator", "", "ClusterRole",
                                  "system:auth-delegator", name, ns);
  delegator["metadata"]["labels"].update(labels);
  json role = labelled("rbac.authorization.k8s.io/v1", "ClusterRole", "system:metrics-server", "");
  role["rules"] = json::array({build::rule({""}, {"nodes/metrics"}, {"get"}),
                               build::rule({""}, {"pods", "nodes"}, {"get", "list", "watch"})});
  json role_binding =
      build::binding("system:metrics-server", "", "ClusterRole", "system:metrics-server", name, ns);
  role_binding["metadata"]["labels"].update(labels);

  json service = labelled("v1", "Service", name, ns);
  service["spec"] = {{"ports", json::array({{{"name", "https"},
                                             {"port", 443},
                                             {"protocol", "TCP"},
                                             {"targetPort", "https"},
                                             {"appProtocol", "https"}}})},
                     {"selector", labels}};

  const MetricsServerResources r = metrics_server_resources(s.max_nodes);
  auto cpu = [](int m) { return std::to_string(m) + "m"; };
  auto mem = [](int mi) { return std::to_string(mi) + "Mi"; };
  auto probe = [](const char* path) {
    return json{{"httpGet", {{"path", path}, {"port", "https"}, {"scheme", "HTTPS"}}},
                {"periodSeconds", 10},
                {"failureThreshold", 3}};
  };
  json readiness = probe("/readyz");
  readiness["initialDelaySeconds"] = 20;
  json container{
      {"name", name},
      {"image", v.metrics_server.reference()},
      {"imagePullPolicy", "IfNotPresent"},
      {"args",
       {"--cert-dir=/tmp", "--secure-port=10250",
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--kubelet-use-node-status-port", "--metric-resolution=15s"}},
      {"resources",
       {{"requests", {{"cpu", cpu(r.cpu_millis)}, {"memory", mem(r.memory_mebibytes)}}},
        {"limits", {{"cpu", cpu(2 * r.cpu_millis)}, {"memory", mem(2 * r.memory_mebibytes)}}}}},
      {"ports", json::array({{{"name", "https"}, {"containerPort", 10250}, {"protocol", "TCP"}}})},
      {"readinessProbe", readiness},
      {"livenessProbe", probe("/livez")},
      {"securityContext",
       {{"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"runAsUser", 1000},
        {"allowPrivilegeEscalation", false},
        {"seccompProfile", {{"type", "RuntimeDefault"}}},
        {"capabilities", {{"drop", {"ALL"}}}}}},
      {"volumeMounts", json::array({{{"name", "tmp-dir"}, {"mountPath", "/tmp"}}})}};
  json deployment = labelled("apps/v1", "Deployment", name, ns);
  deployment["spec"] = {
      {"selector", {{"matchLabels", labels}}},
      {"strategy", {{"rollingUpdate", {{"maxUnavailable", 0}}}}},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"serviceAccountName", name},
          {"volumes", json::array({{{"name", "tmp-dir"}, {"emptyDir", json::object()}}})},
          {"priorityClassName", "system-cluster-critical"},
          {"containers", json::array({container})},
          {"nodeSelector", build::control_plane_selector()},
          {"tolerations", json::array({build::control_plane_toleration()})}}}}}};

  json apiservice =
      labelled("apiregistration.k8s.io/v1", "APIService", "v1beta1.metrics.k8s.io", "");
  apiservice["spec"] = {{"service", {{"name", name}, {"namespace", ns}}},
                        {"group", "metrics.k8s.io"},
                        {"version", "v1beta1"},
                        {"insecureSkipTLSVerify", true},
                        {"groupPriorityMinimum", 100},
                        {"versionPriority", 100}};
  return {reader,       account, auth_reader, delegator, role,
          role_binding, service, deployment,  apiservice};
}

}  // namespace kc::addons
