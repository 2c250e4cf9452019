#include "common/storage/storage_units.h"

#include <fmt/format.h>

#include <cctype>

#include "common/storage/decision.h"

namespace kc::storage {
namespace {

// The mounts are started by kc-storage.service (kc-worker storage), never by systemd on its
// own at boot: on a boot after a stop/start the disks are blank until kc made the filesystem.
// Their [Install] names a target nothing pulls in, so "enabled" means only "installed by kc".
constexpr const char* kTarget = "kc-ephemeral.target";
constexpr const char* kOrder = "Before=containerd.service kubelet.service\n";

}  // namespace

const std::vector<BindMount>& bind_mounts() {
  static const std::vector<BindMount> mounts{
      {std::string(kMountPoint) + "/containerd", "/var/lib/containerd"},
      {std::string(kMountPoint) + "/kubelet", "/var/lib/kubelet"},
      {std::string(kMountPoint) + "/pods", "/var/log/pods"},
  };
  return mounts;
}

std::string escape_unit_path(const std::string& path) {
  const auto b = path.find_first_not_of('/');
  if (b == std::string::npos) return "-";
  const auto e = path.find_last_not_of('/');
  const std::string p = path.substr(b, e - b + 1);
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '/') {
      out += '-';
    } else if (std::isalnum(c) || c == '_' || c == ':' || (c == '.' && i > 0)) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

std::string mount_unit_name(const std::string& path) {
  return escape_unit_path(path) + ".mount";
}

UnitSpec filesystem_mount_unit() {
  const std::string name = mount_unit_name(kMountPoint);
  const std::string unit = fmt::format(
      "# Written by kc (kc-worker storage). kc-storage.service starts it at every boot.\n"
      "[Unit]\n"
      "Description=kc: the instance-store filesystem (label {label})\n"
      "{order}\n"
      "[Mount]\n"
      "What=LABEL={label}\n"
      "Where={where}\n"
      "Options=noatime\n\n"
      "[Install]\n"
      "WantedBy={target}\n",
      fmt::arg("label", kLabel), fmt::arg("order", kOrder), fmt::arg("where", kMountPoint),
      fmt::arg("target", kTarget));
  const std::string target = fmt::format(
      "# Written by kc: the instance-store mounts. kc-storage.service starts them at every boot,\n"
      "# once the disks are ready; nothing else pulls this target in.\n"
      "[Unit]\n"
      "Description=kc: the instance-store mounts\n");
  return UnitSpec{name, {{name, unit}, {kTarget, target}}, true};
}

std::vector<UnitSpec> bind_mount_units(const StorageOptions& options) {
  std::vector<UnitSpec> specs;
  const std::string filesystem = mount_unit_name(kMountPoint);
  for (const BindMount& m : bind_mounts()) {
    const std::string name = mount_unit_name(m.target);
    const std::string unit = fmt::format(
        "# Written by kc (kc-worker storage). kc-storage.service starts it at every boot.\n"
        "[Unit]\n"
        "Description=kc: {target} on the instance store\n"
        "Requires={filesystem}\n"
        "After={filesystem}\n"
        "{order}\n"
        "[Mount]\n"
        "What={source}\n"
        "Where={target}\n"
        "Type=none\n"
        "Options=bind\n\n"
        "[Install]\n"
        "WantedBy={wanted}\n",
        fmt::arg("target", m.target), fmt::arg("filesystem", filesystem), fmt::arg("order", kOrder),
        fmt::arg("source", m.source), fmt::arg("wanted", kTarget));
    specs.push_back(UnitSpec{name, {{name, unit}}, true});
  }
  specs.push_back(UnitSpec{
      "kc-storage.service", {{"kc-storage.service", storage_service_unit(options)}}, false});
  return specs;
}

std::string storage_service_unit(const StorageOptions& options) {
  std::string exec = options.program + " storage --ephemeral-fs " + options.filesystem;
  for (const std::string& d : options.devices) exec += " --ephemeral-device " + d;
  return fmt::format(
      "# Written by kc (kc-worker storage).\n"
      "[Unit]\n"
      "Description=kc: instance-store disks (RAID0, filesystem) and their mounts\n"
      "Wants=network-online.target\n"
      "After=network-online.target\n"
      "Before=containerd.service kubelet.service kc-worker.service\n\n"
      "[Service]\n"
      "Type=oneshot\n"
      "RemainAfterExit=yes\n"
      "ExecStart={exec}\n\n"
      "[Install]\n"
      "WantedBy=multi-user.target\n",
      fmt::arg("exec", exec));
}

}  // namespace kc::storage
