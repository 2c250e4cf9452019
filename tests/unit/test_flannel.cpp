// Upstream facts: flannel-io/flannel Documentation/kube-flannel.yml @v0.28.9.
#include <doctest/doctest.h>

#include "addon_facts.h"

using namespace kc::addons::testing;
using nlohmann::json;

TEST_CASE("flannel: RBAC, net-conf, DaemonSet args, tolerations and host paths as upstream") {
  const auto objects = kc::addons::flannel_objects(fixture_settings(), versions());
  CHECK(object(objects, "Namespace",
               "kube-flannel")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] ==
        "privileged");
  CHECK(object(objects, "ClusterRole", "flannel")["rules"] ==
        json::parse(R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},
          {"apiGroups":[""],"resources":["nodes"],"verbs":["get","list","watch"]},
          {"apiGroups":[""],"resources":["nodes/status"],"verbs":["patch"]}])"));
  const json net = json::parse(
      object(objects, "ConfigMap", "kube-flannel-cfg")["data"]["net-conf.json"].get<std::string>());
  CHECK(net ==
        json::parse(
            R"({"Network":"10.244.0.0/16","EnableNFTables":false,"Backend":{"Type":"vxlan"}})"));
  const json& spec = pod_spec(object(objects, "DaemonSet", "kube-flannel-ds"));
  CHECK(spec["hostNetwork"] == true);
  CHECK(spec["priorityClassName"] == "system-node-critical");
  CHECK(spec["tolerations"] == json::parse(R"([{"operator":"Exists","effect":"NoSchedule"}])"));
  CHECK(spec["containers"][0]["args"] ==
        json::array({"--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"}));
  CHECK(spec["containers"][0]["securityContext"]["capabilities"]["add"] ==
        json::array({"NET_ADMIN", "NET_RAW"}));
  CHECK(spec["initContainers"][0]["image"] ==
        "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3");
  std::vector<std::string> paths;
  for (const json& v : spec["volumes"]) {
    if (v.contains("hostPath")) paths.push_back(v["hostPath"]["path"]);
  }
  CHECK(paths == std::vector<std::string>{"/run/flannel", "/opt/cni/bin", "/etc/cni/net.d",
                                          "/run/xtables.lock"});
}
