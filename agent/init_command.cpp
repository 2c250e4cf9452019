#include "agent/init_command.h"

#include "agent/init_plan.h"
#include "agent/join_commands.h"
#include "common/cli/asset_flags.h"
#include "common/cli/plan_command.h"
#include "common/cli/usage.h"

namespace kc::leader {

CLI::App* add_init_command(CLI::App& app, InitOptions& o) {
  CLI::App* command =
      cli::add_command(app, "init", "Set up the leader (see the plan with --dry-run)");
  cli::add_asset_flags(command, o.assets);
  command->add_option("--cluster-name", o.cluster_name, "Cluster name (ASG auto-discovery tag)")
      ->capture_default_str();
  command->add_option("--pod-subnet", o.pod_subnet, "CIDR block of the pod network")
      ->capture_default_str()
      ->type_name("CIDR");
  command->add_option("--service-subnet", o.service_subnet, "CIDR block of the service IPs")
      ->capture_default_str()
      ->type_name("CIDR");
  add_worker_join_flags(command, o.join);
  return command;
}

int run_init_command(const InitOptions& options, const cli::GlobalOptions& global) {
  auto config = resolve_leader_config(options);
  if (!config) return cli::usage_error("kc-leader", config.error());
  Plan plan = make_init_plan(*config);
  const int code = run_plan_command("kc-leader init", plan, global);
  return code == 0 && !global.dry_run ? print_init_user_data(global) : code;
}

}  // namespace kc::leader
