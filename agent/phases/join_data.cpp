// The join-data phase of init: the kc-worker binary kc-serve serves, kc-serve.service, and
// /etc/kc/join.json (0600) with a bootstrap token created through kubeadm.
#include <fmt/format.h>

#include <algorithm>

#include "agent/join_data.h"
#include "agent/phases/join_source.h"
#include "agent/phases/phases.h"
#include "agent/serve.h"
#include "common/core/plan.h"
#include "common/join/join_file.h"
#include "common/systemd/units.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

KcWorkerSource::KcWorkerSource(std::string file)
    : binary_(std::move(file), "read --kc-worker",
              "give the kc-worker binary with --kc-worker FILE (release.sh ships it next to "
              "kc-leader)") {}

Status KcWorkerSource::load() {
  if (loaded_) return *loaded_;
  if (auto read = binary_.hash(); !read) {
    loaded_ = std::move(read);
  } else if (auto elf = elf_arch(binary_.head(), binary_.file()); !elf) {
    loaded_ = std::move(elf).error();
  } else {
    arch_ = *elf;
    loaded_ = Status{};
  }
  return *loaded_;
}

namespace {

// /var/lib/kc/serve/kc-worker-ARCH, 0755, the --kc-worker file's content, compared by digest and
// copied by stream.
class ServedKcWorkerStep final : public Step {
 public:
  explicit ServedKcWorkerStep(std::shared_ptr<KcWorkerSource> source)
      : source_(std::move(source)) {}
  std::string describe() const override {
    return "the kc-worker kc-serve serves (" + source_->file() + ")";
  }
  Result<Findings> check(const StepContext& context) override {
    if (auto loaded = source_->load(); !loaded) {
      // Planned, not failed: a dry run (from a build tree, say) shows the rest of the plan; a
      // real run stops in apply() with this error.
      context.warn(loaded.error().message());
      Findings findings{{}, ""};
      findings.changes.push_back(
          {Verb::install, served_kc_worker_path("ARCH"),
           "from " + source_->file() + " (not found: give --kc-worker FILE)"});
      return findings;
    }
    path_ = served_kc_worker_path(source_->arch());
    auto diff = source_->binary().compare(context.host, path_, kMode);
    if (!diff) return std::move(diff).error();
    Findings findings{{}, path_ + " (sha256 " + source_->sha256() + ")"};
    if (diff->has_value()) {
      findings.changes.push_back({Verb::install, path_,
                                  fmt::format("from {} (sha256 {}, {})", source_->file(),
                                              source_->sha256(), (*diff)->reason)});
    }
    return findings;
  }
  Status apply(const StepContext& context, std::vector<Change>&) override {
    KC_TRY(source_->load());
    return source_->binary().install(context.host, path_, kMode);
  }

 private:
  static constexpr mode_t kMode = 0755;
  std::shared_ptr<KcWorkerSource> source_;
  std::string path_;
};

// kc-serve.service with a drop-in pinning the digest it serves: a new kc-worker changes the
// drop-in, so the units step restarts kc-serve to serve it.
class KcServeUnitStep final : public Step {
 public:
  explicit KcServeUnitStep(std::shared_ptr<KcWorkerSource> source) : source_(std::move(source)) {}
  std::string describe() const override { return "kc-serve.service"; }
  bool needs_systemd() const override { return true; }
  Result<Findings> check(const StepContext& context) override {
    units_.reset();
    if (!source_->load()) {  // the step before says why
      Findings findings{{}, ""};
      findings.changes.push_back({Verb::start, "kc-serve.service",
                                  "(written, enabled and started once --kc-worker is found)"});
      return findings;
    }
    UnitSpec spec = embedded_unit_spec("kc-serve.service", true);
    spec.files.push_back(
        {"kc-serve.service.d/10-pin.conf",
         fmt::format("# Written by kc-leader init: kc-serve serves only this kc-worker.\n"
                     "[Service]\nEnvironment=KC_SERVE_PINS=--pin={}={}\n",
                     source_->arch(), source_->sha256())});
    units_ = std::make_unique<UnitsStep>(std::vector<UnitSpec>{std::move(spec)});
    return units_->check(context);
  }
  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    KC_TRY(source_->load());
    return units_->apply(context, changes);
  }

 private:
  std::shared_ptr<KcWorkerSource> source_;
  std::unique_ptr<UnitsStep> units_;
};

// /etc/kc/join.json: the API server, a bootstrap token that kubeadm still lists, the CA hash,
// and the cluster's settings. A valid file whose token is still listed is kept.
class JoinFileStep final : public Step {
 public:
  explicit JoinFileStep(const LeaderConfig& config) : config_(config) {}
  std::string describe() const override { return std::string(join::kJoinFilePath); }

