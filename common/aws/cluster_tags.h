// The AWS tag keys that tie a cluster together, defined once: the CloudFormation templates put
// them on instances and Auto Scaling Groups, the AWS cloud-controller-manager reads the cluster
// tag of its instance, and cluster-autoscaler discovers its groups by the autoscaler tags.
#pragma once

#include <string>
#include <string_view>

namespace kc::aws {

// "kubernetes.io/cluster/NAME": the cloud provider's tag for resources of cluster NAME.
inline std::string cluster_tag_key(std::string_view cluster_name) {
  return "kubernetes.io/cluster/" + std::string(cluster_name);
}
// The values the cloud provider knows: the cluster owns the resource, or shares it.
inline constexpr std::string_view kClusterTagOwned = "owned";
inline constexpr std::string_view kClusterTagShared = "shared";

// cluster-autoscaler's auto-discovery tags on an Auto Scaling Group.
inline constexpr std::string_view kAutoscalerEnabledTagKey = "k8s.io/cluster-autoscaler/enabled";
inline std::string autoscaler_cluster_tag_key(std::string_view cluster_name) {
  return "k8s.io/cluster-autoscaler/" + std::string(cluster_name);
}
// "--node-group-auto-discovery=" value matching groups that carry both tags (any value).
inline std::string autoscaler_auto_discovery(std::string_view cluster_name) {
  return "asg:tag=" + std::string(kAutoscalerEnabledTagKey) + "," +
         autoscaler_cluster_tag_key(cluster_name);
}

// The autoscaler's node-template tags: what a node of an empty group will have, so scaling up
// from zero knows its capacity.
inline constexpr std::string_view kNodeTemplateEphemeralStorageTagKey =
    "k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage";

}  // namespace kc::aws
