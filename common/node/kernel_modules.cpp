#include "common/node/kernel_modules.h"

#include <sstream>

namespace kc::node {
namespace {

// /proc/filesystems lists one type a line, "nodev\toverlay" for a virtual one.
Result<bool> filesystem_registered(const Host& host, const std::string& type) {
  auto text = host.read_file("/proc/filesystems");
  if (!text) return std::move(text).error();
  std::istringstream lines(text->value_or(""));
  for (std::string line; std::getline(lines, line);) {
    const size_t start = line.find_last_of(" \t");
    if (line.substr(start == std::string::npos ? 0 : start + 1) == type) return true;
  }
  return false;
}

Result<bool> exists(const Host& host, const std::string& path) {
  auto entry = host.lstat(path);
  if (!entry) return std::move(entry).error();
  return entry->has_value();
}

}  // namespace

const std::vector<std::string>& kernel_modules() {
  static const std::vector<std::string> modules{"overlay", "br_netfilter"};
  return modules;
}

Result<bool> module_in_kernel(const Host& host, const std::string& module) {
  if (module == "overlay") return filesystem_registered(host, "overlay");
  // The table br_netfilter registers in /proc/sys/net/bridge/ (the bridge module alone has none).
  if (module == "br_netfilter") {
    return exists(host, "/proc/sys/net/bridge/bridge-nf-call-iptables");
  }
  return false;
}

}  // namespace kc::node
