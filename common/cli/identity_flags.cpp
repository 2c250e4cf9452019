#include "common/cli/identity_flags.h"

namespace kc::cli {

void add_identity_flags(CLI::App* command, aws::IdentityFlags& f) {
  const std::string group = "Node identity (default: from AWS IMDSv2)";
  command->add_option("--node-name", f.node_name, "Node name (default: the private DNS name)")
      ->group(group)
      ->type_name("NAME");
  command->add_option("--node-ip", f.node_ip, "Primary private IPv4 address")
      ->group(group)
      ->type_name("IP");
  command->add_option("--region", f.region, "AWS region")->group(group)->type_name("REGION");
  command->add_option("--zone", f.zone, "Availability zone")->group(group)->type_name("ZONE");
  command->add_option("--instance-id", f.instance_id, "EC2 instance id")
      ->group(group)
      ->type_name("ID");
  command
      ->add_option("--vpc-cidr", f.vpc_cidrs, "CIDR block(s) of the VPC (repeat or comma-separate)")
      ->group(group)
      ->delimiter(',')
      ->type_name("CIDR");
  command
      ->add_option("--metadata-endpoint", f.metadata_endpoint,
                   "IMDS endpoint (default: $AWS_EC2_METADATA_SERVICE_ENDPOINT, else "
                   "http://169.254.169.254)")
      ->group(group)
      ->type_name("URL");
}

void add_preflight_flags(CLI::App* command, std::vector<std::string>& ignore) {
  command
      ->add_option("--ignore-preflight-errors", ignore,
                   "Preflight checks whose failure is only a warning (names as printed, or all)")
      ->delimiter(',')
      ->type_name("NAME,...");
}

}  // namespace kc::cli
