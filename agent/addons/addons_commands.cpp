#include "agent/addons/addons_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/addons/addons.h"
#include "agent/addons/addons_steps.h"
#include "agent/cleanup_rule.h"
#include "common/aws/imds_client.h"
#include "common/cli/path_flags.h"
#include "common/cli/plan_command.h"
#include "common/cli/usage.h"
#include "common/core/version.h"

namespace kc::addons {
namespace {

void add_settings_flags(CLI::App* cmd, CommandOptions& o) {
  AddonSettings& s = o.settings;
  cmd->add_option("--cluster-name", s.cluster_name, "Cluster name (AWS tags, ASG auto-discovery)")
      ->capture_default_str();
  cmd->add_option("--kubernetes-version", s.kubernetes_version,
                  "Kubernetes version; its minor picks the add-on versions")
      ->capture_default_str();
  cmd->add_option("--pod-subnet", s.pod_subnet, "CIDR block of the pod network (flannel)")
      ->capture_default_str()
      ->type_name("CIDR");
  cmd->add_option("--max-nodes", s.max_nodes,
                  "The most nodes the cluster may have (sizes metrics-server)")
      ->capture_default_str();
  cmd->add_option("--region", s.region, "AWS region (default: from the instance metadata)");
  cmd->add_option("--vpc-cidr", s.vpc_cidrs,
                  "VPC IPv4 CIDR block, repeatable (default: from the instance metadata)")
      ->type_name("CIDR");
  cmd->add_option("--autoscaler-arg", s.autoscaler_args,
                  "Extra cluster-autoscaler flag (--name=value), repeatable; replaces kc's "
                  "default of the same flag")
      ->type_name("FLAG");
}

bool on_ec2_needed(const CommandOptions& o) {
  return o.settings.region.empty() || o.settings.vpc_cidrs.empty();
}

}  // namespace

AddonsCommands add_addons_commands(CLI::App& app, CommandOptions& o) {
  o.settings.kubernetes_version = kDefaultKubernetesVersion;
  CLI::App* group = cli::add_command(app, "addons", "Render or apply the cluster add-ons");
  group->require_subcommand(1);
  AddonsCommands out;
  out.render = cli::add_command(*group, "render",
                                "Print (or write) every add-on document exactly as it is applied");
  add_settings_flags(out.render, o);
  cli::add_operator_file_option(out.render, "--output", o.output,
                                "Directory to write one YAML file per add-on into",
                                cli::FileUse::write)
      ->type_name("DIR");
  out.apply = cli::add_command(
      *group, "apply", "Apply the add-ons server-side and wait until the cluster is usable");
  add_settings_flags(out.apply, o);
  cli::add_host_path_option(out.apply, "--kubeconfig", o.kubeconfig,
                            "Kubeconfig allowed to manage the add-ons")
      ->capture_default_str();
  out.apply->add_option("--node-name", o.node_name,
                        "The leader's node name (default: from the instance metadata)");
  out.apply->add_option("--leader-name", o.leader_names,
                        "Another DNS name or IP address of the leader its serving certificate "
                        "may carry (default: its public ones from the instance metadata)");
  out.apply->add_option("--wait-timeout", o.wait_timeout, "How long to wait for the add-ons")
      ->capture_default_str()
      ->type_name("DURATION")
      ->check([](const std::string& v) {
        return cleanup::parse_duration(v) ? std::string() : "expected a duration such as 10m";
      });
  out.apply->add_flag("--no-wait", o.no_wait, "Apply only; do not wait");
  return out;
}

Result<AddonSettings> resolve_settings(const CommandOptions& o) {
  AddonSettings s = o.settings;
  if (on_ec2_needed(o)) {
    aws::ImdsOptions imds_options;
    imds_options.endpoint = aws::imds_endpoint_from_environment();
    aws::ImdsClient imds(imds_options);
    aws::IdentityFlags flags;
    flags.node_name = o.node_name;
    flags.region = s.region;
    flags.vpc_cidrs = s.vpc_cidrs;
    auto identity = aws::resolve_identity(flags, &imds);
    if (!identity) {
      Error e = std::move(identity).error();
      e.hint = "off EC2, give --region and --vpc-cidr";
      return e;
    }
    s.region = identity->region;
    s.vpc_cidrs = identity->vpc_cidrs;
  }
  KC_TRY(validate_settings(s));
  return s;
}

namespace {

// The leader from the flags, else from IMDS (with its public name and address, which an
// instance with a public IP puts into its serving CSR); none off EC2 without --node-name.
Result<std::optional<LeaderIdentity>> resolve_leader(const CommandOptions& o) {
  LeaderIdentity leader;
  leader.node_name = o.node_name;
  for (const std::string& n : o.leader_names) {
    (n.find_first_not_of("0123456789.") == std::string::npos ? leader.addresses : leader.dns_names)
        .push_back(n);
  }
  if (!on_ec2_needed(o)) {  // off EC2: the leader only when named
    if (o.node_name.empty()) return std::optional<LeaderIdentity>();
    leader.dns_names.push_back(o.node_name);
    return std::optional<LeaderIdentity>(leader);
  }
  aws::ImdsOptions imds_options;
  imds_options.endpoint = aws::imds_endpoint_from_environment();
  aws::ImdsClient imds(imds_options);
  aws::IdentityFlags flags;
  flags.node_name = o.node_name;
  flags.region = o.settings.region;
  flags.vpc_cidrs = o.settings.vpc_cidrs;
  auto identity = aws::resolve_identity(flags, &imds);
  if (!identity) return std::move(identity).error().context("find the leader's identity");
  auto found = leader_identity(*identity, imds);
  if (!found) return std::move(found).error();
  for (const std::string& n : leader.dns_names) found->dns_names.push_back(n);
  for (const std::string& a : leader.addresses) found->addresses.push_back(a);
  return std::optional<LeaderIdentity>(*found);
}

}  // namespace

Result<LeaderIdentity> leader_identity(const aws::NodeIdentity& identity,
                                       aws::InstanceMetadata& metadata) {
  LeaderIdentity leader{identity.node_name, {identity.node_name}, {identity.node_ip}};
  for (const char* path : {"public-hostname", "public-ipv4"}) {
    auto value = metadata.get(path);
    if (!value) return std::move(value).error().context("find the leader's public names");
    if (!*value || (*value)->empty()) continue;
    (std::string(path) == "public-ipv4" ? leader.addresses : leader.dns_names).push_back(**value);
  }
  return leader;
}

int run_render_command(const CommandOptions& o, const cli::GlobalOptions& global) {
  auto settings = resolve_settings(o);
  if (!settings) return cli::usage_error("kc-leader addons render", settings.error());
  auto addons = build_addons(*settings);
  if (!addons) return cli::usage_error("kc-leader addons render", addons.error());
  int index = 1;
  for (const Addon& addon : *addons) {
    const std::string text = render_addon(addon);
    if (o.output.empty()) {
      std::fputs(text.c_str(), stdout);
      continue;
    }
    const std::string prefix = (index < 10 ? "0" : "") + std::to_string(index) + "-";
    ++index;
    const std::filesystem::path file =
        std::filesystem::path(o.output) / (prefix + addon.name + ".yaml");
    if (global.dry_run) {
      std::printf("would write %s\n", file.c_str());
      continue;
    }
    std::error_code ec;
    std::filesystem::create_directories(o.output, ec);
    std::ofstream out(file, std::ios::trunc);
    out << text;
    out.close();
    if (!out || ec) {
      std::fprintf(stderr, "kc-leader addons render: cannot write %s\n", file.c_str());
      return 1;
    }
    std::printf("wrote %s\n", file.c_str());
  }
  return 0;
}

int run_apply_command(const CommandOptions& o, const cli::GlobalOptions& global) {
  auto settings = resolve_settings(o);
  if (!settings) return cli::usage_error("kc-leader addons apply", settings.error());
  if (auto built = build_addons(*settings); !built) {
    return cli::usage_error("kc-leader addons apply", built.error());
  }
  ApplyOptions options;
  options.kubeconfig = o.kubeconfig;
  options.wait = !o.no_wait;
  options.wait_timeout =
      std::chrono::duration_cast<std::chrono::seconds>(*cleanup::parse_duration(o.wait_timeout));
  options.leader = [o]() { return resolve_leader(o); };
  AddonSettings resolved = *settings;
  Plan plan;
  plan.push_back(addons_apply_phase([resolved]() -> Result<AddonSettings> { return resolved; },
                                    std::move(options)));
  return run_plan_command("kc-leader addons apply", plan, global);
}

}  // namespace kc::addons
