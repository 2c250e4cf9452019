// The node's identity in AWS terms: what the AWS cloud provider, kubeadm and the add-ons need to
// know about the instance kc runs on. Taken from flags first (so kc also runs off EC2), the rest
// from the instance metadata service (IMDSv2, see common/aws/imds_client.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::aws {

struct NodeIdentity {
  std::string node_name;  // the private DNS name, as the AWS cloud provider expects
  std::string node_ip;    // the primary private IPv4 address
  std::string region;     // "us-east-1"
  std::string zone;       // "us-east-1a"
  std::string instance_id;
  std::vector<std::string> vpc_cidrs;  // the IPv4 CIDR blocks of the primary interface's VPC
  std::string provider_id;             // "aws:///us-east-1a/i-0123456789abcdef0"
  // Optional extras IMDS may have (empty when it has not, or off EC2): for certSANs and the
  // IPv6 forwarding sysctl.
  std::string public_ipv4;
  std::string public_hostname;
  std::vector<std::string> ipv6_addresses;  // of the primary interface
  // Set when the node name is not IMDS local-hostname as given: why (a custom DHCP options
  // domain, amazon-eks-ami #1264), for a warning.
  std::string node_name_note;
};

// The EC2-generated private DNS name of an IPv4 address in a region, as DescribeInstances'
// PrivateDnsName spells it: "ip-10-0-0-10.ec2.internal" in us-east-1,
// "ip-10-0-0-10.eu-west-1.compute.internal" elsewhere.
std::string ec2_private_dns_name(const std::string& ipv4, const std::string& region);

// True for a name EC2 generated (IP- or resource-based): it ends in ".compute.internal", or is
// "ip-A-B-C-D.ec2.internal" / "i-....ec2.internal" in us-east-1.
bool is_ec2_private_dns_name(const std::string& name);

// The instance metadata service, one path under latest/meta-data/ at a time.
class InstanceMetadata {
 public:
  virtual ~InstanceMetadata() = default;
  // The value at latest/meta-data/PATH; nullopt when the service has no such path (HTTP 404);
  // an error when it cannot be asked (not on EC2, hop limit, timeout).
  virtual Result<std::optional<std::string>> get(const std::string& path) = 0;
  // "IMDS at http://169.254.169.254", for errors.
  virtual std::string describe() const = 0;
};

// The identity flags (--node-name, --node-ip, --region, --zone, --instance-id, --vpc-cidr);
// empty means "ask IMDS".
struct IdentityFlags {
  std::string node_name;
  std::string node_ip;
  std::string region;
  std::string zone;
  std::string instance_id;
  std::vector<std::string> vpc_cidrs;
  // --metadata-endpoint: scheme://host[:port] of IMDS; empty: $AWS_EC2_METADATA_SERVICE_ENDPOINT,
  // else http://169.254.169.254.
  std::string metadata_endpoint;

  bool complete() const;  // every field given: IMDS is not asked at all
};

// Flags win; IMDS (when given, and only when a flag is missing) fills the rest. The node name
// is IMDS local-hostname unless that follows a custom DHCP options domain (not an EC2 name):
// then it is the EC2 private DNS name built from the private IPv4 and the region, which is what
// the AWS cloud provider looks the node up by, and node_name_note says so. Every value,
// from either source, is checked (an IPv4 address, CIDR blocks, an instance id). What is still
// missing after both is one error listing every missing flag.
Result<NodeIdentity> resolve_identity(const IdentityFlags& flags, InstanceMetadata* metadata);

// "aws:///ZONE/INSTANCE_ID", the providerID the AWS cloud provider and cluster-autoscaler match.
std::string provider_id(const std::string& zone, const std::string& instance_id);

}  // namespace kc::aws
