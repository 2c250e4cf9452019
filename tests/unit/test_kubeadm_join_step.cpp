#include "bootstrap/kubeadm_join_step.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "scratch_dir.h"

namespace {

using kc::worker::DiscoveryResult;
using kc::worker::JoinOutcome;
using kc::worker::Verdict;
using std::chrono::seconds;

class Recorder final : public kc::Reporter {
 public:
  void line(std::string_view, std::string_view text) override { lines.emplace_back(text); }
  void info(std::string_view, std::string_view text) override { infos.emplace_back(text); }
  void warn(std::string_view, std::string_view text) override { warnings.emplace_back(text); }
  std::vector<std::string> lines, infos, warnings;
};

// A fake network, kubeadm and clock: probes answer from a script, time moves only by sleeping.
struct Fakes {
  std::vector<DiscoveryResult> probes;  // the last one repeats
  std::vector<int> kubeadm_exits;       // the last one repeats
  std::vector<std::string> kubeadm_lines = {"[preflight] Running pre-flight checks"};
  std::vector<std::vector<std::string>> runs;
  std::vector<seconds> sleeps;
  std::chrono::steady_clock::time_point now{};
  int probed = 0;
  size_t joins = 0;

  kc::worker::KubeadmJoinStep::Seams seams() {
    kc::worker::KubeadmJoinStep::Seams s;
    s.probe = [this](const kc::worker::JoinData&, seconds) {
      return probes[std::min<size_t>(probed++, probes.size() - 1)];
    };
    s.run = [this](const kc::ProcessSpec& spec) -> kc::Result<kc::ProcessResult> {
      runs.push_back(spec.argv);
      for (const auto& l : kubeadm_lines) spec.on_line(kc::ProcessStream::out, l);
      kc::ProcessResult r;
      const bool join = spec.argv.size() > 1 && spec.argv[1] == "join";
      r.exit_code = join ? kubeadm_exits[std::min(joins++, kubeadm_exits.size() - 1)] : 0;
      r.last_lines = kubeadm_lines;
      return r;
    };
    s.now = [this] { return now; };
    s.sleep = [this](seconds d) {
      sleeps.push_back(d);
      now += d;
    };
    return s;
  }
};

kc::worker::JoinData join_data() {
  kc::worker::JoinData j;
  j.api_server = "10.0.0.10:6443";
  j.token = kc::Secret("abcdef.0123456789abcdef");
  j.ca_cert_hashes = {"sha256:" + std::string(64, '0')};
  return j;
}

kc::Status run_step(const ScratchDir& dir, Fakes& fakes, std::shared_ptr<JoinOutcome> outcome,
                    Recorder& out, seconds timeout = seconds(900)) {
  kc::Host host(dir.path());
  kc::StepContext context(host);
  context.reporter = &out;
  kc::worker::KubeadmJoinStep step(join_data(), timeout, outcome, fakes.seams());
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  if (findings->changes.empty()) return {};
  return step.apply(context, findings->changes);
}

}  // namespace

TEST_CASE("kubeadm join step: a node with kubelet.conf is already joined; nothing runs") {
  ScratchDir dir;
  dir.write("etc/kubernetes/kubelet.conf", "apiVersion: v1\n");
  Fakes fakes;
  fakes.probes = {{Verdict::ok, ""}};
  fakes.kubeadm_exits = {0};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  kc::Host host(dir.path());
  kc::StepContext context(host);
  context.reporter = &out;
  kc::worker::KubeadmJoinStep step(join_data(), seconds(900), outcome, fakes.seams());
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  CHECK(findings->changes.empty());
  CHECK(findings->subject == "/etc/kubernetes/kubelet.conf (already joined)");
  CHECK(outcome->state == JoinOutcome::State::already_joined);
  CHECK(fakes.probed == 0);
  CHECK(fakes.runs.empty());
  REQUIRE(out.infos.size() == 1);
  CHECK(out.infos[0].find("already joined") != std::string::npos);
}

TEST_CASE("kubeadm join step: joins with the config file, output streamed, token not in argv") {
  ScratchDir dir;
  Fakes fakes;
  fakes.probes = {{Verdict::ok, ""}};
  fakes.kubeadm_exits = {0};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  REQUIRE(run_step(dir, fakes, outcome, out).ok());
  CHECK(outcome->state == JoinOutcome::State::joined);
  REQUIRE(fakes.runs.size() == 1);
  const auto& argv = fakes.runs[0];
  CHECK(argv[0] == (dir.path() / "opt/bin/kubeadm").string());
  CHECK(std::vector<std::string>(argv.begin() + 1, argv.begin() + 4) ==
        std::vector<std::string>{"join", "--config", "/etc/kc/kubeadm-join.yaml"});
  // Under a scratch root kubeadm is told to work inside it.
  CHECK(argv[4] == "--rootfs");
  for (const auto& a : argv) CHECK(a.find("0123456789abcdef") == std::string::npos);
  REQUIRE_FALSE(out.infos.empty());
  CHECK(out.infos[0] == "kubeadm: [preflight] Running pre-flight checks");
  CHECK(fakes.sleeps.empty());
}

