#include "bootstrap/join_plan.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scratch_dir.h"

namespace {

constexpr const char* kToken = "abcdef.0123456789abcdef";

kc::worker::JoinOptions with_join_data() {
  kc::worker::JoinOptions o;
  o.api_server = "10.0.0.10:6443";
  o.token = kToken;
  o.ca_cert_hash = "sha256:" + std::string(64, '0');
  return o;
}

std::string error_for(void (*change)(kc::worker::JoinOptions&)) {
  kc::worker::JoinOptions options = with_join_data();
  change(options);
  auto config = kc::worker::resolve_worker_config(options);
  REQUIRE_FALSE(config.ok());
  return config.error().message();
}

}  // namespace

TEST_CASE(
    "join plan: join-data, identity, storage, preflight, assets, units, kubeadm in order, token "
    "redacted") {
  auto config = kc::worker::resolve_worker_config(with_join_data());
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  CHECK(config->join.token.reveal() == kToken);
  kc::Plan plan = kc::worker::make_join_plan(*config);
  REQUIRE(plan.size() == 7);
  CHECK(plan[0].name == "join-data");
  CHECK(plan[1].name == "identity");   // changes nothing; preflight and kubeadm read it
  CHECK(plan[2].name == "storage");    // before preflight starts containerd: its data goes there
  CHECK(plan[3].name == "preflight");  // before anything is downloaded
  CHECK(plan[4].name == "assets");
  CHECK(plan[5].name == "units");
  CHECK(plan[6].name == "kubeadm");
  REQUIRE(plan[1].steps.size() == 1);
  CHECK(plan[1].steps[0]->describe().find("IMDSv2") != std::string::npos);
  // The checks first, then containerd, modules and sysctls: the shared node::preflight_steps.
  REQUIRE(plan[3].steps.size() == 4);
  CHECK(plan[3].steps[1]->describe().find("containerd") != std::string::npos);
  REQUIRE(plan[4].steps.size() == 1);
  // A worker does not install kubectl unless asked to.
  CHECK(plan[4].steps[0]->describe().find("kubectl") == std::string::npos);
  REQUIRE(plan[6].steps.size() == 2);
  CHECK(plan[6].steps[0]->describe().find("/etc/kc/kubeadm-join.yaml") != std::string::npos);
  CHECK(plan[6].steps[0]->describe().find("0600") != std::string::npos);
  const std::string join = plan[6].steps[1]->describe();
  CHECK(join.rfind("kubeadm join --config /etc/kc/kubeadm-join.yaml (API server 10.0.0.10:6443)",
                   0) == 0);
  CHECK(join.find("0123456789abcdef") == std::string::npos);
  CHECK(kc::unimplemented_steps(plan).empty());
}

TEST_CASE("join plan: the identity resolved by its phase reaches the JoinConfiguration") {
  auto options = with_join_data();
  options.identity.node_name = "ip-10-0-1-20.ec2.internal";
  options.identity.node_ip = "10.0.1.20";
  options.identity.region = "us-east-1";
  options.identity.zone = "us-east-1b";
  options.identity.instance_id = "i-0fedcba9876543210";
  options.identity.vpc_cidrs = {"10.0.0.0/16"};
  auto config = kc::worker::resolve_worker_config(options);
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  kc::Plan plan = kc::worker::make_join_plan(*config);
  ScratchDir root;
  kc::Host host(root.path());
  kc::StepContext context(host, false);
  // The flags give all of it: IMDS is not asked.
  auto identity = plan[1].steps[0]->check(context);
  REQUIRE_MESSAGE(identity.ok(), identity.error().message());
  CHECK(identity->changes.empty());
  kc::Step& write = *plan[6].steps[0];
  auto findings = write.check(context);
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  REQUIRE(findings->changes.size() == 1);
  REQUIRE(write.apply(context, findings->changes).ok());
  const std::string yaml = root.read("etc/kc/kubeadm-join.yaml");
  CHECK(yaml.find("name: ip-10-0-1-20.ec2.internal") != std::string::npos);
  CHECK(yaml.find("aws:///us-east-1b/i-0fedcba9876543210") != std::string::npos);
  CHECK(yaml.find("10.0.1.20") != std::string::npos);
}

TEST_CASE("join configuration: an unknown --ignore-preflight-errors name is refused") {
  const std::string error = error_for([](auto& o) { o.ignore_preflight_errors = {"Port-6443"}; });
  CHECK(error.rfind("--ignore-preflight-errors: Port-6443", 0) == 0);
  CHECK(error.find("Port-10250") != std::string::npos);
  auto options = with_join_data();
  options.ignore_preflight_errors = {"swap", "CRI", "all"};
  CHECK(kc::worker::resolve_worker_config(options).ok());
}

