// "kc-leader aws-template cluster|workers": prints a CloudFormation template (YAML) on stdout or
// to --output, and on stderr the aws cloudformation deploy command that deploys it. Needs no AWS
// credentials; "workers" asks the leader's instance metadata for its AMI, type and subnet.
#pragma once

#include <string>

#include "agent/aws_template/config.h"
#include "common/aws/identity.h"
#include "common/cli/cli.h"

namespace kc::aws_template {

// Where kc-leader init keeps its copies of the worker user data (host paths, under --root).
inline constexpr const char* kIgnitionUserDataPath = "/etc/kc/user-data.ign";
inline constexpr const char* kShellUserDataPath = "/etc/kc/user-data.sh";

struct Options {
  ClusterFlags cluster;
  WorkersFlags workers;
  std::string output;          // a file of the operator's; empty: stdout
  std::string user_data_file;  // a file of the operator's; empty: the leader's copy
  std::string user_data_format = "ignition";
};

struct Commands {
  CLI::App* cluster = nullptr;
  CLI::App* workers = nullptr;
};

Commands add_aws_template_command(CLI::App& app, Options& options);

int run_cluster_command(const Options& options, const cli::GlobalOptions& global);

// `metadata`: the leader's instance metadata (null: IMDSv2 at $AWS_EC2_METADATA_SERVICE_ENDPOINT
// or 169.254.169.254), asked only for what the flags leave open.
int run_workers_command(const Options& options, const cli::GlobalOptions& global,
                        aws::InstanceMetadata* metadata = nullptr);

// The leader's AMI, instance type, subnet and region from its instance metadata; an error when
// the service cannot be asked (off EC2).
Result<LeaderFacts> leader_facts(aws::InstanceMetadata& metadata);

// The worker user data: --user-data-file when given (read where kc runs), else the leader's copy
// of the chosen format under --root.
Result<std::string> read_user_data(const Options& options, const std::string& root,
                                   std::string& source);

}  // namespace kc::aws_template
