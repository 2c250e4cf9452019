#include "bootstrap/join_command.h"

#include "bootstrap/join_plan.h"
#include "common/cli/asset_flags.h"
#include "common/cli/identity_flags.h"
#include "common/cli/plan_command.h"
#include "common/cli/usage.h"

namespace kc::worker {

CLI::App* add_install_command(CLI::App& app, AssetOptions& assets) {
  CLI::App* command = cli::add_command(
      app, "install", "Install verified kubeadm, kubelet, kubectl, crictl and CNI plugins");
  cli::add_asset_flags(command, assets);
  return command;
}

int run_install_command(const AssetOptions& assets, const cli::GlobalOptions& global) {
  Plan plan = make_install_plan(assets);
  return run_plan_command("kc-worker install", plan, global);
}

CLI::App* add_join_command(CLI::App& app, JoinOptions& o) {
  CLI::App* command =
      cli::add_command(app, "join", "Install the node binaries and join the cluster");
  cli::add_asset_flags(command, o.assets);
  command->add_option("--api-server", o.api_server, "Control-plane endpoint, HOST:PORT")
      ->type_name("HOST:PORT");
  command->add_option("--token", o.token, "Bootstrap token (never logged)")->type_name("TOKEN");
  command
      ->add_option("--discovery-token-ca-cert-hash", o.ca_cert_hash,
                   "sha256:HEX of the cluster CA's public key")
      ->type_name("sha256:HEX");
  cli::add_identity_flags(command, o.identity);
  cli::add_preflight_flags(command, o.ignore_preflight_errors);
  return command;
}

int run_join_command(const JoinOptions& options, const cli::GlobalOptions& global) {
  auto config = resolve_worker_config(options);
  if (!config) return cli::usage_error("kc-worker", config.error());
  Plan plan = make_join_plan(*config);
  return run_plan_command("kc-worker join", plan, global);
}

}  // namespace kc::worker
