// The identity phase's step: resolves the node's identity (flags, then IMDSv2) when the plan
// runs and shares it with the steps after it (preflight's subnet check, the kubeadm
// configuration) through a ResolvedIdentity they hold too. It changes nothing on the host.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "common/aws/identity.h"
#include "common/core/plan.h"

namespace kc::aws {

// Filled by IdentityStep::check(); empty until then, or when the identity is not known (a dry
// run off EC2 without the identity flags).
struct ResolvedIdentity {
  std::optional<NodeIdentity> identity;
  std::optional<Error> failure;  // why it is not known
};

using MetadataFactory = std::function<std::unique_ptr<InstanceMetadata>(const IdentityFlags&)>;

// IMDSv2 at imds_endpoint(flags.metadata_endpoint), with the client's bounded retries.
std::unique_ptr<InstanceMetadata> default_metadata(const IdentityFlags& flags);

// Resolves once: flags, then (for what the flags leave out) the instance metadata.
Result<NodeIdentity> resolve_node_identity(const IdentityFlags& flags,
                                           const MetadataFactory& metadata = default_metadata);

// check() resolves and reports "node NAME (INSTANCE, ZONE, VPC ...)". When it cannot, it
// returns one change "resolve the node identity (...)": a dry run shows it and goes on with
// placeholders; a real run tries again in apply() and stops there with the error, before any
// later step changed anything.
class IdentityStep final : public Step {
 public:
  IdentityStep(IdentityFlags flags, std::shared_ptr<ResolvedIdentity> out,
               MetadataFactory metadata = default_metadata);
  std::string describe() const override { return "the node identity (flags, then AWS IMDSv2)"; }
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  IdentityFlags flags_;
  std::shared_ptr<ResolvedIdentity> out_;
  MetadataFactory metadata_;
};

// "ip-10-0-0-10.ec2.internal (i-0123456789abcdef0 in us-east-1a, 10.0.0.10, VPC 10.0.0.0/16)"
std::string describe_identity(const NodeIdentity& identity);

// A stand-in identity for a dry run that could not resolve one: every value says it is unknown.
NodeIdentity placeholder_identity();

}  // namespace kc::aws