  Result<Findings> check(const StepContext& context) override {
    const Host& host = context.host;
    wanted_ = {};
    token_ = Secret();
    Findings findings{{}, std::string(join::kJoinFilePath) + " (0600)"};
    auto ca = host.read_file(kCaCertPath);
    if (!ca) return std::move(ca).error();
    auto admin = host.stat(kAdminKubeconfigPath);
    if (!admin) return std::move(admin).error();
    if (!ca->has_value() || !admin->has_value()) {
      // A dry run before kubeadm init: the cluster that the join data describes is not there yet.
      findings.changes.push_back({Verb::create, "a bootstrap token",
                                  "(kubeadm token create --ttl " + config_.join.token_ttl + ")"});
      findings.changes.push_back({Verb::write, std::string(join::kJoinFilePath),
                                  "(0600; CA hash of " + std::string(kCaCertPath) +
                                      " and the API server of " +
                                      std::string(kAdminKubeconfigPath) +
                                      ", once kubeadm init "
                                      "wrote them)"});
      return findings;
    }
    auto hash = ca_cert_hash(**ca, host.path(kCaCertPath).string());
    if (!hash) return std::move(hash).error();
    auto endpoint = api_server_endpoint(host);
    if (!endpoint) return std::move(endpoint).error();
    wanted_.api_server_endpoint = *endpoint;
    wanted_.ca_cert_hashes = {*hash};
    wanted_.kubernetes_version = config_.kubernetes_version;
    wanted_.cluster_name = config_.cluster_name;
    wanted_.pod_subnet = config_.pod_subnet;

    // The token of the file there, if kubeadm still lists it.
    auto existing = join::read_join_file(host);
    if (existing) {
      auto kubeadm = host.stat(kKubeadmPath);
      if (!kubeadm) return std::move(kubeadm).error();
      if (kubeadm->has_value()) {
        auto ids = list_bootstrap_token_ids(host);
        if (!ids) return std::move(ids).error().context("check the join file's token");
        if (std::find(ids->begin(), ids->end(), token_id(existing->join.token)) != ids->end()) {
          token_ = existing->join.token;
        }
      }
    }
    if (token_.empty()) {
      findings.changes.push_back({Verb::create, "a bootstrap token",
                                  "(kubeadm token create --ttl " + config_.join.token_ttl + ")"});
      findings.changes.push_back(
          {Verb::write, std::string(join::kJoinFilePath),
           existing ? "(0600; its token is no longer listed by kubeadm)" : "(0600, new)"});
      return findings;
    }
    wanted_.token = token_;
    const std::string content = join::to_json(wanted_);
    auto diff = compare_file(host, std::string(join::kJoinFilePath), content, join::kJoinFileMode);
    if (!diff) return std::move(diff).error();
    if (diff->has_value()) {
      findings.changes.push_back({(*diff)->content ? Verb::write : Verb::set_mode,
                                  std::string(join::kJoinFilePath),
                                  "(0600; " + (*diff)->reason + ")"});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    if (wanted_.api_server_endpoint.empty()) {
      return Error{"write the join file", std::string(join::kJoinFilePath),
                   "the CA certificate or admin.conf is missing",
                   "kubeadm init writes them; run kc-leader init"};
    }
    if (token_.empty()) {
      auto token = create_bootstrap_token(context.host, config_.join.token_ttl);
      if (!token) return std::move(token).error();
      token_ = *token;
      for (auto& change : changes) {
        if (change.verb == Verb::create) change.detail += " (id " + token_id(token_) + ")";
      }
    }
    wanted_.token = token_;
    return join::write_join_file(context.host, wanted_);
  }

 private:
  const LeaderConfig config_;
  join::JoinFile wanted_;
  Secret token_;
};

}  // namespace

Phase join_data_phase(const LeaderConfig& config) {
  Phase phase{"join-data", {}};
  auto source = std::make_shared<KcWorkerSource>(config.join.kc_worker);
  phase.steps.push_back(std::make_unique<ServedKcWorkerStep>(source));
  phase.steps.push_back(std::make_unique<FileStep>(
      std::string(kWorkerBinaryUrlPath),
      config.join.worker_binary_url.empty() ? "" : config.join.worker_binary_url + "\n", 0644));
  phase.steps.push_back(std::make_unique<FileStep>(
      std::string(kWorkerArgsPath),
      config.join.worker_args.empty() ? "" : config.join.worker_args + "\n", 0644));
  if (config.join.worker_binary_url.empty()) {
    phase.steps.push_back(std::make_unique<KcServeUnitStep>(source));
  }
  phase.steps.push_back(std::make_unique<JoinFileStep>(config));
  return phase;
}

}  // namespace kc::leader
