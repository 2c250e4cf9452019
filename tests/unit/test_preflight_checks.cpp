#include "common/node/preflight_checks.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "scratch_dir.h"

namespace {

// A scratch root that passes every check: modules present, no swap, no listener, a containerd
// unit installed (nothing answers on its socket, so the next step would start it).
void healthy(const ScratchDir& root) {
  root.write("proc/filesystems", "nodev\tproc\nnodev\toverlay\n");
  root.write("proc/sys/net/bridge/bridge-nf-call-iptables", "0\n");
  root.write("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
  root.write("proc/net/tcp",
             "  sl  local_address rem_address   st tx_queue rx_queue\n"
             "   0: 0100007F:0CEA 00000000:0000 01 00000000:00000000\n");  // 3306, established
  root.write("proc/net/tcp6", "");
  root.write("usr/lib/systemd/system/containerd.service", "[Service]\n");
}

kc::node::PreflightOptions leader_options() {
  kc::node::PreflightOptions o;
  o.ports = kc::node::leader_ports();
  o.subnets = {"10.244.0.0/16", "10.96.0.0/12"};
  return o;
}

std::vector<std::string> names(const std::vector<kc::node::PreflightFailure>& failures) {
  std::vector<std::string> out;
  for (const auto& f : failures) out.push_back(f.name);
  return out;
}

}  // namespace

TEST_CASE("preflight: a healthy node passes every check") {
  ScratchDir root;
  healthy(root);
  kc::Host host(root.path());
  auto failures = kc::node::run_preflight_checks(host, leader_options(), {"10.0.0.0/16"});
  REQUIRE_MESSAGE(failures.ok(), failures.error().message());
  CHECK(failures->empty());
}

TEST_CASE("preflight: every failure is listed at once, under kubeadm's names") {
  ScratchDir root;
  healthy(root);
  std::filesystem::remove(root / "usr/lib/systemd/system/containerd.service");
  std::filesystem::remove_all(root / "proc/sys/net/bridge");
  root.write("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1024 0 -2\n");
  root.write(
      "proc/net/tcp6",
      "  sl  local_address                         remote_address   st\n"
      "   0: 00000000000000000000000000000000:192B 00000000000000000000000000000000:0000 0A\n");
  kc::node::PreflightOptions o = leader_options();
  o.euid = 1000;
  kc::Host host(root.path());
  auto failures = kc::node::run_preflight_checks(host, o, {"10.0.0.0/8"});
  REQUIRE(failures.ok());
  CHECK(names(*failures) == std::vector<std::string>{"IsPrivilegedUser", "CRI", "Swap",
                                                     "KernelModule-br_netfilter", "Port-6443",
                                                     "SubnetOverlap", "SubnetOverlap"});
  const auto& all = *failures;
  CHECK(all[2].describe().find("/swapfile") != std::string::npos);
  CHECK(all[5].why == "subnet 10.244.0.0/16 overlaps the VPC CIDR 10.0.0.0/8");
  CHECK(all[1].hint.find("install containerd") != std::string::npos);
}

TEST_CASE("preflight: a module not loaded but in modules.dep of the running kernel is fine") {
  ScratchDir root;
  healthy(root);
  std::filesystem::remove_all(root / "proc/sys/net/bridge");
  root.write("proc/sys/kernel/osrelease", "6.1.0-kc\n");
  root.write("lib/modules/6.1.0-kc/modules.dep",
             "kernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz\n");
  kc::Host host(root.path());
  auto failures = kc::node::run_preflight_checks(host, leader_options(), {});
  REQUIRE(failures.ok());
  CHECK(failures->empty());
}

TEST_CASE("preflight: ports held by kc's own control plane are not in the way") {
  ScratchDir root;
  healthy(root);
  root.write("proc/net/tcp",
             "  sl  local_address rem_address   st\n   0: 00000000:192B 00000000:0000 0A\n");
  kc::Host host(root.path());
  auto before = kc::node::run_preflight_checks(host, leader_options(), {});
  REQUIRE(before.ok());
  CHECK(names(*before) == std::vector<std::string>{"Port-6443"});
  root.write("etc/kubernetes/manifests/kube-apiserver.yaml", "kind: Pod\n");
  auto after = kc::node::run_preflight_checks(host, leader_options(), {});
  REQUIRE(after.ok());
  CHECK(after->empty());
}

TEST_CASE("--ignore-preflight-errors: case-insensitive names, all, unknown names found") {
  CHECK(kc::node::ignored({"swap"}, "Swap"));
  CHECK(kc::node::ignored({"ALL"}, "Port-6443"));
  CHECK_FALSE(kc::node::ignored({"Swap"}, "Port-6443"));
  const auto o = leader_options();
  CHECK(kc::node::unknown_preflight_name({"Swap", "port-10250", "all"}, o).empty());
  CHECK(kc::node::unknown_preflight_name({"Swap", "Spaw"}, o) == "Spaw");
  const auto all = kc::node::preflight_check_names(o);
  CHECK(std::find(all.begin(), all.end(), "SubnetOverlap") != all.end());
}

TEST_CASE(
    "preflight step: failures become one stopping change; apply is the error; ignored ones warn") {
  ScratchDir root;
  healthy(root);
  root.write("proc/swaps", "Filename\tType\n/dev/zram0 partition\n");
  kc::Host host(root.path());
  auto identity = std::make_shared<kc::aws::ResolvedIdentity>();
  identity->identity = kc::aws::NodeIdentity{};
  identity->identity->vpc_cidrs = {"10.96.0.0/16"};
  kc::node::PreflightChecksStep step(leader_options(), identity);
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  const std::string& stop = findings->changes[0].object;
  CHECK(stop.rfind("stop: 2 preflight check(s) failed: [Swap]", 0) == 0);
  CHECK(stop.find("[SubnetOverlap] subnet 10.96.0.0/12 overlaps the VPC CIDR 10.96.0.0/16") !=
        std::string::npos);
  auto applied = step.apply(context, findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().why.find("2 check(s) failed") != std::string::npos);
  CHECK(applied.error().hint.find("--ignore-preflight-errors") != std::string::npos);

  kc::node::PreflightOptions lenient = leader_options();
  lenient.ignore = {"swap", "SubnetOverlap"};
  kc::node::PreflightChecksStep ignoring(lenient, identity);
  auto quiet = ignoring.check(context);
  REQUIRE(quiet.ok());
  CHECK(quiet->changes.empty());
}

TEST_CASE("preflight: overlay is seen in /proc/filesystems, or under /sys/module on a machine") {
  ScratchDir root;
  healthy(root);
  root.write("proc/filesystems", "nodev\tproc\n\text4\n");
  kc::Host host(root.path());
  auto missing = kc::node::run_preflight_checks(host, leader_options(), {});
  REQUIRE(missing.ok());
  CHECK(names(*missing) == std::vector<std::string>{"KernelModule-overlay"});
  root.write("sys/module/overlay/refcnt", "0\n");
  auto machine = kc::node::run_preflight_checks(host, leader_options(), {});
  REQUIRE(machine.ok());
  CHECK(machine->empty());
}
