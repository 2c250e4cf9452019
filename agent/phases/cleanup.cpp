#include <fstream>
#include <iterator>

#include "agent/cleanup_credentials.h"
#include "agent/phases/phases.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

namespace {

constexpr const char* kInstalledKcLeader = "/opt/bin/kc-leader";  // what the units run

// The running kc-leader (an operator's file, not a host path: the admin may run it from /tmp,
// as the README shows), which kc-cleanup.service and kc-serve.service run as /opt/bin/kc-leader.
std::string running_kc_leader() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// kc-cleanup's RBAC objects are applied with the add-ons (agent/addons/addons.cpp); the
// manifest file stays for operators who read it.
Phase cleanup_phase(const LeaderConfig&) {
  Phase phase{"cleanup", {}};
  const cleanup::CredentialsOptions credentials;
  phase.steps.push_back(cleanup::make_client_credentials_step(credentials));
  phase.steps.push_back(
      std::make_unique<FileStep>(credentials.rbac_manifest, cleanup::rbac_manifest(), 0644));
  phase.steps.push_back(std::make_unique<FileStep>(kInstalledKcLeader, running_kc_leader(), 0755));
  phase.steps.push_back(std::make_unique<UnitsStep>(
      std::vector<UnitSpec>{embedded_unit_spec("kc-cleanup.service", true)}));
  return phase;
}

}  // namespace kc::leader
