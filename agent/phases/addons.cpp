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
  auto identity = std::make_shared<std::optional<Result<aws::NodeIdentity>>>();
  auto resolve = [identity]() -> const Result<aws::NodeIdentity>& {
    if (!*identity) {
      aws::ImdsOptions o;
      o.endpoint = aws::imds_endpoint_from_environment();
      aws::ImdsClient imds(o);
      identity->emplace(aws::resolve_identity({}, &imds));
    }
    return **identity;
  };
  addons::ApplyOptions options;
  options.leader = [resolve]() -> Result<std::optional<addons::LeaderIdentity>> {
    const auto& id = resolve();
    if (!id) return Error(id.error()).context("find the leader's identity");
    addons::LeaderIdentity leader{id->node_name, {id->node_name}, {id->node_ip}};
    return std::optional<addons::LeaderIdentity>(leader);
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
