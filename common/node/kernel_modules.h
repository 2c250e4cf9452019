// The kernel modules every node needs, and how kc sees that the running kernel has one (loaded
// or built in). The evidence is in /proc, which a container (systemd-nspawn) shows of its kernel
// as a machine does, where /sys/module is hidden: overlay registers its filesystem type in
// /proc/filesystems, br_netfilter its sysctls under /proc/sys/net/bridge/.
#pragma once

#include <string>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc::node {

// "overlay", "br_netfilter": the order of /etc/modules-load.d/kc.conf and of the checks.
const std::vector<std::string>& kernel_modules();

// True when the running kernel has `module` now (what /proc shows of it); false when it has
// not, or when `module` is not one of kernel_modules().
Result<bool> module_in_kernel(const Host& host, const std::string& module);

}  // namespace kc::node
