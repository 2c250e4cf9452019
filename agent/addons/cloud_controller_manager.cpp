// The AWS cloud-controller-manager (external cloud provider). Facts from
// kubernetes/cloud-provider-aws examples/existing-cluster/base/ @v1.36.1 (identical at v1.33.4,
// v1.34.3 and v1.35.2): ServiceAccount cloud-controller-manager, ClusterRole
// system:cloud-controller-manager (cluster-role.yaml), its ClusterRoleBinding, the RoleBinding to
// extension-apiserver-authentication-reader, and the DaemonSet on control-plane nodes
// (nodeSelector node-role.kubernetes.io/control-plane, the uninitialized and control-plane
// tolerations, hostNetwork, requests cpu 200m, args --v=2 --cloud-provider=aws
// --use-service-account-credentials=true --configure-cloud-routes=false).
// kc changes: the image from the version table (the example names v1.27.1); the control-plane
// toleration with operator Exists (kubeadm's taint has no value); the cluster id given in a
// cloud config ([Global] KubernetesClusterID, pkg/providers/v1/config/config.go @v1.36.1) and
// --cluster-name, both from --cluster-name, so the controller does not fail with "failed to
// find ClusterID" when the leader's own kubernetes.io/cluster/NAME tag is missing (the tag is
// still what marks the cluster's subnets and security groups); cloud routes stay off (flannel
// does the pod network); priority class system-node-critical.
#include "agent/addons/builders.h"

namespace kc::addons {

using nlohmann::json;

Objects cloud_controller_manager_objects(const AddonSettings& s, const AddonVersions& v) {
  const std::string ns = "kube-system";
  const std::string account_name = "cloud-controller-manager";
  json account = build::object("v1", "ServiceAccount", account_name, ns);
  json role = build::object("rbac.authorization.k8s.io/v1", "ClusterRole",
                            "system:cloud-controller-manager");
  role["rules"] = json::array({
      build::rule({""}, {"events"}, {"create", "patch", "update"}),
      build::rule({""}, {"nodes"}, {"*"}),
      build::rule({""}, {"nodes/status"}, {"patch"}),
      build::rule({""}, {"services"}, {"list", "patch", "update", "watch"}),
      build::rule({""}, {"services/status"}, {"list", "patch", "update", "watch"}),
      build::rule({""}, {"serviceaccounts"}, {"create", "get", "list", "watch"}),
      build::rule({""}, {"persistentvolumes"}, {"get", "list", "update", "watch"}),
      build::rule({""}, {"endpoints"}, {"create", "get", "list", "watch", "update"}),
      build::rule({"coordination.k8s.io"}, {"leases"},
                  {"create", "get", "list", "watch", "update"}),
      build::rule({""}, {"serviceaccounts/token"}, {"create"}),
  });
  json cluster_binding = build::binding("system:cloud-controller-manager", "", "ClusterRole",
                                        "system:cloud-controller-manager", account_name, ns);
  json auth_reader =
      build::binding("cloud-controller-manager:apiserver-authentication-reader", ns, "Role",
                     "extension-apiserver-authentication-reader", account_name, ns);

  const json labels{{"k8s-app", "aws-cloud-controller-manager"}};
  json container{{"name", "aws-cloud-controller-manager"},
                 {"image", v.cloud_controller_manager.reference()},
                 {"args",
                  {"--v=2", "--cloud-provider=aws", "--use-service-account-credentials=true",
                   "--configure-cloud-routes=false", "--cluster-name=" + s.cluster_name,
                   "--cloud-config=/etc/kubernetes/cloud-config/cloud.conf"}},
                 {"resources", {{"requests", {{"cpu", "200m"}}}}},
                 {"volumeMounts", json::array({{{"name", "cloud-config"},
                                                {"mountPath", "/etc/kubernetes/cloud-config"},
                                                {"readOnly", true}}})}};
  json cloud_config = build::object("v1", "ConfigMap", "aws-cloud-config", ns, labels);
  cloud_config["data"] = {
      {"cloud.conf", "[Global]\nKubernetesClusterID = " + s.cluster_name + "\n"}};
  json daemonset =
      build::object("apps/v1", "DaemonSet", "aws-cloud-controller-manager", ns, labels);
  daemonset["spec"] = {
      {"selector", {{"matchLabels", labels}}},
      {"updateStrategy", {{"type", "RollingUpdate"}}},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"nodeSelector", {{"node-role.kubernetes.io/control-plane", ""}}},
          {"tolerations", json::array({{{"key", "node.cloudprovider.kubernetes.io/uninitialized"},
                                        {"value", "true"},
                                        {"effect", "NoSchedule"}},
                                       build::control_plane_toleration()})},
          {"serviceAccountName", account_name},
          {"priorityClassName", "system-node-critical"},
          {"hostNetwork", true},
          {"containers", json::array({container})},
          {"volumes", json::array({{{"name", "cloud-config"},
                                    {"configMap", {{"name", "aws-cloud-config"}}}}})}}}}}};
  return {account, role, cluster_binding, auth_reader, cloud_config, daemonset};
}

}  // namespace kc::addons
