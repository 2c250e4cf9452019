#include "bootstrap/join_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "bootstrap/join_configuration.h"
#include "bootstrap/join_plan.h"
#include "bootstrap/phase_timer.h"
#include "common/assets/asset_prefetch.h"
#include "common/cli/asset_flags.h"
#include "common/cli/identity_flags.h"
#include "common/cli/path_flags.h"
#include "common/cli/plan_command.h"
#include "common/cli/storage_flags.h"
#include "common/cli/usage.h"
#include "common/core/exit_codes.h"
#include "common/core/log.h"
#include "common/systemd/sd_notify.h"

namespace kc::worker {
namespace {

void add_join_flags(CLI::App* command, JoinOptions& o) {
  cli::add_asset_flags(command, o.assets);
  command->add_flag("--with-kubectl", o.with_kubectl,
                    "Install kubectl too (a worker does not need it; not installed by default)");
  command->add_option("--api-server", o.api_server, "Control-plane endpoint, HOST:PORT")
      ->type_name("HOST:PORT");
  command
      ->add_option("--token", o.token,
                   "Bootstrap token, for interactive use only: a command line is visible to "
                   "every process (/proc/PID/cmdline); prefer --token-file (never logged)")
      ->type_name("TOKEN");
  cli::add_operator_file_option(command, "--token-file", o.token_file,
                                "File holding the bootstrap token (mode 0600)");
  command
      ->add_option("--discovery-token-ca-cert-hash", o.ca_cert_hash,
                   "sha256:HEX of the cluster CA's public key")
      ->type_name("sha256:HEX");
  cli::add_host_path_option(command, "--join-file", o.join_file,
                            "Join file written by the worker user data (default "
                            "/etc/kc/join.json), used when the three flags above are not given");
  command
      ->add_option("--join-timeout", o.join_timeout,
                   "How long to wait for an unreachable API server before failing (exit 1; "
                   "kc-worker.service then tries again)")
      ->capture_default_str()
      ->type_name("DURATION");
  cli::add_identity_flags(command, o.identity);
  cli::add_preflight_flags(command, o.ignore_preflight_errors);
  cli::add_storage_flags(command, o.storage, true);
  // --kubernetes-version given (on the command line or in --config) wins over the join file's.
  command->callback([command, &o] {
    o.kubernetes_version_given = command->get_option("--kubernetes-version")->count() > 0;
  });
}

// The resolved configuration, the join file read; exit code when it could not be made.
Result<WorkerConfig> resolve(const JoinOptions& options, const cli::GlobalOptions& global,
                             int& exit_code) {
  auto config = resolve_worker_config(options);
  if (!config) {
    exit_code = exit_code::usage;
    return config;
  }
  Host host(global.root);
  if (auto loaded = load_join_data(*config, options, host); !loaded) {
    exit_code = exit_code::failed;
    return std::move(loaded).error();
  }
  return config;
}

std::string node_name(const JoinOutcome& outcome) {
  if (!outcome.node_name.empty()) return outcome.node_name;
  char name[256] = {0};
  if (gethostname(name, sizeof name - 1) == 0 && name[0] != 0) return name;
  return "this node";
}

std::string outcome_text(const JoinOutcome& outcome, bool dry_run, int exit) {
  if (exit == exit_code::locked) return "not run (another kc holds the lock)";
  if (exit != exit_code::ok) {
    return outcome.attempts > 0
               ? fmt::format("failed to join after {} attempt(s)", outcome.attempts)
               : std::string("failed");
  }
  switch (outcome.state) {
    case JoinOutcome::State::joined:
      return "joined";
    case JoinOutcome::State::already_joined:
      return "already joined";
    case JoinOutcome::State::planned:
      return dry_run ? "would join" : "not joined";
    case JoinOutcome::State::failed:
      return "failed to join";
  }
  return "unknown";
}

}  // namespace

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
  add_join_flags(command, o);
  return command;
}

int run_join_command(const JoinOptions& options, const cli::GlobalOptions& global) {
  int exit = exit_code::ok;
  auto config = resolve(options, global, exit);
  const Notifier notifier = Notifier::from_environment();
  if (!config) {
    if (exit == exit_code::usage) return cli::usage_error("kc-worker", config.error());
    const std::string message = "kc-worker join: " + config.error().message();
    spdlog::error("{}", message);
    (void)notifier.status(message);
    return exit;
  }
  auto outcome = std::make_shared<JoinOutcome>();
  (void)notifier.status(
      fmt::format("joining {} (API server {})", node_name(*outcome), config->join.api_server));
  Plan plan = make_join_plan(*config, outcome);
  StreamReporter stream(stdout);
  PhaseTimer timer(stream);
  // The downloads start with the run and overlap join-data, identity, storage and preflight.
  const PlanCompanion downloads{[&plan](const StepContext& c) { start_prefetch(plan, c); },
                                [&plan] { stop_prefetch(plan); }};
  exit = run_plan_command("kc-worker join", plan, global, &timer, false, downloads);
  const std::string status = fmt::format("{} {}, API server {} ({})", node_name(*outcome),
                                         outcome_text(*outcome, global.dry_run, exit),
                                         config->join.api_server, timer.summary());
  timer.line("", "kc-worker join: " + status);
  std::fflush(stdout);
  (void)notifier.status(status);
  return exit;
}

CLI::App* add_config_command(CLI::App& app, ConfigOptions& o) {
  CLI::App* config = cli::add_command(app, "config", "Print the files kc-worker join writes");
  config->require_subcommand(1);
  CLI::App* kubeadm = cli::add_command(
      *config, "kubeadm", "Print the kubeadm JoinConfiguration of /etc/kc/kubeadm-join.yaml");
  add_join_flags(kubeadm, o.join);
  kubeadm->add_flag("--show-secrets", o.show_secrets,
                    "Print the bootstrap token instead of <redacted>");
  return kubeadm;
}

int run_config_command(const ConfigOptions& options, const cli::GlobalOptions& global) {
  int exit = exit_code::ok;
  auto config = resolve(options.join, global, exit);
  if (!config) {
    if (exit == exit_code::usage) return cli::usage_error("kc-worker", config.error());
    spdlog::error("kc-worker config kubeadm: {}", config.error().message());
    return exit;
  }
  // IMDS is not asked here: the node name and its kubelet flags are those of the identity flags
  // when they give all of it; `kc-worker join --dry-run` shows the file with IMDS asked.
  std::optional<aws::NodeIdentity> identity;
  if (config->identity.complete()) {
    auto resolved = aws::resolve_identity(config->identity, nullptr);
    if (!resolved) return cli::usage_error("kc-worker", resolved.error());
    identity = *resolved;
  }
  std::fputs(join_configuration_yaml(*config, identity, options.show_secrets).c_str(), stdout);
  return exit_code::ok;
}

}  // namespace kc::worker
