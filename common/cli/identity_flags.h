// The flags of a node's identity, shared by "kc-leader init" and "kc-worker join": what IMDS
// would say, given by hand (off EC2, or to override it), and where IMDS is. Also the preflight
// flag both commands take.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "common/aws/identity.h"

namespace kc::cli {

// --node-name --node-ip --region --zone --instance-id --vpc-cidr (repeatable or comma-separated)
// --metadata-endpoint.
void add_identity_flags(CLI::App* command, aws::IdentityFlags& flags);

// --ignore-preflight-errors NAME,... (repeatable), as kubeadm spells it.
void add_preflight_flags(CLI::App* command, std::vector<std::string>& ignore);

}  // namespace kc::cli
