// kc-worker: runs at every boot of a worker instance and joins it to the cluster.
#include <regex>

#include "bootstrap/join_plan.h"
#include "common/cli/asset_flags.h"
#include "common/cli/cli.h"
#include "common/cli/fetch_command.h"
#include "common/cli/plan_command.h"

int main(int argc, char** argv) {
  using namespace kc;
  cli::GlobalOptions global;
  auto app = cli::make_app(
      "kc-worker",
      "kc-worker installs the Kubernetes node binaries on a Flatcar Linux EC2 instance and joins "
      "it to the cluster. It runs at every boot; running it again is always safe.",
      global);

  worker::JoinOptions join;
  std::string token;

  CLI::App* install_cmd = cli::add_command(
      *app, "install", "Install verified kubeadm, kubelet, kubectl, crictl and CNI plugins");
  cli::add_asset_flags(install_cmd, join.assets);

  CLI::App* join_cmd =
      cli::add_command(*app, "join", "Install the node binaries and join the cluster");
  cli::add_asset_flags(join_cmd, join.assets);
  join_cmd->add_option("--api-server", join.api_server, "Control-plane endpoint, HOST:PORT")
      ->type_name("HOST:PORT");
  join_cmd->add_option("--token", token, "Bootstrap token (never logged)")
      ->type_name("TOKEN")
      ->check([](const std::string& v) {
        static const std::regex format("[a-z0-9]{6}\\.[a-z0-9]{16}");
        return std::regex_match(v, format) ? std::string()
                                           : "expected a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}";
      });
  join_cmd
      ->add_option("--discovery-token-ca-cert-hash", join.ca_cert_hash,
                   "sha256:HEX of the cluster CA's public key")
      ->type_name("sha256:HEX")
      ->check([](const std::string& v) {
        static const std::regex format("sha256:[0-9a-f]{64}");
        return std::regex_match(v, format) ? std::string() : "expected sha256:<64 hex digits>";
      });

  FetchOptions fetch;
  CLI::App* fetch_cmd = add_fetch_command(*app, fetch);

  return cli::run(*app, global,
                  {
                      {install_cmd,
                       [&] {
                         Plan plan = worker::make_install_plan(join);
                         return run_plan_command("kc-worker install", plan, global);
                       }},
                      {join_cmd,
                       [&] {
                         join.token = Secret(token);
                         Plan plan = worker::make_join_plan(join);
                         return run_plan_command("kc-worker join", plan, global);
                       }},
                      {fetch_cmd, [&] { return run_fetch_command(fetch); }},
                  },
                  argc, argv);
}
