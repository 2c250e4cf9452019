// The kubeadm token stand-in (tests/standins/kubeadm/token.py) installed as /opt/bin/kubeadm
// under a scratch root, with an admin.conf beside it, for tests of what runs kubeadm token.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "scratch_dir.h"

inline std::filesystem::path kubeadm_token_standin() {
  // meson test sets KC_SOURCE_ROOT; run by hand, __FILE__ is relative to the build directory.
  if (const char* root = std::getenv("KC_SOURCE_ROOT")) {
    return std::filesystem::path(root) / "tests/standins/kubeadm/token.py";
  }
  std::filesystem::path source(__FILE__);
  if (source.is_relative()) {
    source = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  }
  return source.parent_path().parent_path() / "standins/kubeadm/token.py";
}

// Installs ROOT/opt/bin/kubeadm (a dispatcher to token.py) and ROOT/etc/kubernetes/admin.conf
// naming `server`. The stand-in keeps its state in ROOT/etc/kubernetes/kubeadm-standin/.
inline void install_kubeadm_standin(const ScratchDir& root,
                                    const std::string& server = "https://10.0.0.10:6443") {
  root.write("opt/bin/kubeadm",
             "#!/bin/sh\nexec /usr/bin/python3 " + kubeadm_token_standin().string() + " \"$@\"\n");
  std::filesystem::permissions(root / "opt/bin/kubeadm", std::filesystem::perms(0755));
  root.write("etc/kubernetes/admin.conf",
             "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n"
             "    server: " +
                 server + "\n    certificate-authority-data: AAAA\n");
}
