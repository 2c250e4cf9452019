#include "agent/kubeadm_init_step.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include "agent/kubeadm_init_config.h"
#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"

namespace kc::leader {
namespace {

constexpr const char* kResetHint =
    "if the leader has just booted, wait a minute and run kc-leader init again; otherwise run "
    "'sudo kubeadm reset -f' (it removes the half-made control plane) and then kc-leader init";

}  // namespace

KubeadmConfigStep::KubeadmConfigStep(LeaderConfig config,
                                     std::shared_ptr<aws::ResolvedIdentity> identity)
    : config_(std::move(config)), identity_(std::move(identity)) {}

std::string KubeadmConfigStep::describe() const {
  return fmt::format("{} (kubeadm.k8s.io/v1beta4, Kubernetes {}, cluster {}, 0600)",
                     kKubeadmInitFile, config_.kubernetes_version, config_.cluster_name);
}

Result<Findings> KubeadmConfigStep::check(const StepContext& context) {
  const bool known = identity_ && identity_->identity;
  const aws::NodeIdentity id = known ? *identity_->identity : aws::placeholder_identity();
  content_ = leader_init_yaml(config_, id, {true});
  auto diff = compare_file(context.host, kKubeadmInitFile, content_, 0600);
  if (!diff) return std::move(diff).error();
  Findings findings{{}, kKubeadmInitFile};
  if (diff->has_value()) {
    const std::string detail = "(" + (*diff)->reason +
                               (known ? "" : "; node identity not known yet, see [identity]") + ")";
    findings.changes.push_back(
        {(*diff)->content ? Verb::write : Verb::set_mode, kKubeadmInitFile, detail});
  }
  return findings;
}

Status KubeadmConfigStep::apply(const StepContext& context, std::vector<Change>& changes) {
  if (!identity_ || !identity_->identity) {
    return Error{"write " + std::string(kKubeadmInitFile), "", "the node identity is not known",
                 ""};
  }
  for (const Change& change : changes) {
    if (change.verb == Verb::set_mode) {
      KC_TRY(context.host.chmod(kKubeadmInitFile, 0600));
    } else {
      KC_TRY(context.host.make_dirs("/etc/kc"));
      KC_TRY(context.host.write_file(kKubeadmInitFile, content_, 0600));
    }
  }
  return {};
}

Status api_server_ready(const Host& host) {
  auto credentials = load_kubeconfig(host, kAdminConf);
  if (!credentials) return std::move(credentials).error();
  kube::ClientOptions options;
  options.credentials = *credentials;
  options.connect_timeout = std::chrono::seconds(3);
  options.request_timeout = std::chrono::seconds(5);
  kube::Client client(options);
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
    auto response = client.request("GET", "/readyz", "", "", [] { return true; });
    if (!response) {
      why = response.error().why;
      continue;
    }
    if (response->status == 200) return {};
    why = "HTTP " + std::to_string(response->status);
  }
  return Error{"ask the API server", credentials->server + "/readyz", why, ""};
}

std::string failing_kubeadm_phase(const std::vector<std::string>& lines) {
  constexpr std::string_view marker = "error execution phase ";
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const size_t at = it->find(marker);
    if (at == std::string::npos) continue;
    const std::string rest = it->substr(at + marker.size());
    return rest.substr(0, rest.find(':'));
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (it->size() > 2 && (*it)[0] == '[') {
      const size_t end = it->find(']');
      if (end != std::string::npos) return it->substr(1, end - 1);
    }
  }
  return "";
}

KubeadmInitStep::KubeadmInitStep(std::chrono::seconds timeout, ProcessRunner run, ReadyProbe ready)
    : timeout_(timeout), run_(std::move(run)), ready_(std::move(ready)) {
  if (!run_) run_ = [](const ProcessSpec& spec) { return run_process(spec); };
  if (!ready_) ready_ = api_server_ready;
}

std::string KubeadmInitStep::describe() const {
  return fmt::format("kubeadm init --config {} (skipped when the control plane is up)",
                     kKubeadmInitFile);
}

Result<Findings> KubeadmInitStep::check(const StepContext& context) {
  auto admin = context.host.lstat(kAdminConf);
  if (!admin) return std::move(admin).error();
  auto manifests = context.host.list(kManifestsDir);
  if (!manifests) return std::move(manifests).error();
  std::vector<std::string> present;
  if (admin->has_value()) present.push_back(kAdminConf);
  for (const std::string& name : *manifests) {
    if (!Host::is_temporary_name(name)) present.push_back(std::string(kManifestsDir) + "/" + name);
  }
  if (present.empty()) {
    return Findings{
        {Change{Verb::run, "kubeadm init --config " + std::string(kKubeadmInitFile), ""}}, ""};
  }
  std::string why = "no " + std::string(kAdminConf);
  if (admin->has_value()) {
    auto ready = ready_(context.host);
    if (ready) return Findings{{}, "control plane (" + std::string(kAdminConf) + ", /readyz ok)"};
    why = ready.error().message();
  }
  return Error{"kubeadm init", "",
               fmt::format("a previous kubeadm init stopped half-way: {} exist, but the API "
                           "server is not ready ({}); kc does not run kubeadm init over it",
                           fmt::join(present, ", "), why),
               kResetHint};
}

Status KubeadmInitStep::apply(const StepContext& context, std::vector<Change>& changes) {
  ProcessSpec spec;
  spec.argv = {context.host.path(kKubeadm).string(), "init", "--config", kKubeadmInitFile};
  // Under a scratch root kubeadm chroots into it, so the paths it reads are host paths there.
  if (!context.host.is_real_root()) {
    spec.argv.push_back("--rootfs");
    spec.argv.push_back(context.host.root().string());
  }
  spec.environment = {"PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  spec.timeout = timeout_;
  spec.on_line = [&context](ProcessStream, std::string_view line) {
    context.info(fmt::format("kubeadm: {}", line));
  };
  const auto started = std::chrono::steady_clock::now();
  auto result = run_(spec);
  if (!result) return std::move(result).error().context("kubeadm init");
  if (!result->succeeded()) {
    const std::string phase = failing_kubeadm_phase(result->last_lines);
    std::vector<std::string> tail = result->last_lines;
    if (tail.size() > 6) tail.erase(tail.begin(), tail.end() - 6);
    return Error{"kubeadm init", phase.empty() ? "" : "phase " + phase,
                 fmt::format("kubeadm {}; its last lines: {}", result->describe_end(),
                             fmt::join(tail, " | ")),
                 "fix the cause (the whole output is in the log above), then run 'sudo kubeadm "
                 "reset -f' and kc-leader init again"};
  }
  const auto took =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  for (Change& change : changes) change.detail = fmt::format("(in {} s)", took.count());
  return {};
}

}  // namespace kc::leader
