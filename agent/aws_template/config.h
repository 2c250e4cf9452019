// The configuration of "kc-leader aws-template cluster|workers": the flags as parsed, and the
// checked values the two CloudFormation templates are built from. Every check names its flag;
// a failed one is a usage error (exit code 2).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::aws_template {

// "kc-leader init" and both templates default to the same cluster name.
inline constexpr const char* kDefaultClusterName = "kubernetes";
// A current general-purpose type (7th-generation Intel, 2 vCPU, 8 GiB).
inline constexpr const char* kDefaultInstanceType = "m7i.large";
inline constexpr int kDefaultRootVolumeGib = 32;
inline constexpr int kDefaultMaxNodes = 10;
// cluster-autoscaler's pod runs without host networking: its IMDSv2 token response must survive
// one more hop (the pod's network namespace) than the instance's own.
inline constexpr int kLeaderImdsHopLimit = 2;
// One hop: only processes in the worker's own network namespace (host networking) reach IMDS,
// so pods cannot read the user data and the join token in it.
inline constexpr int kDefaultWorkerImdsHopLimit = 1;
// The root device of Flatcar's AMIs, whose size the templates set.
inline constexpr const char* kFlatcarRootDeviceName = "/dev/xvda";
// EC2 refuses user data larger than this (before base64).
inline constexpr size_t kMaxUserDataBytes = 16 * 1024;

struct ClusterFlags {
  std::string cluster_name = kDefaultClusterName;
  std::vector<std::string> ssh_cidrs;  // required; 0.0.0.0/0 and ::/0 only when given
  std::string owner;                   // the Owner tag; default $USER
  std::string instance_type = kDefaultInstanceType;
  int root_volume_gib = kDefaultRootVolumeGib;
  std::string vpc_id;     // empty: the region's default VPC
  std::string subnet_id;  // empty: a default subnet of the default VPC
};

struct ClusterConfig {
  std::string cluster_name;
  std::vector<std::string> ssh_cidrs_ipv4;
  std::vector<std::string> ssh_cidrs_ipv6;
  bool ssh_from_anywhere = false;  // 0.0.0.0/0 or ::/0 was given: the command warns
  std::string owner;
  std::string instance_type;
  std::string arch;  // of the instance type: the AMI must be of the same architecture
  int root_volume_gib = 0;
  std::string vpc_id;
  std::string subnet_id;
};

struct WorkersFlags {
  std::string cluster_name = kDefaultClusterName;
  std::string instance_type = kDefaultInstanceType;
  int root_volume_gib = kDefaultRootVolumeGib;
  int max_nodes = kDefaultMaxNodes;
  std::vector<std::string> subnets;  // empty: the leader's subnet (IMDS)
  std::string image_id;              // empty: the leader's AMI (IMDS)
  std::string ephemeral_storage;     // empty: derived from the root volume
  int imds_hop_limit = kDefaultWorkerImdsHopLimit;
};

// What the workers template is built from: the checked flags, the values taken from the
// leader, and the worker user data exactly as the join-data generator printed it.
struct WorkersConfig {
  std::string cluster_name;
  std::string instance_type;
  std::string arch;
  int root_volume_gib = 0;
  int max_nodes = 0;
  std::vector<std::string> subnets;
  std::string image_id;
  std::string ephemeral_storage;  // a Kubernetes quantity ("26Gi")
  int imds_hop_limit = 0;
  std::string user_data;
};

// What the leader knows about itself (IMDS on the leader; empty off EC2).
struct LeaderFacts {
  std::string image_id;
  std::string instance_type;
  std::string subnet_id;
  std::string region;
};

Status check_cluster_name(const std::string& name);

Result<ClusterConfig> resolve_cluster_config(const ClusterFlags& flags);

// Flags win over the leader's facts; what neither gives is an error naming the flag.
Result<WorkersConfig> resolve_workers_config(const WorkersFlags& flags, const LeaderFacts& leader,
                                             std::string user_data,
                                             const std::string& user_data_source);

// The names the two stacks share: the cluster stack exports its outputs under these, the
// workers stack imports them.
std::string cluster_stack_name(const std::string& cluster_name);
std::string workers_stack_name(const std::string& cluster_name);
std::string export_name(const std::string& cluster_name, const std::string& output);

}  // namespace kc::aws_template
