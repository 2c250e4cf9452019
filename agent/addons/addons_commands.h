// "kc-leader addons render [--output DIR]" and "kc-leader addons apply [--kubeconfig FILE]":
// the add-on flags, how region and VPC come from the node identity (flags off EC2, IMDS on it),
// and how the two run. render prints (or writes) every document exactly as apply sends it.
#pragma once

#include <string>
#include <vector>

#include "agent/addons/csr_rules.h"
#include "agent/addons/settings.h"
#include "common/aws/identity.h"
#include "common/cli/cli.h"

namespace kc::addons {

struct CommandOptions {
  AddonSettings settings;
  std::string output;  // render: a directory of the operator's; empty: stdout
  std::string kubeconfig = "/etc/kubernetes/admin.conf";
  std::string node_name;  // the leader's node name (default: from IMDS)
  std::vector<std::string>
      leader_names;  // more DNS names and IPs the leader's certificate may carry
  std::string wait_timeout = "10m";
  bool no_wait = false;
};

struct AddonsCommands {
  CLI::App* render = nullptr;
  CLI::App* apply = nullptr;
};

AddonsCommands add_addons_commands(CLI::App& app, CommandOptions& options);
int run_render_command(const CommandOptions& options, const cli::GlobalOptions& global);
int run_apply_command(const CommandOptions& options, const cli::GlobalOptions& global);

// The leader as its instance metadata describes it: its node name and private address, and its
// public DNS name and IPv4 address when it has them (a serving CSR then asks for those too).
Result<LeaderIdentity> leader_identity(const aws::NodeIdentity& identity,
                                       aws::InstanceMetadata& metadata);

// The settings with region and VPC CIDRs filled from IMDS when a flag left them out.
Result<AddonSettings> resolve_settings(const CommandOptions& options);

}  // namespace kc::addons
