#include "agent/addons/addons_commands.h"
#include "agent/addons/addons_steps.h"
#include "agent/phases/phases.h"
#include "common/aws/imds_client.h"

namespace kc::leader {

// The region and VPC come from the instance metadata, asked only when the admin kubeconfig
// exists (a dry run before kubeadm init, off EC2, plans without them).
Phase addons_phase(const LeaderConfig& config) {
  addons::AddonSettings settings;
  settings.cluster_name = config.cluster_name;
  settings.kubernetes_version = config.kubernetes_version;
  settings.pod_subnet = config.pod_subnet;
  aws::ImdsOptions imds_options;
  imds_options.endpoint = aws::imds_endpoint_from_environment();
  auto imds = std::make_shared<aws::ImdsClient>(imds_options);
  auto identity = std::make_shared<std::optional<Result<aws::NodeIdentity>>>();
  auto resolve = [identity, imds]() -> const Result<aws::NodeIdentity>& {
    if (!*identity) identity->emplace(aws::resolve_identity({}, imds.get()));
    return **identity;
  };
  addons::ApplyOptions options;
  options.leader = [resolve, imds]() -> Result<std::optional<addons::LeaderIdentity>> {
    const auto& id = resolve();
    if (!id) return Error(id.error()).context("find the leader's identity");
    auto leader = addons::leader_identity(*id, *imds);
    if (!leader) return std::move(leader).error();
    return std::optional<addons::LeaderIdentity>(std::move(*leader));
  };
  return addons::addons_apply_phase(
      [settings, resolve]() -> Result<addons::AddonSettings> {
        const auto& id = resolve();
        if (!id) return Error(id.error()).context("find the region and VPC for the add-ons");
        addons::AddonSettings s = settings;
        s.region = id->region;
        s.vpc_cidrs = id->vpc_cidrs;
        return s;
      },
      std::move(options));
}

}  // namespace kc::leader
