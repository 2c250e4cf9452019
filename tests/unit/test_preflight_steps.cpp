#include "common/node/preflight_steps.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>

#include "scratch_dir.h"

TEST_CASE("preflight steps: the checks, then containerd, kernel modules, sysctls") {
  kc::node::PreflightOptions options;
  options.ports = kc::node::worker_ports();
  auto steps = kc::node::preflight_steps(options, std::make_shared<kc::aws::ResolvedIdentity>());
  REQUIRE(steps.size() == 4);
  CHECK(steps[1]->describe().find("containerd") != std::string::npos);
  CHECK(steps[2]->describe().find("kernel modules") != std::string::npos);
  CHECK(steps[3]->describe().find("sysctls") != std::string::npos);
}

TEST_CASE("preflight steps: a failed check stops the phase before it changes the host") {
  ScratchDir root;
  root.write("proc/filesystems", "nodev\tproc\nnodev\toverlay\n");
  root.write("proc/sys/net/bridge/bridge-nf-call-iptables", "0\n");
  root.write("proc/swaps",
             "Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1024 0 -2\n");  // swap on
  root.write("proc/net/tcp", "");
  root.write("proc/net/tcp6", "");
  root.write("usr/lib/systemd/system/containerd.service", "[Service]\n");
  kc::node::PreflightOptions options;
  options.ports = kc::node::worker_ports();
  kc::Plan plan;
  plan.push_back(
      kc::Phase{"preflight",
                kc::node::preflight_steps(options, std::make_shared<kc::aws::ResolvedIdentity>())});
  kc::Host host(root.path());
  std::FILE* sink = std::tmpfile();
  REQUIRE(sink != nullptr);
  auto report = kc::execute(plan, kc::StepContext(host, false), sink);
  std::fclose(sink);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().message().find("[Swap]") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(root / "etc/modules-load.d/kc.conf"));
  CHECK_FALSE(std::filesystem::exists(root / "etc/sysctl.d/90-kc.conf"));
}
