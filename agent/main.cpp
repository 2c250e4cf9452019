// kc-leader: sets up the leader of an autoscaling Kubernetes cluster on a Flatcar EC2 instance.
#include <memory>

#include "agent/addons/addons_commands.h"
#include "agent/aws_template/command.h"
#include "agent/cleanup_commands.h"
#include "agent/config_command.h"
#include "agent/init_command.h"
#include "agent/join_commands.h"
#include "common/cli/cli.h"
#include "common/cli/fetch_command.h"
#include "common/cli/storage_command.h"

int main(int argc, char** argv) {
  using namespace kc;
  cli::GlobalOptions global;
  auto app = cli::make_app(
      "kc-leader",
      "kc-leader sets up the leader (control plane) of an autoscaling Kubernetes cluster on a "
      "Flatcar Linux EC2 instance and prints the user data for its workers.",
      global);

  leader::InitOptions init;
  CLI::App* init_cmd = leader::add_init_command(*app, init);

  leader::ConfigKubeadmOptions config_kubeadm;
  CLI::App* config_kubeadm_cmd = leader::add_config_command(*app, config_kubeadm);

  FetchOptions fetch;
  CLI::App* fetch_cmd = add_fetch_command(*app, fetch);

  cleanup::CleanupOptions cleanup_options;
  CLI::App* cleanup_cmd = cleanup::add_cleanup_command(*app, cleanup_options);

  cleanup::CredentialsOptions credentials_options;
  CLI::App* credentials_cmd = cleanup::add_credentials_command(*app, credentials_options);

  addons::CommandOptions addons_options;
  const addons::AddonsCommands addons_cmds = addons::add_addons_commands(*app, addons_options);
  leader::JoinCommands join;
  leader::add_join_commands(*app, join);

  storage::StorageOptions storage;
  CLI::App* storage_cmd = cli::add_storage_command(*app, storage);

  aws_template::Options aws_template_options;
  aws_template::Commands aws_template_cmds =
      aws_template::add_aws_template_command(*app, aws_template_options);

  return cli::run(
      *app, global,
      {
          {init_cmd, [&] { return leader::run_init_command(init, global); }},
          {config_kubeadm_cmd,
           [&] { return leader::run_config_kubeadm_command(config_kubeadm, global); }},
          {fetch_cmd, [&] { return run_fetch_command(fetch); }},
          {cleanup_cmd, [&] { return cleanup::run_cleanup_command(cleanup_options, global); }},
          {credentials_cmd,
           [&] { return cleanup::run_credentials_command(credentials_options, global); }},
          {addons_cmds.render, [&] { return addons::run_render_command(addons_options, global); }},
          {addons_cmds.apply, [&] { return addons::run_apply_command(addons_options, global); }},
          {join.ca_hash_command, [&] { return leader::run_ca_hash_command(join.ca_hash, global); }},
          {join.user_data_command,
           [&] { return leader::run_user_data_command(join.user_data, global); }},
          {join.token_rotate_command,
           [&] { return leader::run_token_rotate_command(join.token_rotate, global); }},
          {join.serve_command, [&] { return leader::run_serve_command(join.serve, global); }},
          {aws_template_cmds.cluster,
           [&] { return aws_template::run_cluster_command(aws_template_options, global); }},
          {aws_template_cmds.workers,
           [&] { return aws_template::run_workers_command(aws_template_options, global); }},
          {storage_cmd, [&] { return cli::run_storage_command("kc-leader", storage, global); }},
      },
      argc, argv);
}
