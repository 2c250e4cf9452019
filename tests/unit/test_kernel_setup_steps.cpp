#include "common/node/kernel_setup_steps.h"

#include <doctest/doctest.h>

#include "scratch_dir.h"

TEST_CASE("kernel modules: persisted in modules-load.d; a missing one is loaded with modprobe") {
  ScratchDir root;
  root.write("proc/filesystems", "nodev\toverlay\n");
  kc::Host host(root.path());
  std::vector<std::vector<std::string>> ran;
  kc::node::KernelModulesStep step(
      [&](const kc::ProcessSpec& spec) -> kc::Result<kc::ProcessResult> {
        ran.push_back(spec.argv);
        kc::ProcessResult r;
        r.exit_code = 0;
        return r;
      });
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 2);
  CHECK(findings->changes[0].describe(false) == "write /etc/modules-load.d/kc.conf (new)");
  CHECK(findings->changes[1].describe(false) == "run modprobe br_netfilter (not loaded)");
  // Under a scratch root the kernel is not kc's: the file is written, the load refused.
  auto applied = step.apply(context, findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().where == "br_netfilter");
  CHECK(root.read("etc/modules-load.d/kc.conf").find("overlay\nbr_netfilter\n") !=
        std::string::npos);
  CHECK(ran.empty());

  root.write("proc/sys/net/bridge/bridge-nf-call-iptables", "1\n");
  auto again = step.check(context);
  REQUIRE(again.ok());
  CHECK(again->changes.empty());
}

TEST_CASE("sysctls: the wrong value is set in /proc/sys and persisted; IPv6 only with IPv6") {
  ScratchDir root;
  root.write("proc/sys/net/bridge/bridge-nf-call-iptables", "1\n");
  root.write("proc/sys/net/ipv4/ip_forward", "0\n");
  root.write("proc/sys/net/ipv6/conf/all/forwarding", "0\n");
  kc::Host host(root.path());
  auto identity = std::make_shared<kc::aws::ResolvedIdentity>();
  kc::node::SysctlStep step(identity);
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 2);
  CHECK(findings->changes[0].describe(false) == "write /etc/sysctl.d/90-kc.conf (new)");
  CHECK(findings->changes[1].describe(false) ==
        "write /proc/sys/net/ipv4/ip_forward (net.ipv4.ip_forward = 1, was 0)");
  REQUIRE(step.apply(context, findings->changes).ok());
  CHECK(root.read("proc/sys/net/ipv4/ip_forward") == "1\n");
  CHECK(root.read("etc/sysctl.d/90-kc.conf").find("net.ipv4.ip_forward = 1\n") !=
        std::string::npos);
  CHECK(root.read("etc/sysctl.d/90-kc.conf").find("ipv6") == std::string::npos);
  auto settled = step.check(context);
  REQUIRE(settled.ok());
  CHECK(settled->changes.empty());

  identity->identity = kc::aws::NodeIdentity{};
  identity->identity->ipv6_addresses = {"2600:1f18::10"};
  auto with_ipv6 = step.check(context);
  REQUIRE(with_ipv6.ok());
  REQUIRE(with_ipv6->changes.size() == 2);
  CHECK(with_ipv6->changes[1].object == "/proc/sys/net/ipv6/conf/all/forwarding");
}

TEST_CASE(
    "sysctls: a bridge sysctl absent before br_netfilter is loaded is planned, not an error") {
  ScratchDir root;
  root.write("proc/sys/net/ipv4/ip_forward", "1\n");
  kc::Host host(root.path());
  kc::node::SysctlStep step(nullptr);
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 2);
  CHECK(findings->changes[1].detail.find("not there yet") != std::string::npos);
  // Still absent when applied: the error names the file.
  auto applied = step.apply(context, findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().where.find("bridge-nf-call-iptables") != std::string::npos);
}
