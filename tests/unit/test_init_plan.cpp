#include "agent/init_plan.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

kc::leader::LeaderConfig resolved(const kc::leader::InitOptions& options = {}) {
  auto config = kc::leader::resolve_leader_config(options);
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  return *config;
}

std::vector<std::string> steps_of(const kc::Phase& phase) {
  std::vector<std::string> out;
  for (const auto& step : phase.steps) out.push_back(step->describe());
  return out;
}

// The error of resolving options changed by `change`.
std::string error_for(void (*change)(kc::leader::InitOptions&)) {
  kc::leader::InitOptions options;
  change(options);
  auto config = kc::leader::resolve_leader_config(options);
  REQUIRE_FALSE(config.ok());
  return config.error().message();
}

}  // namespace

TEST_CASE("init plan: --ephemeral-storage on puts the storage phase before preflight") {
  // The preflight phase starts containerd; its data must be on the instance store by then.
  kc::leader::InitOptions options;
  options.storage.enabled = true;
  options.storage.filesystem = "xfs";
  kc::Plan plan = kc::leader::make_init_plan(resolved(options));
  REQUIRE(plan.size() == 11);
  CHECK(plan[0].name == "identity");
  CHECK(plan[1].name == "storage");
  CHECK(plan[2].name == "preflight");
  const std::vector<std::string> steps = steps_of(plan[1]);
  REQUIRE(steps.size() == 4);
  CHECK(steps[0] == "instance-store disks: xfs at /var/mnt/ephemeral");
  CHECK(resolved(options).storage.program == "/opt/bin/kc-leader");
  CHECK(resolved().storage.enabled == false);  // off on a leader unless asked for
}

TEST_CASE("init plan: a bad --ephemeral-fs names the flag") {
  CHECK(error_for([](auto& o) { o.storage.filesystem = "btrfs"; }).rfind("--ephemeral-fs", 0) == 0);
}

TEST_CASE("init plan: ten phases in order") {
  kc::Plan plan = kc::leader::make_init_plan(resolved());
  std::vector<std::string> names;
  for (const auto& phase : plan) names.push_back(phase.name);
  CHECK(names == std::vector<std::string>{"identity", "preflight", "assets", "units", "kubeadm",
                                          "kubeconfig", "addons", "cleanup", "join-data",
                                          "worker-user-data"});
}

TEST_CASE("init plan: each phase holds its steps, fed by the resolved configuration") {
  kc::leader::InitOptions options;
  options.cluster_name = "toil-a";
  options.assets.kubernetes_version = "1.34.4";
  options.assets.arch = "arm64";
  kc::Plan plan = kc::leader::make_init_plan(resolved(options));
  REQUIRE(plan.size() == 10);

  REQUIRE(steps_of(plan[0]).size() == 1);
  CHECK(steps_of(plan[0])[0].find("IMDSv2") != std::string::npos);

  const auto preflight = steps_of(plan[1]);
  REQUIRE(preflight.size() == 4);  // checks, containerd, modules, sysctls
  CHECK(preflight[0].find("IsPrivilegedUser") != std::string::npos);
  CHECK(preflight[1].find("containerd") != std::string::npos);
  CHECK(preflight[2].find("br_netfilter") != std::string::npos);
  for (const auto& step : plan[1].steps) CHECK(step->implemented());

  REQUIRE(plan[2].steps.size() == 1);
  CHECK(plan[2].steps[0]->describe().find("1.34.4 (arm64)") != std::string::npos);

  REQUIRE(plan[3].steps.size() == 1);
  CHECK(plan[3].steps[0]->implemented());

  const auto kubeadm = steps_of(plan[4]);
  REQUIRE(kubeadm.size() == 2);
  CHECK(kubeadm[0] ==
        "/etc/kc/kubeadm-init.yaml (kubeadm.k8s.io/v1beta4, Kubernetes 1.34.4, cluster toil-a, "
        "0600)");
  CHECK(kubeadm[1].rfind("kubeadm init --config /etc/kc/kubeadm-init.yaml", 0) == 0);
  for (const auto& step : plan[4].steps) CHECK(step->implemented());

  REQUIRE(steps_of(plan[5]).size() == 1);
  CHECK(steps_of(plan[5])[0].find("/.kube/config") != std::string::npos);

  // One step per add-on (kc-cleanup's RBAC and the inventory among them), then the wait.
  const auto addons = steps_of(plan[6]);
  REQUIRE(addons.size() == 8);
  CHECK(addons[3] == "add-on cluster-autoscaler, server-side applied");
  CHECK(addons[5] == "add-on kc-cleanup-rbac, server-side applied");
  for (const auto& step : plan[6].steps) CHECK(step->implemented());

  // credentials, RBAC manifest, kc-leader itself where the units run it, unit (RBAC: addons)
  const auto cleanup = steps_of(plan[7]);
  REQUIRE(cleanup.size() == 4);
  CHECK(cleanup[2] == "file /opt/bin/kc-leader (0755)");
  for (const auto& step : plan[7].steps) CHECK(step->implemented());

  const auto join_data = steps_of(plan[8]);
  // served kc-worker, its URL, init's --worker-args, kc-serve.service, join file
  REQUIRE(join_data.size() == 5);
  CHECK(join_data[2] == "file /etc/kc/worker-args (0644)");
  CHECK(join_data[3] == "kc-serve.service");
  CHECK(join_data[4] == "/etc/kc/join.json");
  for (const auto& step : plan[8].steps) CHECK(step->implemented());

  REQUIRE(steps_of(plan[9]).size() == 1);
  CHECK(steps_of(plan[9])[0].find("Ignition") != std::string::npos);
  CHECK(plan[9].steps[0]->implemented());
}

