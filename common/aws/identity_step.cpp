#include "common/aws/identity_step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/aws/imds_client.h"

namespace kc::aws {

std::unique_ptr<InstanceMetadata> default_metadata(const IdentityFlags& flags) {
  ImdsOptions options;
  options.endpoint = imds_endpoint(flags.metadata_endpoint);
  return std::make_unique<ImdsClient>(options);
}

Result<NodeIdentity> resolve_node_identity(const IdentityFlags& flags,
                                           const MetadataFactory& metadata) {
  if (flags.complete()) return resolve_identity(flags, nullptr);
  auto client = metadata(flags);
  return resolve_identity(flags, client.get());
}

std::string describe_identity(const NodeIdentity& id) {
  return fmt::format("{} ({} in {}, {}, VPC {})", id.node_name, id.instance_id, id.zone, id.node_ip,
                     fmt::join(id.vpc_cidrs, " "));
}

NodeIdentity placeholder_identity() {
  NodeIdentity id;
  id.node_name = "<node-name>";
  id.node_ip = "<node-ip>";
  id.region = "<region>";
  id.zone = "<zone>";
  id.instance_id = "<instance-id>";
  id.provider_id = provider_id(id.zone, id.instance_id);
  return id;
}

IdentityStep::IdentityStep(IdentityFlags flags, std::shared_ptr<ResolvedIdentity> out,
                           MetadataFactory metadata)
    : flags_(std::move(flags)), out_(std::move(out)), metadata_(std::move(metadata)) {}

Result<Findings> IdentityStep::check(const StepContext& context) {
  out_->identity.reset();
  out_->failure.reset();
  auto id = resolve_node_identity(flags_, metadata_);
  if (!id) {
    out_->failure = id.error();
    return Findings{{Change{Verb::perform, "resolve the node identity",
                            "(not known now: " + id.error().message() + ")"}},
                    ""};
  }
  if (!id->node_name_note.empty()) context.warn(id->node_name_note);
  out_->identity = *id;
  return Findings{{}, "node " + describe_identity(*id)};
}

Status IdentityStep::apply(const StepContext& context, std::vector<Change>& changes) {
  auto id = resolve_node_identity(flags_, metadata_);
  if (!id) return std::move(id).error();
  if (!id->node_name_note.empty()) context.warn(id->node_name_note);
  out_->identity = *id;
  out_->failure.reset();
  for (Change& change : changes) change.detail = "(" + describe_identity(*id) + ")";
  return {};
}

}  // namespace kc::aws
