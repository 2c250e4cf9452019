#include "agent/config_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "agent/init_command.h"
#include "agent/kubeadm_init_config.h"
#include "common/aws/identity_step.h"
#include "common/cli/usage.h"
#include "common/core/exit_codes.h"

namespace kc::leader {

CLI::App* add_config_command(CLI::App& app, ConfigKubeadmOptions& o) {
  CLI::App* config = cli::add_command(app, "config", "Print the configuration files init writes");
  config->require_subcommand(1);
  CLI::App* kubeadm = cli::add_command(*config, "kubeadm",
                                       "Print the kubeadm configuration (v1beta4) init would use");
  add_init_flags(kubeadm, o.init);
  kubeadm->add_flag("--show-secrets", o.show_secrets,
                    "Print bootstrap tokens instead of <redacted>");
  return kubeadm;
}

int run_config_kubeadm_command(const ConfigKubeadmOptions& o, const cli::GlobalOptions&) {
  auto config = resolve_leader_config(o.init);
  if (!config) return cli::usage_error("kc-leader", config.error());
  auto identity = aws::resolve_node_identity(config->identity);
  if (!identity) {
    spdlog::error("kc-leader config kubeadm: {}", identity.error().message());
    return exit_code::failed;
  }
  if (!identity->node_name_note.empty()) spdlog::warn("{}", identity->node_name_note);
  fmt::print("{}", leader_init_yaml(*config, *identity, {o.show_secrets}));
  std::fflush(stdout);
  return exit_code::ok;
}

}  // namespace kc::leader
