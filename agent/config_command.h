// "kc-leader config kubeadm": prints the exact kubeadm configuration init would write to
// /etc/kc/kubeadm-init.yaml, from the same flags and --config (under "config": {"kubeadm": {...}})
// and the node identity (flags, then IMDS). Secrets are "<redacted>" unless --show-secrets.
#pragma once

#include "agent/leader_config.h"
#include "common/cli/cli.h"

namespace kc::leader {

struct ConfigKubeadmOptions {
  InitOptions init;
  bool show_secrets = false;
};

// Adds "config" with its subcommand "kubeadm"; returns the "kubeadm" subcommand.
CLI::App* add_config_command(CLI::App& app, ConfigKubeadmOptions& options);

// Prints the YAML to stdout; exit 2 for a bad flag value, 1 when the identity is not known.
int run_config_kubeadm_command(const ConfigKubeadmOptions& options,
                               const cli::GlobalOptions& global);

}  // namespace kc::leader
