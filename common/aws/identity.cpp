#include "common/aws/identity.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "common/net/cidr.h"

namespace kc::aws {
namespace {

constexpr const char* kOffEc2Hint =
    "off EC2, pass --node-name, --node-ip, --region, --zone, --instance-id and --vpc-cidr";

struct Field {
  const char* flag;       // "--node-ip"
  const char* imds_path;  // "local-ipv4"
  std::string* value;     // where the resolved value goes
  bool (*valid)(const std::string&);
  const char* expected;  // "an IPv4 address"
};

bool dns_name(const std::string& v) {
  static const std::regex name("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");
  return v.size() <= 253 && std::regex_match(v, name);
}
bool ipv4(const std::string& v) {
  return is_ipv4_address(v);
}
bool instance_id(const std::string& v) {
  static const std::regex id("i-[0-9a-f]{8,17}");
  return std::regex_match(v, id);
}
bool aws_name(const std::string& v) {  // regions and zones: "us-east-1", "us-east-1-bos-1a"
  static const std::regex name("[a-z]{2}(-[a-z0-9]+)+");
  return std::regex_match(v, name);
}
bool mac(const std::string& v) {
  static const std::regex address("([0-9a-f]{2}:){5}[0-9a-f]{2}");
  return std::regex_match(v, address);
}

Error bad_value(const std::string& source, const std::string& value, const char* expected) {
  return Error{"resolve the node identity", source, fmt::format("'{}' is not {}", value, expected),
               ""};
}

// One value from IMDS, trimmed of the trailing newline some paths end with.
Result<std::optional<std::string>> ask(InstanceMetadata& metadata, const std::string& path) {
  auto answer = metadata.get(path);
  if (!answer) return std::move(answer).error();
  if (!*answer) return std::optional<std::string>();
  std::string value = **answer;
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' '))
    value.pop_back();
  return std::optional<std::string>(std::move(value));
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

bool IdentityFlags::complete() const {
  return !node_name.empty() && !node_ip.empty() && !region.empty() && !zone.empty() &&
         !instance_id.empty() && !vpc_cidrs.empty();
}

std::string ec2_private_dns_name(const std::string& ipv4, const std::string& region) {
  std::string dashed = ipv4;
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  return "ip-" + dashed +
         (region == "us-east-1" ? ".ec2.internal" : "." + region + ".compute.internal");
}

bool is_ec2_private_dns_name(const std::string& name) {
  static const std::regex ec2(
      "(ip-[0-9]{1,3}(-[0-9]{1,3}){3}|i-[0-9a-f]{8,17})\\.([a-z0-9-]+\\.compute|ec2)\\.internal");
  return std::regex_match(name, ec2);
}

std::string provider_id(const std::string& zone, const std::string& instance_id) {
  return "aws:///" + zone + "/" + instance_id;
}

Result<NodeIdentity> resolve_identity(const IdentityFlags& flags, InstanceMetadata* metadata) {
  NodeIdentity id;
  id.node_name = flags.node_name;
  id.node_ip = flags.node_ip;
  id.region = flags.region;
  id.zone = flags.zone;
  id.instance_id = flags.instance_id;
  id.vpc_cidrs = flags.vpc_cidrs;

  const Field fields[] = {
      {"--node-name", "local-hostname", &id.node_name, dns_name, "a DNS name"},
      {"--node-ip", "local-ipv4", &id.node_ip, ipv4, "an IPv4 address"},
      {"--region", "placement/region", &id.region, aws_name, "an AWS region"},
      {"--zone", "placement/availability-zone", &id.zone, aws_name, "an availability zone"},
      {"--instance-id", "instance-id", &id.instance_id, instance_id, "an EC2 instance id"},
  };
  std::vector<std::string> missing;
  std::string imds_failure;  // why IMDS could not fill a field, once

  // After the first failure IMDS is not asked again: its error explains every missing field.
  auto from_imds = [&](const std::string& path) -> std::optional<std::string> {
    if (metadata == nullptr || !imds_failure.empty()) return std::nullopt;
    auto answer = ask(*metadata, path);
    if (!answer) {
      imds_failure = answer.error().message();
      return std::nullopt;
    }
    return *answer;
  };

  for (const Field& f : fields) {
    if (!f.value->empty()) {
      if (!f.valid(*f.value)) return bad_value(f.flag, *f.value, f.expected);
      continue;
    }
    auto answer = from_imds(f.imds_path);
    if (!answer || answer->empty()) {
      missing.push_back(f.flag);
      continue;
    }
    if (!f.valid(*answer)) {
      return bad_value(metadata->describe() + " " + f.imds_path, *answer, f.expected);
    }
    *f.value = *answer;
  }

  for (const std::string& cidr : id.vpc_cidrs) {
    if (!parse_cidr(cidr)) return bad_value("--vpc-cidr", cidr, "a CIDR block such as 10.0.0.0/16");
  }
  std::string primary;  // the primary interface's MAC, when IMDS was asked for it
  if (id.vpc_cidrs.empty()) {
    auto primary_mac = from_imds("mac");
    if (primary_mac && mac(*primary_mac)) primary = *primary_mac;
    if (primary_mac && !primary_mac->empty()) {
      if (!mac(*primary_mac)) {
        return bad_value(metadata->describe() + " mac", *primary_mac, "a MAC address");
      }
      const std::string path = "network/interfaces/macs/" + *primary_mac + "/vpc-ipv4-cidr-blocks";
      auto answer = from_imds(path);
      if (answer) {
        for (const std::string& cidr : lines(*answer)) {
          if (!parse_cidr(cidr)) {
            return bad_value(metadata->describe() + " " + path, cidr, "a CIDR block");
          }
          id.vpc_cidrs.push_back(cidr);
        }
      }
    }
    if (id.vpc_cidrs.empty()) missing.push_back("--vpc-cidr");
  }

  if (!missing.empty()) {
    std::string why = "no value for " + fmt::format("{}", fmt::join(missing, ", "));
    if (metadata == nullptr) {
      why += " (instance metadata not asked)";
    } else if (!imds_failure.empty()) {
      why += " (" + imds_failure + ")";
    } else {
      why += " (neither given nor known to " + metadata->describe() + ")";
    }
    return Error{"resolve the node identity", "", why,
                 missing.size() == 6 ? std::string(kOffEc2Hint)
                                     : "pass " + fmt::format("{}", fmt::join(missing, ", "))};
  }
  if (flags.node_name.empty() && !is_ec2_private_dns_name(id.node_name)) {
    const std::string ec2_name = ec2_private_dns_name(id.node_ip, id.region);
    id.node_name_note = fmt::format(
        "IMDS local-hostname '{}' follows a custom DHCP options domain; the node is named {}, "
        "its EC2 private DNS name, which the AWS cloud provider looks nodes up by (pass "
        "--node-name to choose another)",
        id.node_name, ec2_name);
    id.node_name = ec2_name;
  }
  // The extras: only when IMDS answered the required fields (flags alone never ask it).
  if (metadata != nullptr && imds_failure.empty() && !flags.complete()) {
    if (auto v = from_imds("public-ipv4"); v && ipv4(*v)) id.public_ipv4 = *v;
    if (auto v = from_imds("public-hostname"); v && dns_name(*v)) id.public_hostname = *v;
    if (!primary.empty()) {
      if (auto v = from_imds("network/interfaces/macs/" + primary + "/ipv6s")) {
        for (const std::string& address : lines(*v)) {
          if (is_ip_address(address)) id.ipv6_addresses.push_back(address);
        }
      }
    }
    imds_failure.clear();  // an extra IMDS could not give is simply absent
  }
  id.provider_id = provider_id(id.zone, id.instance_id);
  return id;
}

}  // namespace kc::aws
