#include "agent/aws_template/command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "agent/aws_template/cluster_template.h"
#include "agent/aws_template/workers_template.h"
#include "common/aws/imds_client.h"
#include "common/cli/path_flags.h"
#include "common/cli/usage.h"
#include "common/core/exit_codes.h"
#include "common/core/host.h"
#include "common/core/yaml.h"

namespace kc::aws_template {
namespace {

void add_cluster_name(CLI::App* command, std::string& value) {
  command
      ->add_option("--cluster-name", value,
                   "Cluster name, as given to kc-leader init (tags, stack and role names)")
      ->capture_default_str();
}

void add_machine_flags(CLI::App* command, std::string& instance_type, int& root_volume_gib) {
  command->add_option("--instance-type", instance_type, "EC2 instance type")->capture_default_str();
  command->add_option("--root-volume-gib", root_volume_gib, "Root volume size (gp3, encrypted)")
      ->capture_default_str();
}

void add_output(CLI::App* command, Options& o) {
  cli::add_operator_file_option(command, "-o,--output", o.output,
                                "Write the template here (default: stdout)", cli::FileUse::write);
}

// Writes the template to --output (atomically) or stdout.
Status emit(const nlohmann::ordered_json& document, const Options& o, bool dry_run) {
  const std::string yaml = emit_yaml_documents(std::vector<nlohmann::ordered_json>{document});
  if (o.output.empty()) {
    std::cout << yaml << std::flush;
    return {};
  }
  if (dry_run) {
    spdlog::info("dry run: would write the template ({} bytes) to {}", yaml.size(), o.output);
    return {};
  }
  std::string name;
  const Host here = Host::for_operator_file(o.output, name);
  return here.replace_atomically(name, yaml, 0644);
}

std::string template_file(const Options& o, const std::string& fallback) {
  return o.output.empty() ? fallback : o.output;
}

int failed(const Error& error) {
  spdlog::error("{}", error.message());
  return exit_code::failed;
}

std::string value_or_empty(aws::InstanceMetadata& metadata, const std::string& path,
                           Status& status) {
  if (!status) return {};
  auto value = metadata.get(path);
  if (!value) {
    status = std::move(value).error();
    return {};
  }
  return value->value_or("");
}

}  // namespace

Commands add_aws_template_command(CLI::App& app, Options& o) {
  CLI::App* group = cli::add_command(
      app, "aws-template",
      "Print the CloudFormation templates of the cluster (before the leader) and of the workers "
      "(on the leader, after init)");
  group->require_subcommand(1);

  Commands c;
  c.cluster =
      cli::add_command(*group, "cluster",
                       "Security group, IAM roles and instance profiles, and the leader instance");
  add_cluster_name(c.cluster, o.cluster.cluster_name);
  c.cluster
      ->add_option("--ssh-cidr", o.cluster.ssh_cidrs,
                   "Allow SSH from this CIDR block (IPv4 or IPv6; repeat for more). Required: "
                   "anywhere is 0.0.0.0/0 and ::/0, given explicitly")
      ->type_name("CIDR");
  c.cluster->add_option("--owner", o.cluster.owner,
                        "The Owner tag of every instance (default: $USER)");
  add_machine_flags(c.cluster, o.cluster.instance_type, o.cluster.root_volume_gib);
  c.cluster->add_option("--vpc-id", o.cluster.vpc_id,
                        "VPC of the security group (default: the default VPC)");
  c.cluster->add_option("--subnet", o.cluster.subnet_id,
                        "Subnet of the leader (default: a default subnet of the default VPC)");
  add_output(c.cluster, o);

  c.workers = cli::add_command(
      *group, "workers",
      "Launch template with the worker user data, and the Auto Scaling Group (run on the leader)");
  add_cluster_name(c.workers, o.workers.cluster_name);
  add_machine_flags(c.workers, o.workers.instance_type, o.workers.root_volume_gib);
  c.workers->add_option("--max-nodes", o.workers.max_nodes, "Largest size of the group")
      ->capture_default_str();
  c.workers
      ->add_option("--subnets", o.workers.subnets, "Subnets of the group (default: the leader's)")
      ->delimiter(',')
      ->type_name("SUBNET,...");
  c.workers->add_option("--image-id", o.workers.image_id, "Worker AMI (default: the leader's)");
  c.workers->add_option(
      "--ephemeral-storage", o.workers.ephemeral_storage,
      "What cluster-autoscaler assumes a new worker offers pods, e.g. 100Gi "
      "(default: from the instance store of --instance-type if it has one, else from "
      "--root-volume-gib)");
  c.workers
      ->add_option("--worker-imds-hop-limit", o.workers.imds_hop_limit,
                   "IMDSv2 response hop limit of the workers. 1 keeps pods without host "
                   "networking from reading the instance metadata, and so the user data and its "
                   "join token; raise it only for pods that must reach IMDS themselves")
      ->capture_default_str();
  cli::add_operator_file_option(
      c.workers, "--user-data-file", o.user_data_file,
      fmt::format("Worker user data (default: the leader's copy, {} or "
                  "{} under --root)",
                  leader::kIgnitionUserDataPath, leader::kShellUserDataPath));
  c.workers
      ->add_option("--user-data-format", o.user_data_format,
                   "Which of the leader's copies to embed")
      ->check(CLI::IsMember({"ignition", "shell"}))
      ->capture_default_str();
  add_output(c.workers, o);
  return c;
}

int run_cluster_command(const Options& options, const cli::GlobalOptions& global) {
  ClusterFlags flags = options.cluster;
  if (flags.owner.empty()) {
    if (const char* user = std::getenv("USER"); user != nullptr) flags.owner = user;
  }
  auto config = resolve_cluster_config(flags);
  if (!config) return cli::usage_error("kc-leader", config.error());
  if (config->ssh_from_anywhere) {
    spdlog::warn("--ssh-cidr: SSH to the leader is open to the whole Internet (a /0 block)");
  }
  if (Status written = emit(cluster_template(*config), options, global.dry_run); !written) {
    return failed(written.error());
  }
  const std::string file = template_file(options, "cluster.yaml");
  std::cerr << "Deploy it (you choose the key pair; RSA and ED25519 keys both work):\n"
            << "  AMI=$(" << flatcar_ami_lookup_command(config->arch) << ")\n"
            << "  aws cloudformation deploy --stack-name "
            << cluster_stack_name(config->cluster_name) << " --template-file " << file
            << " --capabilities CAPABILITY_NAMED_IAM --parameter-overrides " << kImageIdParameter
            << "=$AMI " << kKeyNameParameter << "=YOUR_KEY_PAIR\n"
            << "Then find the leader's address:\n"
            << "  aws cloudformation describe-stacks --stack-name "
            << cluster_stack_name(config->cluster_name)
            << " --query \"Stacks[0].Outputs[?OutputKey=='"
            << (config->subnet_id.empty() ? "LeaderPublicIp" : "LeaderPrivateIp")
            << "'].OutputValue\" --output text\n";
  return exit_code::ok;
}

Result<LeaderFacts> leader_facts(aws::InstanceMetadata& metadata) {
  Status status;
  LeaderFacts facts;
  facts.image_id = value_or_empty(metadata, "ami-id", status);
  facts.instance_type = value_or_empty(metadata, "instance-type", status);
  facts.region = value_or_empty(metadata, "placement/region", status);
  const std::string mac = value_or_empty(metadata, "mac", status);
  if (!mac.empty()) {
    facts.subnet_id =
        value_or_empty(metadata, "network/interfaces/macs/" + mac + "/subnet-id", status);
  }
  if (!status) return std::move(status).error();
  return facts;
}

Result<std::string> read_user_data(const Options& o, const std::string& root, std::string& source) {
  if (!o.user_data_file.empty()) {
    source = o.user_data_file;
    std::ifstream in(o.user_data_file, std::ios::binary);
    if (!in) return errno_error("read the worker user data", o.user_data_file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  const std::string_view path =
      o.user_data_format == "shell" ? leader::kShellUserDataPath : leader::kIgnitionUserDataPath;
  const Host host(root);
  source = host.path(path).string();
  auto content = host.read_file(path);
  if (!content) return std::move(content).error();
  if (!content->has_value()) {
    return Error{"read the worker user data", source, "it does not exist",
                 "run kc-leader init on this leader first (it keeps a copy there), or give "
                 "--user-data-file FILE"};
  }
  return std::move(**content);
}

int run_workers_command(const Options& options, const cli::GlobalOptions& global,
                        aws::InstanceMetadata* metadata) {
  const WorkersFlags& flags = options.workers;
  LeaderFacts facts;
  std::string imds_problem;
  if (flags.image_id.empty() || flags.subnets.empty()) {
    aws::ImdsClient imds(aws::ImdsOptions{.endpoint = aws::imds_endpoint_from_environment()});
    aws::InstanceMetadata* source = metadata != nullptr ? metadata : &imds;
    auto asked = leader_facts(*source);
    if (asked) {
      facts = std::move(*asked);
    } else {
      const Error& e = asked.error();  // its hint is about the identity flags of init
      imds_problem = e.what + ": " + e.where + ": " + e.why;
    }
  }
  std::string source;
  auto user_data = read_user_data(options, global.root, source);
  if (!user_data) return failed(user_data.error());
  auto config = resolve_workers_config(flags, facts, std::move(*user_data), source);
  if (!config) {
    Error error = std::move(config).error();
    if (!imds_problem.empty() && error.why.find("instance metadata") != std::string::npos) {
      error.why += " (" + imds_problem + ")";
    }
    if (error.what.rfind("--", 0) == 0) return cli::usage_error("kc-leader", error);
    return failed(error);
  }
  if (Status written = emit(workers_template(*config), options, global.dry_run); !written) {
    return failed(written.error());
  }
  const std::string file = template_file(options, "workers.yaml");
  std::cerr << "Deploy it after the cluster stack " << cluster_stack_name(config->cluster_name)
            << " (it imports that stack's exports):\n"
            << "  aws cloudformation deploy --stack-name "
            << workers_stack_name(config->cluster_name) << " --template-file " << file
            << " --capabilities CAPABILITY_NAMED_IAM"
            << (facts.region.empty() ? "" : " --region " + facts.region) << "\n";
  return exit_code::ok;
}

}  // namespace kc::aws_template