TEST_CASE("join plan: --with-kubectl installs kubectl too") {
  auto options = with_join_data();
  options.with_kubectl = true;
  auto config = kc::worker::resolve_worker_config(options);
  REQUIRE(config.ok());
  kc::Plan plan = kc::worker::make_join_plan(*config);
  CHECK(plan[4].steps[0]->describe().find("kubectl") != std::string::npos);
}

TEST_CASE("join plan without flags has no join data yet (the join file gives it)") {
  auto config = kc::worker::resolve_worker_config({});
  REQUIRE(config.ok());
  CHECK_FALSE(config->has_join_data());
}

TEST_CASE("install plan: the assets phase only") {
  kc::Plan plan = kc::worker::make_install_plan(kc::default_asset_options());
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].name == "assets");
  CHECK(plan[0].steps.size() == 1);
}

TEST_CASE("join configuration: bad values name their flag, never the token") {
  CHECK(error_for([](auto& o) { o.token = "not-a-token"; }).rfind("--token", 0) == 0);
  CHECK(error_for([](auto& o) { o.token = "abcdef.0123456789abcdeX"; }).find("0123456789") ==
        std::string::npos);
  CHECK(error_for([](auto& o) { o.api_server = "10.0.0.10"; }).rfind("--api-server", 0) == 0);
  CHECK(error_for([](auto& o) { o.api_server = "10.0.0.10:99999"; }).rfind("--api-server", 0) == 0);
  CHECK(error_for([](auto& o) {
          o.ca_cert_hash = "sha256:abc";
        }).rfind("--discovery-token-ca-cert-hash", 0) == 0);
  CHECK(error_for([](auto& o) {
          o.assets.kubernetes_version = "1.30.0";
        }).rfind("--kubernetes-version", 0) == 0);
  const std::string partial = error_for([](auto& o) {
    o.api_server.clear();
    o.ca_cert_hash.clear();
  });
  CHECK(partial.rfind("--api-server, --discovery-token-ca-cert-hash: missing", 0) == 0);
  CHECK(error_for([](auto& o) { o.token.clear(); }).rfind("--token or --token-file: missing", 0) ==
        0);
  CHECK(error_for([](auto& o) { o.join_file = "/etc/kc/join.json"; }).rfind("--join-file", 0) == 0);
  CHECK(error_for([](auto& o) { o.join_timeout = "soon"; }).rfind("--join-timeout", 0) == 0);
  CHECK(partial.find("0123456789abcdef") == std::string::npos);

  kc::worker::JoinOptions ipv6 = with_join_data();
  ipv6.api_server = "[fd00::10]:6443";
  CHECK(kc::worker::resolve_worker_config(ipv6).ok());
}

TEST_CASE("join plan: the storage flags reach the storage phase; bad ones name their flag") {
  kc::worker::JoinOptions off = with_join_data();
  off.storage.enabled = false;
  auto config = kc::worker::resolve_worker_config(off);
  REQUIRE_MESSAGE(config.ok(), config.error().message());
  CHECK_FALSE(config->storage.enabled);
  kc::Plan plan = kc::worker::make_join_plan(*config);
  REQUIRE(plan.size() == 7);
  CHECK(plan[2].name == "storage");
  CHECK(plan[2].steps.empty());  // --ephemeral-storage off: the phase does nothing

  kc::worker::JoinOptions xfs = with_join_data();
  xfs.storage.filesystem = "xfs";
  auto on = kc::worker::resolve_worker_config(xfs);
  REQUIRE_MESSAGE(on.ok(), on.error().message());
  CHECK(on->storage.program == "/opt/bin/kc-worker");
  kc::Plan with_storage = kc::worker::make_join_plan(*on);
  REQUIRE(with_storage[2].name == "storage");
  REQUIRE_FALSE(with_storage[2].steps.empty());
  CHECK(with_storage[2].steps[0]->describe() == "instance-store disks: xfs at /var/mnt/ephemeral");

  CHECK(error_for([](auto& o) { o.storage.filesystem = "zfs"; }).rfind("--ephemeral-fs", 0) == 0);
  CHECK(error_for([](auto& o) {
          o.storage.devices = {"nvme1n1"};
        }).rfind("--ephemeral-device", 0) == 0);
}
