#include <fcntl.h>
#include <unistd.h>

#include "agent/cleanup_credentials.h"
#include "agent/phases/phases.h"
#include "common/core/fd.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

namespace {

constexpr const char* kInstalledKcLeader = "/opt/bin/kc-leader";  // what the units run

// The running kc-leader (an operator's file, not a host path: the admin may run it from /tmp,
// as the README shows), which kc-cleanup.service and kc-serve.service run as /opt/bin/kc-leader.
std::string running_kc_leader() {
  // Read in bulk: byte by byte through an istreambuf_iterator took minutes under ASan, where the
  // binary reading itself (the unit tests) is over 600 MB.
  const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  auto content = read_all(fd, "read", "/proc/self/exe");
  ::close(fd);
  return content ? std::move(*content) : std::string();
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
