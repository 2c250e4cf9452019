#include "agent/kubeadm_init_step.h"

#include <doctest/doctest.h>

#include "scratch_dir.h"

namespace {

kc::leader::LeaderConfig leader_config() {
  auto c = kc::leader::resolve_leader_config({});
  REQUIRE(c.ok());
  return *c;
}

kc::aws::NodeIdentity identity() {
  kc::aws::NodeIdentity id;
  id.node_name = "ip-10-0-0-10.ec2.internal";
  id.node_ip = "10.0.0.10";
  id.region = "us-east-1";
  id.zone = "us-east-1a";
  id.instance_id = "i-0123456789abcdef0";
  id.vpc_cidrs = {"10.0.0.0/16"};
  id.provider_id = kc::aws::provider_id(id.zone, id.instance_id);
  return id;
}

kc::Status not_ready(const kc::Host&) {
  return kc::Error{"ask the API server", "https://10.0.0.10:6443/readyz", "Connection refused", ""};
}

}  // namespace

TEST_CASE("kubeadm config step: written 0600 once the identity is known; then up to date") {
  ScratchDir root;
  kc::Host host(root.path());
  auto slot = std::make_shared<kc::aws::ResolvedIdentity>();
  kc::leader::KubeadmConfigStep step(leader_config(), slot);
  kc::StepContext context(host);

  auto unknown = step.check(context);
  REQUIRE(unknown.ok());
  REQUIRE(unknown->changes.size() == 1);
  CHECK(unknown->changes[0].detail == "(new; node identity not known yet, see [identity])");
  CHECK_FALSE(step.apply(context, unknown->changes).ok());

  slot->identity = identity();
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(step.apply(context, findings->changes).ok());
  const std::string written = root.read("etc/kc/kubeadm-init.yaml");
  CHECK(written.find("name: ip-10-0-0-10.ec2.internal") != std::string::npos);
  const auto mode = std::filesystem::status(root / "etc/kc/kubeadm-init.yaml").permissions() &
                    std::filesystem::perms::all;
  CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto again = step.check(context);
  REQUIRE(again.ok());
  CHECK(again->changes.empty());
}

TEST_CASE("kubeadm init step: nothing there runs kubeadm init --config, streaming its lines") {
  ScratchDir root;
  kc::Host host(root.path());
  kc::ProcessSpec seen;
  kc::leader::KubeadmInitStep step(
      std::chrono::seconds(600),
      [&](const kc::ProcessSpec& spec) -> kc::Result<kc::ProcessResult> {
        seen = spec;
        spec.on_line(kc::ProcessStream::out, "[init] Using Kubernetes version: v1.36.3");
        kc::ProcessResult r;
        r.exit_code = 0;
        return r;
      },
      not_ready);
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].describe(false) ==
        "run kubeadm init --config /etc/kc/kubeadm-init.yaml");
  REQUIRE(step.apply(context, findings->changes).ok());
  REQUIRE(seen.argv.size() == 6);
  CHECK(seen.argv[0] == (root / "opt/bin/kubeadm").string());
  CHECK(seen.argv[1] == "init");
  CHECK(seen.argv[3] == "/etc/kc/kubeadm-init.yaml");
  CHECK(seen.argv[4] == "--rootfs");  // under a scratch root kubeadm chroots into it
  CHECK(seen.timeout == std::chrono::seconds(600));
}

TEST_CASE("kubeadm init step: a failure names kubeadm's phase and its last lines") {
  ScratchDir root;
  kc::Host host(root.path());
  kc::leader::KubeadmInitStep step(
      std::chrono::seconds(600),
      [](const kc::ProcessSpec&) -> kc::Result<kc::ProcessResult> {
        kc::ProcessResult r;
        r.exit_code = 1;
        r.last_lines = {"[wait-control-plane] Waiting for the kubelet",
                        "error execution phase wait-control-plane: could not initialize a "
                        "Kubernetes cluster"};
        return r;
      },
      not_ready);
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  auto applied = step.apply(context, findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().where == "phase wait-control-plane");
  CHECK(applied.error().why.find("could not initialize") != std::string::npos);
  CHECK(applied.error().hint.find("kubeadm reset") != std::string::npos);
}

TEST_CASE("kubeadm init step: a ready control plane is left alone; a half-made one refused") {
  ScratchDir root;
  kc::Host host(root.path());
  bool ran = false;
  auto runner = [&](const kc::ProcessSpec&) -> kc::Result<kc::ProcessResult> {
    ran = true;
    return kc::ProcessResult{};
  };
  root.write("etc/kubernetes/admin.conf", "apiVersion: v1\n");
  kc::leader::KubeadmInitStep ready(std::chrono::seconds(600), runner,
                                    [](const kc::Host&) { return kc::Status(); });
  kc::StepContext context(host);
  auto done = ready.check(context);
  REQUIRE(done.ok());
  CHECK(done->changes.empty());
  CHECK(done->subject == "control plane (/etc/kubernetes/admin.conf, /readyz ok)");

  std::filesystem::remove(root / "etc/kubernetes/admin.conf");
  root.write("etc/kubernetes/manifests/etcd.yaml", "kind: Pod\n");
  kc::leader::KubeadmInitStep half(std::chrono::seconds(600), runner, not_ready);
  auto refused = half.check(context);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().why.find("stopped half-way") != std::string::npos);
  CHECK(refused.error().why.find("/etc/kubernetes/manifests/etcd.yaml") != std::string::npos);
  CHECK(refused.error().hint.find("kubeadm reset -f") != std::string::npos);
  CHECK_FALSE(ran);
}

TEST_CASE("the failing kubeadm phase: from 'error execution phase', else the last [phase]") {
  CHECK(kc::leader::failing_kubeadm_phase({"[certs] Generating",
                                           "error execution phase "
                                           "certs/apiserver: failure"}) == "certs/apiserver");
  CHECK(kc::leader::failing_kubeadm_phase({"[preflight] Running", "[kubelet-start] Writing"}) ==
        "kubelet-start");
  CHECK(kc::leader::failing_kubeadm_phase({"no phase here"}).empty());
}
