#include "agent/init_command.h"

#include "agent/init_plan.h"
#include "agent/join_commands.h"
#include "common/assets/asset_prefetch.h"
#include "common/cli/asset_flags.h"
#include "common/cli/identity_flags.h"
#include "common/cli/plan_command.h"
#include "common/cli/storage_flags.h"
#include "common/cli/usage.h"

namespace kc::leader {

void add_init_flags(CLI::App* command, InitOptions& o) {
  cli::add_asset_flags(command, o.assets);
  command->add_option("--cluster-name", o.cluster_name, "Cluster name (ASG auto-discovery tag)")
      ->capture_default_str();
  command->add_option("--pod-subnet", o.pod_subnet, "CIDR block of the pod network")
      ->capture_default_str()
      ->type_name("CIDR");
  command->add_option("--service-subnet", o.service_subnet, "CIDR block of the service IPs")
      ->capture_default_str()
      ->type_name("CIDR");
  command
      ->add_option("--control-plane-endpoint", o.control_plane_endpoint,
                   "Stable HOST[:PORT] of the API server (default: the private DNS name:6443)")
      ->type_name("HOST[:PORT]");
  command
      ->add_option("--apiserver-cert-extra-sans", o.apiserver_cert_extra_sans,
                   "More names or IPs for the API server certificate")
      ->delimiter(',')
      ->type_name("NAME,...");
  command
      ->add_option("--kubeconfig-user", o.kubeconfig_user,
                   "Whose ~/.kube/config gets admin.conf (default: $SUDO_USER, else core)")
      ->type_name("USER");
  command
      ->add_option("--kubeadm-timeout", o.kubeadm_timeout_seconds,
                   "Seconds kubeadm init may take in all")
      ->capture_default_str()
      ->type_name("SECONDS");
  cli::add_identity_flags(command, o.identity);
  cli::add_preflight_flags(command, o.ignore_preflight_errors);
  add_worker_join_flags(command, o.join);
  cli::add_storage_flags(command, o.storage, true);
}

CLI::App* add_init_command(CLI::App& app, InitOptions& o) {
  CLI::App* command =
      cli::add_command(app, "init", "Set up the leader (see the plan with --dry-run)");
  add_init_flags(command, o);
  return command;
}

int run_init_command(const InitOptions& options, const cli::GlobalOptions& global) {
  auto config = resolve_leader_config(options);
  if (!config) return cli::usage_error("kc-leader", config.error());
  Plan plan = make_init_plan(*config);
  // The downloads start with the run and overlap identity, storage and preflight.
  const PlanCompanion downloads{[&plan](const StepContext& c) { start_prefetch(plan, c); },
                                [&plan] { stop_prefetch(plan); }};
  const int code = run_plan_command("kc-leader init", plan, global, nullptr, true, downloads);
  return code == 0 && !global.dry_run ? print_init_user_data(global) : code;
}

}  // namespace kc::leader
