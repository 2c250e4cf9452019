// kc-worker: runs at every boot of a worker instance and joins it to the cluster.
#include "bootstrap/join_command.h"
#include "bootstrap/storage_command.h"
#include "common/cli/cli.h"
#include "common/cli/fetch_command.h"

int main(int argc, char** argv) {
  using namespace kc;
  cli::GlobalOptions global;
  auto app = cli::make_app(
      "kc-worker",
      "kc-worker installs the Kubernetes node binaries on a Flatcar Linux EC2 instance and joins "
      "it to the cluster. It runs at every boot; running it again is always safe.",
      global);

  AssetOptions install = default_asset_options();
  CLI::App* install_cmd = worker::add_install_command(*app, install);

  worker::JoinOptions join;
  CLI::App* join_cmd = worker::add_join_command(*app, join);

  storage::StorageOptions storage;
  CLI::App* storage_cmd = worker::add_storage_command(*app, storage);
  worker::ConfigOptions config;
  CLI::App* config_kubeadm_cmd = worker::add_config_command(*app, config);

  FetchOptions fetch;
  CLI::App* fetch_cmd = add_fetch_command(*app, fetch);

  return cli::run(
      *app, global,
      {
          {install_cmd, [&] { return worker::run_install_command(install, global); }},
          {join_cmd, [&] { return worker::run_join_command(join, global); }},
          {storage_cmd, [&] { return worker::run_storage_command(storage, global); }},
          {config_kubeadm_cmd, [&] { return worker::run_config_command(config, global); }},
          {fetch_cmd, [&] { return run_fetch_command(fetch); }},
      },
      argc, argv);
}
