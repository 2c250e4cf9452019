#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "agent/cleanup_credentials.h"
#include "agent/phases/phases.h"
#include "common/core/fd.h"
#include "common/core/sha256.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

namespace {

constexpr const char* kInstalledKcLeader = "/opt/bin/kc-leader";  // what the units run
constexpr mode_t kInstalledMode = 0755;

// /opt/bin/kc-leader with the content of a binary of the operator's (the running kc-leader:
// the admin may run it from /tmp, as the README shows). The source is streamed, never held in
// memory (kc-leader is tens of MB, the unit tests' binary under ASan over 600 MB): check()
// compares digests, apply() copies it through a staged file.
class InstalledBinaryStep final : public Step {
 public:
  InstalledBinaryStep(std::string source, std::string host_path, mode_t mode)
      : source_(std::move(source)), host_path_(std::move(host_path)), mode_(mode) {}

  std::string describe() const override {
    return fmt::format("file {} ({:04o})", host_path_, mode_);
  }

  Result<Findings> check(const StepContext& context) override {
    auto source = open_source();
    if (!source) return std::move(source).error();
    auto digest = sha256_fd(source->get(), source_);
    if (!digest) return std::move(digest).error().context("read the kc-leader to install");
    source_digest_ = std::move(*digest);
    Findings findings{{}, host_path_ + " (sha256 " + source_digest_ + ")"};
    auto installed = context.host.sha256(host_path_);
    if (!installed) return std::move(installed).error();
    if (!installed->has_value() || **installed != source_digest_) {
      findings.changes.push_back({Verb::write, host_path_,
                                  fmt::format("(from {}, sha256 {}; {})", source_, source_digest_,
                                              installed->has_value() ? "content differs" : "new")});
      return findings;
    }
    auto info = context.host.stat(host_path_);
    if (!info) return std::move(info).error();
    if (info->has_value() && (*info)->mode != mode_) {
      findings.changes.push_back(
          {Verb::set_mode, host_path_,
           fmt::format("to {:04o} (mode {:04o} differs)", mode_, (*info)->mode)});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    for (const Change& change : changes) {
      if (change.verb == Verb::set_mode) {
        KC_TRY(context.host.chmod(host_path_, mode_));
      } else {
        KC_TRY(install(context.host));
      }
    }
    return {};
  }

 private:
  Result<UniqueFd> open_source() const {
    UniqueFd fd(::open(source_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      return Error{"read the kc-leader to install", source_, strerror(errno),
                   "kc-leader installs itself as " + host_path_ +
                       " for kc-cleanup.service and kc-serve.service"};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
      return Error{"read the kc-leader to install", source_, strerror(errno), ""};
    }
    if (!S_ISREG(st.st_mode)) {
      return Error{"read the kc-leader to install", source_, "not a regular file", ""};
    }
    return fd;
  }

  // Streams the source into a staged file beside host_path_, checking that what was copied is
  // what check() saw; an error leaves nothing at host_path_ and no temporary file.
  Status install(const Host& host) const {
    auto source = open_source();
    if (!source) return std::move(source).error();
    const std::string parent = std::filesystem::path(host_path_).parent_path().string();
    KC_TRY(host.make_dirs(parent));
    auto staged = host.stage(host_path_);
    if (!staged) return std::move(staged).error();
    Sha256 digest;
    Status written;
    const Status read =
        read_chunks(source->get(), "read", source_, [&](const char* data, size_t size) {
          digest.update(data, size);
          while (size > 0 && written) {
            const ssize_t n = ::write(staged->fd(), data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
              written = Error{"write", host.path(host_path_).string(), strerror(errno), ""};
              return;
            }
            data += n;
            size -= static_cast<size_t>(n);
          }
        });
    KC_TRY(read);
    KC_TRY(written);
    if (digest.hex_digest() != source_digest_) {
      return Error{"install " + host_path_, source_, "the file changed while it was copied",
                   "run the command again"};
    }
    return staged->commit(mode_);
  }

  std::string source_;
  std::string host_path_;
  mode_t mode_;
  std::string source_digest_;
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
