#include "common/cli/storage_flags.h"

namespace kc::cli {

void add_storage_flags(CLI::App* command, storage::StorageOptions& o, bool with_switch) {
  if (with_switch) {
    command
        ->add_option("--ephemeral-storage", o.enabled,
                     "Put containerd's and kubelet's data on the instance-store disks, if any")
        ->type_name("on|off")
        ->default_str(o.enabled ? "on" : "off");
  }
  command
      ->add_option("--ephemeral-fs", o.filesystem,
                   "Filesystem kc makes on the instance-store disks")
      ->capture_default_str()
      ->check(CLI::IsMember({"ext4", "xfs"}));
  command
      ->add_option("--ephemeral-device", o.devices,
                   "Use this disk instead of discovering the instance store; repeatable (a "
                   "device of this machine, not under --root)")
      ->type_name("DEVICE")
      ->check([](const std::string& v) {
        auto ok = storage::check_storage_options({true, "ext4", {v}});
        return ok ? std::string() : ok.error().message();
      });
}

}  // namespace kc::cli
