// The systemd unit files in units/, embedded into the binaries at build time.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace kc {

struct EmbeddedFile {
  std::string_view
      name;  // path relative to /etc/systemd/system: "kubelet.service.d/10-kubeadm.conf"
  std::string_view content;
};

std::span<const EmbeddedFile> embedded_units();
std::optional<std::string_view> embedded_unit(std::string_view name);

}  // namespace kc
