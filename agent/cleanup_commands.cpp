#include "agent/cleanup_commands.h"

#include "agent/cleanup_rule.h"
#include "common/cli/path_flags.h"
#include "common/cli/plan_command.h"

namespace kc::cleanup {
namespace {

std::string duration_check(const std::string& v) {
  return parse_duration(v)
             ? std::string()
             : "expected a duration such as 0, 30s, 5m or 1h30m (at most 8784h), got '" + v + "'";
}

}  // namespace

CLI::App* add_cleanup_command(CLI::App& app, CleanupOptions& o) {
  CLI::App* cmd = cli::add_command(
      app, "cleanup",
      "Delete Node objects of instances the cluster autoscaler scaled away (the kc-cleanup "
      "daemon)");
  cli::add_host_path_option(cmd, "--kubeconfig", o.kubeconfig,
                            "Kubeconfig with a client certificate (YAML or JSON)")
      ->capture_default_str();
  cmd->add_option("--context", o.context, "Kubeconfig context (default: its current-context)");
  cmd->add_option("--server", o.server, "API server URL (flag form, instead of --kubeconfig)")
      ->type_name("URL");
  cli::add_host_path_option(cmd, "--certificate-authority", o.certificate_authority,
                            "PEM CA of the API server");
  cli::add_host_path_option(cmd, "--client-certificate", o.client_certificate,
                            "PEM client certificate");
  cli::add_host_path_option(cmd, "--client-key", o.client_key, "PEM client key");
  cmd->add_option("--grace", o.grace, "How long Ready must have been Unknown before deletion")
      ->capture_default_str()
      ->check(duration_check)
      ->type_name("DURATION");
  cmd->add_option("--max-deletions", o.max_deletions, "At most this many deletions per sweep")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000}));
  cmd->add_option("--interval", o.interval, "Periodic sweep interval (sweeps also follow events)")
      ->capture_default_str()
      ->check(duration_check)
      ->type_name("DURATION");
  cmd->add_option("--resync", o.resync, "List all nodes again this often")
      ->capture_default_str()
      ->check(duration_check)
      ->type_name("DURATION");
  cmd->add_option("--backoff-max", o.backoff_max, "Longest wait between retries")
      ->capture_default_str()
      ->check(duration_check)
      ->type_name("DURATION");
  cmd->add_option("--request-timeout", o.request_timeout,
                  "Give up on a list page or delete after this")
      ->capture_default_str()
      ->check(duration_check)
      ->type_name("DURATION");
  cmd->add_option("--page-size", o.page_size, "Nodes per list page (limit)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10000}));
  cmd->add_flag("--compressed-lists", o.compressed_lists,
                "Ask for gzip-compressed list pages (an API server across a slow link)");
  cmd->add_flag("--once", o.once, "Do one sweep and exit (1 if it failed)");
  return cmd;
}

int run_cleanup_command(const CleanupOptions& options, const cli::GlobalOptions& global) {
  return run_cleanup(options, global.root, global.dry_run);
}

CLI::App* add_credentials_command(CLI::App& app, CredentialsOptions& o) {
  CLI::App* cmd = cli::add_command(
      app, "cleanup-credentials",
      "Create kc-cleanup's key, client certificate (signed by the cluster CA), kubeconfig and RBAC "
      "manifest");
  cmd->add_option("--server", o.server, "API server URL (default: the one in admin.conf)")
      ->type_name("URL");
  cli::add_host_path_option(cmd, "--ca-cert", o.ca_cert, "Cluster CA certificate")
      ->capture_default_str();
  cli::add_host_path_option(cmd, "--ca-key", o.ca_key, "Cluster CA key")->capture_default_str();
  cli::add_host_path_option(cmd, "--kubeconfig", o.kubeconfig,
                            "Where to write kc-cleanup's kubeconfig")
      ->capture_default_str();
  cli::add_host_path_option(
      cmd, "--admin-kubeconfig", o.admin_kubeconfig,
      "Kubeconfig allowed to manage RBAC (applies the manifest; server default)")
      ->capture_default_str();
  cli::add_host_path_option(cmd, "--rbac-manifest", o.rbac_manifest,
                            "Where to write the RBAC manifest")
      ->capture_default_str();
  cmd->add_option("--valid-days", o.valid_days, "Certificate lifetime")
      ->capture_default_str()
      ->check(CLI::Range(2, 3650));
  cmd->add_option("--renew-days", o.renew_days, "Renew when it expires within this many days")
      ->capture_default_str()
      ->check(CLI::Range(1, 3649));
  return cmd;
}

int run_credentials_command(const CredentialsOptions& options, const cli::GlobalOptions& global) {
  Plan plan = make_credentials_plan(options);
  return run_plan_command("kc-leader cleanup-credentials", plan, global);
}

}  // namespace kc::cleanup
