#include "agent/addons/addons_commands.h"
#include "agent/addons/addons_steps.h"
#include "agent/phases/phases.h"

namespace kc::leader {

namespace {

Result<aws::NodeIdentity> resolved(const Identity& identity, const char* why) {
  if (identity && identity->identity) return *identity->identity;
  Error error = identity && identity->failure
                    ? *identity->failure
                    : Error{"resolve the node identity", "", "the identity phase did not run", ""};
  return std::move(error).context(why);
}

}  // namespace

// The region, VPC and node name are the identity phase's (asked only when the admin kubeconfig
// exists: a dry run before kubeadm init, off EC2, plans without them); the leader's public names,
// for its serving CSR, come from the instance metadata at the same endpoint.
Phase addons_phase(const LeaderConfig& config, const Identity& identity) {
  addons::AddonSettings settings;
  settings.cluster_name = config.cluster_name;
  settings.kubernetes_version = config.kubernetes_version;
  settings.pod_subnet = config.pod_subnet;
  addons::ApplyOptions options;
  options.leader = [identity,
                    flags = config.identity]() -> Result<std::optional<addons::LeaderIdentity>> {
    auto id = resolved(identity, "find the leader's identity");
    if (!id) return std::move(id).error();
    auto metadata = aws::default_metadata(flags);
    auto leader = addons::leader_identity(*id, *metadata);
    if (!leader) return std::move(leader).error();
    return std::optional<addons::LeaderIdentity>(std::move(*leader));
  };
  return addons::addons_apply_phase(
      [settings, identity]() -> Result<addons::AddonSettings> {
        auto id = resolved(identity, "find the region and VPC for the add-ons");
        if (!id) return std::move(id).error();
        addons::AddonSettings s = settings;
        s.region = id->region;
        s.vpc_cidrs = id->vpc_cidrs;
        return s;
      },
      std::move(options));
}

}  // namespace kc::leader