TEST_CASE("init configuration: defaults resolve; bad values name their flag") {
  const auto config = resolved();
  CHECK(config.cluster_name == "kubernetes");
  CHECK(config.pod_subnet == "10.244.0.0/16");
  CHECK(config.service_subnet == "10.96.0.0/12");
  CHECK(config.kubernetes_version == config.assets.kubernetes_version);

  CHECK(error_for([](auto& o) {
          o.assets.kubernetes_version = "1.32.4";
        }).rfind("--kubernetes-version: 1.32.4", 0) == 0);
  CHECK(error_for([](auto& o) { o.assets.kubernetes_version = "1.37.0"; }).find("1.33 to 1.36") !=
        std::string::npos);
  CHECK(error_for([](auto& o) { o.cluster_name = "bad name"; }).rfind("--cluster-name", 0) == 0);
  CHECK(error_for([](auto& o) { o.cluster_name = ""; }).rfind("--cluster-name", 0) == 0);
  CHECK(error_for([](auto& o) { o.pod_subnet = "10.244.0.1/16"; }).rfind("--pod-subnet", 0) == 0);
  CHECK(error_for([](auto& o) { o.service_subnet = "10.96/12"; }).rfind("--service-subnet", 0) ==
        0);
  CHECK(error_for([](auto& o) { o.service_subnet = "10.0.0.0/8"; }).find("at most a /12") !=
        std::string::npos);
  CHECK(error_for([](auto& o) {
          o.ignore_preflight_errors = {"Spaw"};
        }).rfind("--ignore-preflight-errors: Spaw", 0) == 0);
  CHECK(error_for([](auto& o) {
          o.control_plane_endpoint = "bad host:1";
        }).rfind("--control-plane-endpoint", 0) == 0);
  CHECK(error_for([](auto& o) {
          o.apiserver_cert_extra_sans = {"a b"};
        }).rfind("--apiserver-cert-extra-sans", 0) == 0);
  CHECK(error_for([](auto& o) { o.kubeconfig_user = "Bad User"; }).rfind("--kubeconfig-user", 0) ==
        0);
  CHECK(error_for([](auto& o) { o.kubeadm_timeout_seconds = 5; }).rfind("--kubeadm-timeout", 0) ==
        0);
  const std::string overlap = error_for([](auto& o) { o.pod_subnet = "10.96.0.0/16"; });
  CHECK(overlap.rfind("--pod-subnet", 0) == 0);
  CHECK(overlap.find("overlaps --service-subnet 10.96.0.0/12") != std::string::npos);
}
