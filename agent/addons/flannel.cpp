// flannel, the pod network. Facts from flannel-io/flannel Documentation/kube-flannel.yml
// @v0.28.9: the kube-flannel namespace (pod security "privileged"), the flannel ClusterRole
// (pods get; nodes get, list, watch; nodes/status patch), the kube-flannel-cfg ConfigMap
// (cni-conf.json: cbr0 with flannel and portmap; net-conf.json: vxlan), and the DaemonSet
// kube-flannel-ds (hostNetwork, system-node-critical, tolerates every NoSchedule taint, the two
// init containers copying the CNI plugin and config, flanneld --ip-masq --kube-subnet-mgr
// --healthz-port=8081 with NET_ADMIN and NET_RAW, its probes, env and host paths).
// kc changes: net-conf.json's Network is the pod subnet kubeadm was given (--pod-subnet).
#include "agent/addons/builders.h"

namespace kc::addons {

using nlohmann::json;

Objects flannel_objects(const AddonSettings& s, const AddonVersions& v) {
  const std::string ns = "kube-flannel";
  const json app_labels{{"k8s-app", "flannel"}};
  json namespace_ =
      build::object("v1", "Namespace", ns, "",
                    {{"k8s-app", "flannel"}, {"pod-security.kubernetes.io/enforce", "privileged"}});

  json role =
      build::object("rbac.authorization.k8s.io/v1", "ClusterRole", "flannel", "", app_labels);
  role["rules"] = json::array({build::rule({""}, {"pods"}, {"get"}),
                               build::rule({""}, {"nodes"}, {"get", "list", "watch"}),
                               build::rule({""}, {"nodes/status"}, {"patch"})});
  json binding = build::binding("flannel", "", "ClusterRole", "flannel", "flannel", ns);
  binding["metadata"]["labels"]["k8s-app"] = "flannel";
  json account = build::object("v1", "ServiceAccount", "flannel", ns, app_labels);

  const json cni_conf{
      {"name", "cbr0"},
      {"cniVersion", "0.3.1"},
      {"plugins",
       json::array({{{"type", "flannel"},
                     {"delegate", {{"hairpinMode", true}, {"isDefaultGateway", true}}}},
                    {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
  const json net_conf{
      {"Network", s.pod_subnet}, {"EnableNFTables", false}, {"Backend", {{"Type", "vxlan"}}}};
  const json cfg_labels{{"tier", "node"}, {"k8s-app", "flannel"}, {"app", "flannel"}};
  json config = build::object("v1", "ConfigMap", "kube-flannel-cfg", ns, cfg_labels);
  config["data"] = {{"cni-conf.json", cni_conf.dump(2) + "\n"},
                    {"net-conf.json", net_conf.dump(2) + "\n"}};

  const json field_env = json::array(
      {{{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
       {{"name", "POD_NAMESPACE"},
        {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}},
       build::env("EVENT_QUEUE_DEPTH", "5000"),
       build::env("CONT_WHEN_CACHE_NOT_READY", "false")});
  const std::string flannel_image = v.flannel.reference();
  json container{
      {"name", "kube-flannel"},
      {"image", flannel_image},
      {"command", {"/opt/bin/flanneld"}},
      {"args", {"--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"}},
      {"ports", json::array({{{"name", "healthz"}, {"containerPort", 8081}, {"protocol", "TCP"}}})},
      {"livenessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", "healthz"}}},
        {"initialDelaySeconds", 10},
        {"periodSeconds", 30}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/readyz"}, {"port", "healthz"}}},
        {"initialDelaySeconds", 5},
        {"periodSeconds", 10}}},
      {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}}},
      {"securityContext",
       {{"privileged", false}, {"capabilities", {{"add", {"NET_ADMIN", "NET_RAW"}}}}}},
      {"env", field_env},
      {"volumeMounts",
       json::array({{{"name", "run"}, {"mountPath", "/run/flannel"}},
                    {{"name", "flannel-cfg"}, {"mountPath", "/etc/kube-flannel/"}},
                    {{"name", "xtables-lock"}, {"mountPath", "/run/xtables.lock"}}})}};
  json init_plugin{
      {"name", "install-cni-plugin"},
      {"image", v.flannel_cni_plugin.reference()},
      {"command", {"cp"}},
      {"args", {"-f", "/flannel", "/opt/cni/bin/flannel"}},
      {"volumeMounts", json::array({{{"name", "cni-plugin"}, {"mountPath", "/opt/cni/bin"}}})}};
  json init_conf{
      {"name", "install-cni"},
      {"image", flannel_image},
      {"command", {"/opt/bin/install-conf"}},
      {"args", {"/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"}},
      {"volumeMounts",
       json::array({{{"name", "cni"}, {"mountPath", "/etc/cni/net.d"}},
                    {{"name", "flannel-cfg"}, {"mountPath", "/etc/kube-flannel/"}}})}};
  auto host_path = [](const char* name, const char* path, const char* type = nullptr) {
    json hp{{"path", path}};
    if (type != nullptr) hp["type"] = type;
    return json{{"name", name}, {"hostPath", hp}};
  };
  json pod_spec{
      {"affinity",
       {{"nodeAffinity",
         {{"requiredDuringSchedulingIgnoredDuringExecution",
           {{"nodeSelectorTerms",
             json::array({{{"matchExpressions", json::array({{{"key", "kubernetes.io/os"},
                                                              {"operator", "In"},
                                                              {"values", {"linux"}}}})}}})}}}}}}},
      {"hostNetwork", true},
      {"priorityClassName", "system-node-critical"},
      {"tolerations", json::array({{{"operator", "Exists"}, {"effect", "NoSchedule"}}})},
      {"serviceAccountName", "flannel"},
      {"initContainers", json::array({init_plugin, init_conf})},
      {"containers", json::array({container})},
      {"volumes",
       json::array({host_path("run", "/run/flannel"),
                    host_path("cni-plugin", "/opt/cni/bin"),
                    host_path("cni", "/etc/cni/net.d"),
                    {{"name", "flannel-cfg"}, {"configMap", {{"name", "kube-flannel-cfg"}}}},
                    host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate")})}};
  json daemonset = build::object("apps/v1", "DaemonSet", "kube-flannel-ds", ns, cfg_labels);
  daemonset["spec"] = {
      {"selector", {{"matchLabels", {{"app", "flannel"}}}}},
      {"template",
       {{"metadata", {{"labels", {{"tier", "node"}, {"app", "flannel"}}}}}, {"spec", pod_spec}}}};
  return {namespace_, role, binding, account, config, daemonset};
}

}  // namespace kc::addons