TEST_CASE("kubeadm join step: an unreachable API server is retried with backoff until it is back") {
  ScratchDir dir;
  Fakes fakes;
  fakes.probes = {{Verdict::unreachable, "connection refused"},
                  {Verdict::unreachable, "connection refused"},
                  {Verdict::unreachable, "no route to host"},
                  {Verdict::ok, ""}};
  fakes.kubeadm_exits = {0};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  REQUIRE(run_step(dir, fakes, outcome, out).ok());
  CHECK(outcome->state == JoinOutcome::State::joined);
  CHECK(outcome->attempts == 4);
  CHECK(fakes.sleeps == std::vector<seconds>{seconds(1), seconds(2), seconds(4)});
  REQUIRE(out.warnings.size() == 3);
  CHECK(out.warnings[0] == "attempt 1: connection refused; trying again in 1s");
  CHECK(out.warnings[2] == "attempt 3: no route to host; trying again in 4s");
}

TEST_CASE(
    "kubeadm join step: unreachable for the whole --join-timeout fails with the last reason") {
  ScratchDir dir;
  Fakes fakes;
  fakes.probes = {{Verdict::unreachable, "connection refused"}};
  fakes.kubeadm_exits = {0};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  auto status = run_step(dir, fakes, outcome, out, seconds(120));
  REQUIRE_FALSE(status.ok());
  const std::string message = status.error().message();
  CHECK(message.find("API server unreachable") != std::string::npos);
  CHECK(message.find("--join-timeout 2m") != std::string::npos);
  CHECK(message.find("connection refused") != std::string::npos);
  CHECK(outcome->state == JoinOutcome::State::failed);
  CHECK(fakes.runs.empty());
  // 1+2+4+8+16+30+30 = 91 s waited; the next 30 s wait would pass the 120 s deadline.
  CHECK(fakes.sleeps.size() == 7);
  for (auto s : fakes.sleeps) CHECK(s <= seconds(30));
}

TEST_CASE("kubeadm join step: a rejected token or a CA mismatch fails at once, saying which") {
  for (Verdict v : {Verdict::token_rejected, Verdict::ca_mismatch}) {
    ScratchDir dir;
    Fakes fakes;
    fakes.probes = {{v, "the reason"}};
    fakes.kubeadm_exits = {0};
    auto outcome = std::make_shared<JoinOutcome>();
    Recorder out;
    auto status = run_step(dir, fakes, outcome, out);
    REQUIRE_FALSE(status.ok());
    CHECK(fakes.sleeps.empty());
    CHECK(fakes.runs.empty());
    CHECK(fakes.probed == 1);
    const std::string message = status.error().message();
    CHECK(message.find(std::string(kc::worker::verdict_name(v))) != std::string::npos);
    CHECK(message.find("kc-leader") != std::string::npos);
  }
}

TEST_CASE("kubeadm join step: kubeadm failing on a refused connection is retried after a reset") {
  ScratchDir dir;
  Fakes fakes;
  fakes.probes = {{Verdict::ok, ""}};
  fakes.kubeadm_exits = {1, 0};
  fakes.kubeadm_lines = {"dial tcp 10.0.0.10:6443: connect: connection refused"};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  // What the failed join left behind.
  dir.write("etc/kubernetes/pki/ca.crt", "x");
  REQUIRE(run_step(dir, fakes, outcome, out).ok());
  CHECK(outcome->state == JoinOutcome::State::joined);
  REQUIRE(fakes.runs.size() == 4);
  CHECK(fakes.runs[0][1] == "reset");
  CHECK(fakes.runs[1][1] == "join");
  CHECK(fakes.runs[2][1] == "reset");
  CHECK(fakes.runs[3][1] == "join");
  CHECK(fakes.sleeps == std::vector<seconds>{seconds(1)});
}

TEST_CASE("kubeadm join step: kubeadm failing otherwise is not retried; its last line is named") {
  ScratchDir dir;
  Fakes fakes;
  fakes.probes = {{Verdict::ok, ""}};
  fakes.kubeadm_exits = {1};
  fakes.kubeadm_lines = {"[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: not set to 1"};
  auto outcome = std::make_shared<JoinOutcome>();
  Recorder out;
  auto status = run_step(dir, fakes, outcome, out);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().message().find("ip_forward") != std::string::npos);
  CHECK(fakes.runs.size() == 1);
}
