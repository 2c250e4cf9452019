#include "bootstrap/kubeadm_join_step.h"

#include <fmt/format.h>

#include <thread>

#include "bootstrap/join_retry.h"

namespace kc::worker {
namespace {

constexpr std::string_view kKubeadm = "/opt/bin/kubeadm";
// What a kubeadm join that stopped half-way leaves without kubelet.conf.
constexpr std::string_view kHalfJoined[] = {"/etc/kubernetes/bootstrap-kubelet.conf",
                                            "/etc/kubernetes/pki/ca.crt"};
constexpr std::chrono::seconds kProbeTimeout{10};
constexpr std::chrono::seconds kKubeadmTimeout{10 * 60};

std::string seconds_text(std::chrono::seconds s) {
  return s.count() % 60 == 0 && s.count() >= 60 ? fmt::format("{}m", s.count() / 60)
                                                : fmt::format("{}s", s.count());
}

}  // namespace

KubeadmJoinStep::KubeadmJoinStep(JoinData join, std::chrono::seconds join_timeout,
                                 std::shared_ptr<JoinOutcome> outcome, Seams seams)
    : join_(std::move(join)),
      join_timeout_(join_timeout),
      outcome_(outcome ? std::move(outcome) : std::make_shared<JoinOutcome>()),
      seams_(std::move(seams)) {
  if (!seams_.probe) {
    seams_.probe = [](const JoinData& j, std::chrono::seconds timeout) {
      return probe_discovery(j.api_server, j.token, j.ca_cert_hashes, timeout);
    };
  }
  if (!seams_.run) seams_.run = run_process;
  if (!seams_.now) seams_.now = [] { return std::chrono::steady_clock::now(); };
  if (!seams_.sleep) seams_.sleep = [](std::chrono::seconds s) { std::this_thread::sleep_for(s); };
}

std::string KubeadmJoinStep::describe() const {
  return fmt::format("kubeadm join --config {} (API server {}), unless {} shows the node joined",
                     kKubeadmJoinConfig, join_.api_server, kKubeletConf);
}

Result<Findings> KubeadmJoinStep::check(const StepContext& context) {
  auto conf = context.host.lstat(kKubeletConf);
  if (!conf) return std::move(conf).error();
  if (*conf) {
    outcome_->state = JoinOutcome::State::already_joined;
    context.info(
        fmt::format("already joined: {} exists, kubeadm join is not run again", kKubeletConf));
    return Findings{{}, fmt::format("{} (already joined)", kKubeletConf)};
  }
  outcome_->state = JoinOutcome::State::planned;
  return Findings{
      {{Verb::run, fmt::format("kubeadm join --config {}", kKubeadmJoinConfig),
        fmt::format("(API server {}, CA pinned by {}, bootstrap token {})", join_.api_server,
                    join_.ca_cert_hashes.empty() ? "" : join_.ca_cert_hashes.front(),
                    join_.token)}},
      ""};
}

Result<bool> KubeadmJoinStep::half_joined(const Host& host) const {
  for (auto path : kHalfJoined) {
    auto entry = host.lstat(path);
    if (!entry) return std::move(entry).error();
    if (*entry) return true;
  }
  return false;
}

Result<ProcessResult> KubeadmJoinStep::run_kubeadm(const StepContext& context,
                                                   const std::vector<std::string>& args,
                                                   std::chrono::seconds timeout) {
  ProcessSpec spec;
  spec.argv.push_back(context.host.path(kKubeadm).string());
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  // Under a scratch root kubeadm works inside it, as it does on a node with --rootfs.
  if (!context.host.is_real_root()) {
    spec.argv.push_back("--rootfs");
    spec.argv.push_back(context.host.root().string());
  }
  spec.timeout = timeout;
  spec.on_line = [&context](ProcessStream, std::string_view line) {
    context.info(fmt::format("kubeadm: {}", line));
  };
  return seams_.run(spec);
}

Status KubeadmJoinStep::apply(const StepContext& context, std::vector<Change>&) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = seams_.now();
  const Clock::time_point deadline = start + join_timeout_;
  auto fail = [&](Verdict verdict, const std::string& why) -> Status {
    outcome_->state = JoinOutcome::State::failed;
    return Error{"join the cluster", join_.api_server,
                 fmt::format("{}: {}", verdict_name(verdict), why), verdict_hint(verdict)};
  };
  for (int attempt = 1;; ++attempt) {
    outcome_->attempts = attempt;
    DiscoveryResult probe = seams_.probe(join_, kProbeTimeout);
    std::string reason = probe.reason;
    Verdict verdict = probe.verdict;
    if (verdict == Verdict::ok) {
      auto half = half_joined(context.host);
      if (!half) return std::move(half).error();
      if (*half) {
        context.info(
            "an earlier kubeadm join stopped half-way (no kubelet.conf yet): running "
            "kubeadm reset --force first");
        auto reset = run_kubeadm(context, {"reset", "--force"}, std::chrono::seconds(120));
        if (!reset) return std::move(reset).error().context("kubeadm reset");
        if (!reset->succeeded()) {
          return fail(Verdict::failed, "kubeadm reset --force " + reset->describe_end());
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - seams_.now());
      auto run = run_kubeadm(context, {"join", "--config", std::string(kKubeadmJoinConfig)},
                             std::max(kKubeadmTimeout, left));
      if (!run) return std::move(run).error().context("kubeadm join");
      if (run->succeeded()) {
        outcome_->state = JoinOutcome::State::joined;
        return {};
      }
      verdict = classify_kubeadm_failure(run->last_lines);
      reason = fmt::format("kubeadm join {}{}", run->describe_end(),
                           run->last_lines.empty() ? "" : ": " + run->last_lines.back());
    }
    if (verdict != Verdict::unreachable) return fail(verdict, reason);
    const std::chrono::seconds delay = backoff_delay(attempt);
    if (seams_.now() + delay >= deadline) {
      return fail(verdict, fmt::format("not reachable within --join-timeout {} ({} attempts); "
                                       "the last: {}",
                                       seconds_text(join_timeout_), attempt, reason));
    }
    context.warn(
        fmt::format("attempt {}: {}; trying again in {}", attempt, reason, seconds_text(delay)));
    seams_.sleep(delay);
  }
}

}  // namespace kc::worker
