// postfinance/kubelet-csr-approver, which approves kubelet serving certificates only for names
// and addresses a node of this cluster may have. Facts from postfinance/kubelet-csr-approver
// @v1.2.14: deploy/k8s/{serviceaccount,clusterrole,rolebinding,deployment}.yaml (the RBAC rules,
// the args -metrics-bind-address :8080 -health-probe-bind-address :8081 -leader-election, the
// /healthz liveness probe on 8081), internal/cmd/cmd.go (the environment: PROVIDER_REGEX,
// PROVIDER_IP_PREFIXES, MAX_EXPIRATION_SEC, ALLOWED_DNS_NAMES, SKIP_DENY_STEP), and
// charts/kubelet-csr-approver/values.yaml (the image repository, the security context and the
// resources).
// kc changes: the image pinned (deploy/k8s says :latest); the rules from the region and the VPC
// (see csr_rules.h); one replica on the control plane (it approves the first worker, so it must
// not run on one); SKIP_DENY_STEP, so a CSR it does not approve stays pending instead of denied:
// the leader's own CSR (public names, issue 70) is approved by kc-leader itself.
#include "agent/addons/builders.h"
#include "agent/addons/csr_rules.h"

namespace kc::addons {

using nlohmann::json;

Objects csr_approver_objects(const AddonSettings& s, const AddonVersions& v) {
  const std::string ns = "kube-system";
  const std::string name = "kubelet-csr-approver";
  json account = build::object("v1", "ServiceAccount", name, ns);
  json role = build::object("rbac.authorization.k8s.io/v1", "ClusterRole", name);
  role["rules"] = json::array({
      build::rule({"certificates.k8s.io"}, {"certificatesigningrequests"},
                  {"get", "list", "watch"}),
      build::rule({"coordination.k8s.io"}, {"leases"}, {"create", "get", "update"}),
      build::rule({"certificates.k8s.io"}, {"certificatesigningrequests/approval"}, {"update"}),
      build::rule({"certificates.k8s.io"}, {"signers"}, {"approve"},
                  {"kubernetes.io/kubelet-serving"}),
      build::rule({""}, {"events"}, {"create"}),
  });
  json binding = build::binding(name, "", "ClusterRole", name, name, ns);

  const ApproverRules rules = approver_rules(s);
  const json labels{{"app", name}};
  json container{
      {"name", name},
      {"image", v.csr_approver.reference()},
      {"args",
       {"-metrics-bind-address", ":8080", "-health-probe-bind-address", ":8081",
        "-leader-election"}},
      {"env",
       json::array({build::env("PROVIDER_REGEX", rules.provider_regex),
                    build::env("PROVIDER_IP_PREFIXES", rules.ip_prefixes),
                    build::env("MAX_EXPIRATION_SEC", std::to_string(rules.max_expiration_seconds)),
                    build::env("ALLOWED_DNS_NAMES", std::to_string(rules.allowed_dns_names)),
                    build::env("SKIP_DENY_STEP", "true")})},
      {"ports", json::array({{{"name", "metrics"}, {"containerPort", 8080}, {"protocol", "TCP"}}})},
      {"livenessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", 8081}}}}},
      {"resources",
       {{"requests", {{"cpu", "100m"}, {"memory", "64Mi"}}},
        {"limits", {{"cpu", "500m"}, {"memory", "128Mi"}}}}},
      {"securityContext",
       {{"runAsUser", 65532},
        {"runAsGroup", 65532},
        {"runAsNonRoot", true},
        {"privileged", false},
        {"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"seccompProfile", {{"type", "RuntimeDefault"}}},
        {"capabilities", {{"drop", {"ALL"}}}}}}};
  json deployment = build::object("apps/v1", "Deployment", name, ns, labels);
  deployment["spec"] = {{"replicas", 1},
                        {"selector", {{"matchLabels", labels}}},
                        {"template",
                         {{"metadata", {{"labels", labels}}},
                          {"spec",
                           {{"serviceAccountName", name},
                            {"priorityClassName", "system-cluster-critical"},
                            {"nodeSelector", build::control_plane_selector()},
                            {"tolerations", json::array({build::control_plane_toleration()})},
                            {"containers", json::array({container})}}}}}};
  return {account, role, binding, deployment};
}

}  // namespace kc::addons
