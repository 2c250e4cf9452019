#include <fmt/format.h>
#include <sys/stat.h>

#include "agent/cleanup_credentials.h"
#include "agent/phases/binary_source.h"
#include "agent/phases/phases.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

namespace {

constexpr const char* kInstalledKcLeader = "/opt/bin/kc-leader";  // what the units run
constexpr mode_t kInstalledMode = 0755;

// /opt/bin/kc-leader with the content of a binary of the operator's (the running kc-leader:
// the admin may run it from /tmp, as the README shows), by stream (agent/phases/binary_source.h):
// check() compares digests, apply() copies it through a staged file.
class InstalledBinaryStep final : public Step {
 public:
  InstalledBinaryStep(std::string source, std::string host_path, mode_t mode)
      : source_(std::move(source), "read the kc-leader to install",
                "kc-leader installs itself as " + host_path +
                    " for kc-cleanup.service and kc-serve.service"),
        host_path_(std::move(host_path)),
        mode_(mode) {}

  std::string describe() const override {
    return fmt::format("file {} ({:04o})", host_path_, mode_);
  }

  Result<Findings> check(const StepContext& context) override {
    KC_TRY(source_.hash());
    Findings findings{{}, host_path_ + " (sha256 " + source_.sha256() + ")"};
    auto diff = source_.compare(context.host, host_path_, mode_);
    if (!diff) return std::move(diff).error();
    if (!diff->has_value()) return findings;
    const FileDifference& d = **diff;
    if (d.content) {
      findings.changes.push_back(
          {Verb::write, host_path_,
           fmt::format("(from {}, sha256 {}; {})", source_.file(), source_.sha256(), d.reason)});
    } else {
      findings.changes.push_back(
          {Verb::set_mode, host_path_, fmt::format("to {:04o} ({})", mode_, d.reason)});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    for (const Change& change : changes) {
      if (change.verb == Verb::set_mode) {
        KC_TRY(context.host.chmod(host_path_, mode_));
      } else {
        KC_TRY(source_.install(context.host, host_path_, mode_));
      }
    }
    return {};
  }

 private:
  BinarySource source_;
  std::string host_path_;
  mode_t mode_;
};

}  // namespace

std::unique_ptr<Step> make_installed_kc_leader_step(const std::string& source) {
  return std::make_unique<InstalledBinaryStep>(source, kInstalledKcLeader, kInstalledMode);
}

// kc-cleanup's RBAC objects are applied with the add-ons (agent/addons/addons.cpp); the
// manifest file stays for operators who read it.
Phase cleanup_phase(const LeaderConfig&) {
  Phase phase{"cleanup", {}};
  const cleanup::CredentialsOptions credentials;
  phase.steps.push_back(cleanup::make_client_credentials_step(credentials));
  phase.steps.push_back(
      std::make_unique<FileStep>(credentials.rbac_manifest, cleanup::rbac_manifest(), 0644));
  phase.steps.push_back(make_installed_kc_leader_step("/proc/self/exe"));
  phase.steps.push_back(std::make_unique<UnitsStep>(
      std::vector<UnitSpec>{embedded_unit_spec("kc-cleanup.service", true)}));
  return phase;
}

}  // namespace kc::leader
