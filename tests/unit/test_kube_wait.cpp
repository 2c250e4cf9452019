#include "common/kube/kube_wait.h"

#include <doctest/doctest.h>

using nlohmann::json;

TEST_CASE("wait targets judge DaemonSets, Deployments and Nodes from their status") {
  auto ds = kc::kube::daemonset_ready("kube-flannel", "kube-flannel-ds", "");
  CHECK_FALSE(ds.judge(nullptr).ready);
  CHECK_FALSE(ds.judge(json::parse(R"({"status":{"desiredNumberScheduled":0}})")).ready);
  CHECK(ds.judge(json::parse(R"({"status":{"desiredNumberScheduled":1,"numberReady":1}})")).ready);
  auto deploy = kc::kube::deployment_available("kube-system", "coredns", "");
  CHECK(deploy.path == "/apis/apps/v1/namespaces/kube-system/deployments/coredns");
  const auto unavailable = deploy.judge(json::parse(
      R"({"status":{"conditions":[{"type":"Available","status":"False","reason":"R","message":"m"}]}})"));
  CHECK_FALSE(unavailable.ready);
  CHECK(unavailable.state == "Available=False");
  auto node = kc::kube::node_initialized("n1", "");
  CHECK_FALSE(node.judge(json::parse(R"({"spec":{"providerID":"aws:///a/i-1","taints":[
      {"key":"node.cloudprovider.kubernetes.io/uninitialized","effect":"NoSchedule"}]}})"))
                  .ready);
  CHECK(node.judge(json::parse(R"({"spec":{"providerID":"aws:///a/i-1"}})")).ready);
  CHECK(
      kc::kube::conditions_text(json::parse(
          R"({"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady","message":"cni"}]}})")) ==
      "Ready=False (KubeletNotReady: cni)");
  CHECK(kc::kube::conditions_text(nullptr) == "none");
}
