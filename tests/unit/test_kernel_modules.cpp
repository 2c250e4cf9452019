#include "common/node/kernel_modules.h"

#include <doctest/doctest.h>

#include "scratch_dir.h"

namespace {

bool in_kernel(const ScratchDir& root, const std::string& module) {
  kc::Host host(root.path());
  auto found = kc::node::module_in_kernel(host, module);
  REQUIRE_MESSAGE(found.ok(), found.error().message());
  return *found;
}

// /proc/filesystems as a Debian kernel shows it, with or without overlay registered.
std::string filesystems(bool overlay) {
  return std::string("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n\text4\n") +
         (overlay ? "nodev\toverlay\n" : "") + "\tvfat\n";
}

}  // namespace

TEST_CASE("kernel modules: overlay and br_netfilter, in the order of modules-load.d") {
  CHECK(kc::node::kernel_modules() == std::vector<std::string>{"overlay", "br_netfilter"});
}

TEST_CASE("overlay: in the kernel when /proc/filesystems lists it, /sys/module hidden") {
  ScratchDir root;
  CHECK_FALSE(in_kernel(root, "overlay"));  // no /proc/filesystems at all
  root.write("proc/filesystems", filesystems(false));
  CHECK_FALSE(in_kernel(root, "overlay"));
  root.write("proc/filesystems", "nodev\toverlayfs-not\n\toverlay2\n");
  CHECK_FALSE(in_kernel(root, "overlay"));  // whole names only
  root.write("proc/filesystems", filesystems(true));
  CHECK(in_kernel(root, "overlay"));
  CHECK_FALSE(std::filesystem::exists(root / "sys/module"));  // as nspawn shows it
}

TEST_CASE("br_netfilter: in the kernel when its sysctls are under /proc/sys/net/bridge/") {
  ScratchDir root;
  CHECK_FALSE(in_kernel(root, "br_netfilter"));
  std::filesystem::create_directories(root / "proc/sys/net/bridge");
  CHECK_FALSE(in_kernel(root, "br_netfilter"));  // an empty directory: the table is not there
  root.write("proc/sys/net/bridge/bridge-nf-call-iptables", "1\n");
  CHECK(in_kernel(root, "br_netfilter"));
  root.write("proc/filesystems", filesystems(true));
  CHECK_FALSE(in_kernel(root, "bridge"));  // not a module kc checks
}
