#include "agent/aws_template/config.h"

#include <regex>

#include "agent/aws_template/instance_types.h"
#include "common/net/cidr.h"

namespace kc::aws_template {
namespace {

Error invalid(const std::string& flag, const std::string& value, std::string why,
              std::string hint = "") {
  return Error{flag, value, std::move(why), std::move(hint)};
}

// IAM role and instance profile names are NAME-leader and NAME-worker, at most 64 characters.
constexpr size_t kMaxClusterNameLength = 64 - 7;

Status check_root_volume(int gib) {
  // Flatcar's image needs 8 GiB; gp3 volumes end at 16 TiB.
  if (gib < 8 || gib > 16384) {
    return invalid("--root-volume-gib", std::to_string(gib), "must be 8 to 16384 GiB");
  }
  return {};
}

Status check_id(const std::string& flag, const std::string& value, const std::string& prefix) {
  static const std::regex hex("[0-9a-f]{8}([0-9a-f]{9})?");
  if (value.rfind(prefix + "-", 0) == 0 && std::regex_match(value.substr(prefix.size() + 1), hex)) {
    return {};
  }
  return invalid(flag, value, "not an EC2 " + prefix + " id",
                 "e.g. " + prefix + "-0123456789abcdef0");
}

// CloudFormation tag values: at most 256 of letters, digits, spaces and + - = . _ : / @.
Status check_tag_value(const std::string& flag, const std::string& value) {
  static const std::regex allowed("[A-Za-z0-9 +=._:/@-]{1,256}");
  if (std::regex_match(value, allowed)) return {};
  return invalid(flag, value,
                 "not usable as a tag value (1-256 letters, digits, spaces and + - = . _ : / @)");
}

}  // namespace

Status check_cluster_name(const std::string& name) {
  // The stack names (NAME, NAME-workers) allow only letters, digits and '-', starting with a
  // letter; IAM names add the length limit. kc-leader init accepts more ('_', '.'), which
  // CloudFormation stack names do not.
  static const std::regex stack_name("[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?");
  if (!std::regex_match(name, stack_name) || name.size() > kMaxClusterNameLength) {
    return invalid("--cluster-name", name,
                   "not usable in CloudFormation stack and IAM role names: expected 1-" +
                       std::to_string(kMaxClusterNameLength) +
                       " letters, digits or '-', starting with a letter and not ending with '-'",
                   "use the same name with kc-leader init --cluster-name");
  }
  return {};
}

Result<ClusterConfig> resolve_cluster_config(const ClusterFlags& f) {
  KC_TRY(check_cluster_name(f.cluster_name));
  ClusterConfig c;
  c.cluster_name = f.cluster_name;
  if (f.ssh_cidrs.empty()) {
    return invalid(
        "--ssh-cidr", "(none)", "required: the CIDR blocks SSH to the leader is allowed from",
        "e.g. --ssh-cidr 203.0.113.7/32; anywhere is --ssh-cidr 0.0.0.0/0 --ssh-cidr ::/0");
  }
  for (const std::string& text : f.ssh_cidrs) {
    auto cidr = parse_cidr(text);
    if (!cidr) {
      return invalid("--ssh-cidr", text, "not a CIDR block with its host bits zero",
                     "e.g. 203.0.113.7/32 or 2001:db8::/64");
    }
    if (cidr->prefix == 0) c.ssh_from_anywhere = true;
    (cidr->ipv6 ? c.ssh_cidrs_ipv6 : c.ssh_cidrs_ipv4).push_back(text);
  }
  if (f.owner.empty()) {
    return invalid("--owner", "(none)", "required: the Owner tag of every instance",
                   "give --owner NAME (it defaults to $USER when that is set)");
  }
  KC_TRY(check_tag_value("--owner", f.owner));
  c.owner = f.owner;
  auto type = known_instance_type(f.instance_type, "--instance-type");
  if (!type) return std::move(type).error();
  c.instance_type = f.instance_type;
  c.arch = type->arch;
  KC_TRY(check_root_volume(f.root_volume_gib));
  c.root_volume_gib = f.root_volume_gib;
  if (!f.vpc_id.empty()) KC_TRY(check_id("--vpc-id", f.vpc_id, "vpc"));
  if (!f.subnet_id.empty()) KC_TRY(check_id("--subnet", f.subnet_id, "subnet"));
  c.vpc_id = f.vpc_id;
  c.subnet_id = f.subnet_id;
  return c;
}

Result<WorkersConfig> resolve_workers_config(const WorkersFlags& f, const LeaderFacts& leader,
                                             std::string user_data,
                                             const std::string& user_data_source) {
  KC_TRY(check_cluster_name(f.cluster_name));
  WorkersConfig c;
  c.cluster_name = f.cluster_name;
  auto type = known_instance_type(f.instance_type, "--instance-type");
  if (!type) return std::move(type).error();
  c.instance_type = f.instance_type;
  c.arch = type->arch;
  KC_TRY(check_root_volume(f.root_volume_gib));
  c.root_volume_gib = f.root_volume_gib;
  if (f.max_nodes <= 0) {
    return invalid("--max-nodes", std::to_string(f.max_nodes),
                   "must be at least 1 (the group's MaxSize)");
  }
  c.max_nodes = f.max_nodes;
  if (f.imds_hop_limit < 1 || f.imds_hop_limit > 64) {
    return invalid("--worker-imds-hop-limit", std::to_string(f.imds_hop_limit),
                   "must be 1 to 64 (EC2's range)");
  }
  c.imds_hop_limit = f.imds_hop_limit;

  c.image_id = f.image_id.empty() ? leader.image_id : f.image_id;
  if (c.image_id.empty()) {
    return invalid("--image-id", "(none)",
                   "required off EC2: the instance metadata of the leader gave no AMI",
                   "run on the leader, or give --image-id ami-...");
  }
  KC_TRY(check_id("--image-id", c.image_id, "ami"));
  // The default AMI is the leader's: a worker type of another architecture could not boot it.
  if (f.image_id.empty() && !leader.instance_type.empty()) {
    auto leader_type = instance_type_info(leader.instance_type);
    if (leader_type && leader_type->arch != c.arch) {
      return invalid("--instance-type", f.instance_type,
                     "is " + c.arch + ", but the leader's AMI " + c.image_id + " runs on " +
                         leader.instance_type + " (" + leader_type->arch + ")",
                     "give a " + leader_type->arch + " type, or --image-id of a " + c.arch +
                         " Flatcar AMI (and user data for " + c.arch + ")");
    }
  }

  c.subnets = f.subnets;
  if (c.subnets.empty() && !leader.subnet_id.empty()) c.subnets.push_back(leader.subnet_id);
  if (c.subnets.empty()) {
    return invalid("--subnets", "(none)",
                   "required off EC2: the instance metadata of the leader gave no subnet",
                   "run on the leader, or give --subnets subnet-...[,subnet-...]");
  }
  for (const std::string& subnet : c.subnets) KC_TRY(check_id("--subnets", subnet, "subnet"));

  if (!f.ephemeral_storage.empty() && !is_storage_quantity(f.ephemeral_storage)) {
    return invalid("--ephemeral-storage", f.ephemeral_storage, "not a Kubernetes storage quantity",
                   "e.g. 100Gi or 100G");
  }
  c.ephemeral_storage =
      ephemeral_storage_quantity(c.root_volume_gib, c.instance_type, f.ephemeral_storage);

  if (user_data.empty()) {
    return Error{"read the worker user data", user_data_source, "it is empty",
                 "run kc-leader init first, or give --user-data-file FILE"};
  }
  if (user_data.size() > kMaxUserDataBytes) {
    return Error{"read the worker user data", user_data_source,
                 std::to_string(user_data.size()) + " bytes, more than the " +
                     std::to_string(kMaxUserDataBytes) + " EC2 accepts",
                 "use the shell format, which is shorter"};
  }
  c.user_data = std::move(user_data);
  return c;
}

std::string cluster_stack_name(const std::string& cluster_name) {
  return cluster_name;
}

std::string workers_stack_name(const std::string& cluster_name) {
  return cluster_name + "-workers";
}

std::string export_name(const std::string& cluster_name, const std::string& output) {
  return "kc-" + cluster_name + "-" + output;
}

}  // namespace kc::aws_template
