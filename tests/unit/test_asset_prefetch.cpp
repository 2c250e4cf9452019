#include "common/assets/asset_prefetch.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/assets/assets_step.h"
#include "common/cli/plan_command.h"
#include "common/core/exit_codes.h"
#include "common/core/fd.h"
#include "common/net/downloader.h"
#include "http_standin.h"
#include "scratch_dir.h"
#include "standin_mirror.h"

using namespace kc;

namespace {

const std::string kKubelet = "kubelet binary " + std::string(50000, 'l');

const std::string kCni = plugins_tarball({"bridge"});

// The plan's lines and notes; the prefetch's progress notes come from its own thread.
struct Lines final : Reporter {
  std::mutex mutex;
  std::vector<std::string> out, infos, errors;
  void line(std::string_view phase, std::string_view text) override {
    std::lock_guard<std::mutex> hold(mutex);
    out.push_back("[" + std::string(phase) + "] " + std::string(text));
  }
  void info(std::string_view, std::string_view text) override {
    std::lock_guard<std::mutex> hold(mutex);
    infos.emplace_back(text);
  }
  void warn(std::string_view, std::string_view text) override { error("", text); }
  void error(std::string_view, std::string_view text) override {
    std::lock_guard<std::mutex> hold(mutex);
    errors.emplace_back(text);
  }
  std::string all() {
    std::lock_guard<std::mutex> hold(mutex);
    std::string s;
    for (const auto& l : out) s += l + "\n";
    for (const auto& l : errors) s += l + "\n";
    return s;
  }
};

// A step of an earlier phase that takes its time (as preflight starting containerd) and may fail.
struct SlowStep final : Step {
  std::function<void()> during;  // what to look at while the step runs
  bool fail = false;
  std::string describe() const override { return "slow"; }
  Result<Findings> check(const StepContext&) override {
    return Findings{{Change{Verb::run, "slow", ""}}, "slow"};
  }
  Status apply(const StepContext&, std::vector<Change>&) override {
    if (during) during();
    if (fail) return Error{"start containerd", "containerd.service", "it failed", ""};
    return {};
  }
};

// A scratch root, a stand-in mirror and a catalog, and the plan's lines.
struct Fixture : StandinMirror {
  Lines lines;

  Fixture()
      : StandinMirror(
            {{"kubelet", "binary", "kubernetes", "/kubelet", "/kubelet", "/opt/bin", kKubelet},
             {"cni", "tarball", "1.0.0", "/cni.tar", "/cni.tar", "/opt/cni/bin", kCni}}) {}
  StepContext context() {
    StepContext c(host, false);
    c.reporter = &lines;
    c.phase = "assets";
    return c;
  }
  // Every file and directory under the root, relative to it.
  std::vector<std::string> tree() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "root")) {
      out.push_back(std::filesystem::relative(e.path(), dir / "root").string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Both files fetched to their last byte (verified or about to be).
  void wait_for_downloads() const {
    for (int i = 0; i < 500 && server.requests().size() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // early (a SlowStep), then assets.
  Plan plan(SlowStep*& slow) {
    Plan p;
    Phase early{"preflight", {}};
    auto step = std::make_unique<SlowStep>();
    slow = step.get();
    early.steps.push_back(std::move(step));
    p.push_back(std::move(early));
    Phase assets{"assets", {}};
    assets.steps.push_back(std::make_unique<AssetsStep>(options()));
    p.push_back(std::move(assets));
    return p;
  }
  int run(Plan& plan, bool dry_run) {
    cli::GlobalOptions o;
    o.root = (dir / "root").string();
    o.dry_run = dry_run;
    const PlanCompanion downloads{[&plan](const StepContext& c) { start_prefetch(plan, c); },
                                  [&plan] { stop_prefetch(plan); }};
    return run_plan_command("kc-worker join", plan, o, &lines, false, downloads);
  }
};

bool has(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

TEST_CASE("Prefetch: the work waits at release until the step's turn, or is dropped") {
  SUBCASE("released") {
    Prefetch p;
    std::atomic<int> went{-1};
    p.start([&] { went = p.wait_for_release() ? 1 : 0; });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(went == -1);  // held
    p.release_and_join();
    CHECK(went == 1);
    CHECK_FALSE(p.cancelled().load());
  }
  SUBCASE("cancelled") {
    Prefetch p;
    std::atomic<int> went{-1};
    p.start([&] { went = p.wait_for_release() ? 1 : 0; });
    p.cancel();
    CHECK(went == 0);
    CHECK(p.cancelled().load());
  }
  SUBCASE("never started: cancel and release do nothing") {
    Prefetch p;
    CHECK_FALSE(p.started());
    p.cancel();
    p.release_and_join();
  }
}

TEST_CASE("downloader: a cancel flag fails every file not yet downloaded, at once") {
  HttpStandin server;
  server.serve("/big", std::string(100000, 'b'));
  server.stall_after("/big", 1000);  // never ends by itself
  ScratchDir dir;
  dir.write("big", "");
  UniqueFd fd(::open((dir / "big").c_str(), O_RDWR | O_CLOEXEC));
  std::atomic<bool> cancel{false};
  DownloadOptions options;
  options.retries = 0;
  options.cancel = &cancel;
  std::thread canceller([&] {
    for (int i = 0; i < 500 && server.requests().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    cancel = true;
  });
  auto results = download_all(
      {DownloadRequest{"big", server.url("/big"), std::nullopt, fd.get(), "/opt/bin/big"}},
      options);
  canceller.join();
  REQUIRE(results.size() == 1);
  REQUIRE_FALSE(results[0].ok());
  CHECK(results[0].error().message().find("cancelled") != std::string::npos);
}

TEST_CASE("prefetch: downloads start at once, nothing is installed before apply()") {
  Fixture f;
  AssetsStep step(f.options());
  step.prefetch(f.context());
  f.wait_for_downloads();
  CHECK(f.server.requests_for("/kubelet") == 1);
  CHECK(f.server.requests_for("/cni.tar") == 1);
  // Verified, held: only staged files (and their directories) exist.
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/opt/bin/kubelet"));
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/opt/cni/bin/bridge"));
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/var/lib/kc/assets.json"));

  auto findings = step.check(f.context());  // prefetch's observation
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].object.find("kubelet 1.36.3 (amd64, binary)") != std::string::npos);
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_MESSAGE(applied.ok(), applied.error().message());
  CHECK(findings->changes[0].verb == Verb::install);
  CHECK(findings->changes[0].object == "kubelet 1.36.3, cni 1.0.0");
  CHECK(findings->changes[0].detail.find("transfer(s), started with the run; waited ") !=
        std::string::npos);
  CHECK(f.dir.read("root/opt/bin/kubelet") == kKubelet);
  CHECK(f.dir.read("root/opt/cni/bin/bridge") == "bridge plugin");
  CHECK(f.server.requests().size() == 2);  // downloaded once
  CHECK(f.tree() == std::vector<std::string>{"opt", "opt/bin", "opt/bin/kubelet", "opt/cni",
                                             "opt/cni/bin", "opt/cni/bin/bridge", "var", "var/lib",
                                             "var/lib/kc", "var/lib/kc/assets.json"});
}

TEST_CASE("prefetch with everything in place starts nothing; check() still reports it") {
  Fixture f;
  {
    AssetsStep first(f.options());
    auto findings = first.check(f.context());
    REQUIRE(findings.ok());
    REQUIRE(first.apply(f.context(), findings->changes).ok());
  }
  const size_t fetched = f.server.requests().size();
  AssetsStep step(f.options());
  step.prefetch(f.context());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  CHECK(findings->changes.empty());
  CHECK(findings->subject == "kubelet 1.36.3, cni 1.0.0");
  CHECK(f.server.requests().size() == fetched);
}

TEST_CASE("prefetch cancelled: staged files and the directories made for them are removed") {
  Fixture f;
  SUBCASE("while downloading") {
    f.server.stall_after("/kubelet", 1000);
    AssetsStep step(f.options());
    step.prefetch(f.context());
    for (int i = 0; i < 500 && f.server.requests().size() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK_FALSE(f.tree().empty());  // staged
    step.cancel_prefetch();
    CHECK(f.tree().empty());
  }
  SUBCASE("verified and held for the step") {
    AssetsStep step(f.options());
    step.prefetch(f.context());
    f.wait_for_downloads();
    step.cancel_prefetch();
    CHECK(f.tree().empty());
  }
  SUBCASE("directories that were there stay") {
    std::filesystem::create_directories(f.dir / "root/opt/bin");
    AssetsStep step(f.options());
    step.prefetch(f.context());
    step.cancel_prefetch();
    CHECK(f.tree() == std::vector<std::string>{"opt", "opt/bin"});
  }
}

TEST_CASE("a run: downloads overlap the phases before assets; a dry run downloads nothing") {
  Fixture f;
  SUBCASE("dry run") {
    SlowStep* slow = nullptr;
    Plan plan = f.plan(slow);
    CHECK(f.run(plan, true) == exit_code::ok);
    CHECK(f.server.requests().empty());
    CHECK(f.tree().empty());
    CHECK(f.lines.all().find("[assets] would download, verify and install") != std::string::npos);
  }
  SUBCASE("real run") {
    SlowStep* slow = nullptr;
    Plan plan = f.plan(slow);
    size_t seen_during = 0;
    slow->during = [&] {
      f.wait_for_downloads();
      seen_during = f.server.requests().size();
    };
    CHECK(f.run(plan, false) == exit_code::ok);
    CHECK(seen_during == 2);  // both fetched while the earlier phase ran
    CHECK(f.server.requests().size() == 2);
    const std::string out = f.lines.all();
    CHECK(out.find("[assets] installed kubelet 1.36.3, cni 1.0.0 (") != std::string::npos);
    CHECK(out.find("started with the run; waited") != std::string::npos);
    CHECK(f.dir.read("root/opt/bin/kubelet") == kKubelet);
  }
  SUBCASE("an earlier phase fails: downloads cancelled, nothing left") {
    f.server.stall_after("/kubelet", 1000);
    SlowStep* slow = nullptr;
    Plan plan = f.plan(slow);
    slow->fail = true;
    std::vector<std::string> during;
    slow->during = [&] {
      for (int i = 0; i < 500 && f.server.requests().size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      during = f.tree();
    };
    CHECK(f.run(plan, false) == exit_code::failed);
    CHECK(has(during, "opt/bin"));  // staged there while the earlier phase ran
    CHECK(f.tree() == std::vector<std::string>{"run", "run/kc.lock"});  // the lock only
    CHECK(f.lines.all().find("it failed") != std::string::npos);
  }
}

TEST_CASE("prefetch observes once: check() returns its observation, warnings are not repeated") {
  Fixture f;
  {
    AssetsStep first(f.options());
    auto findings = first.check(f.context());
    REQUIRE(findings.ok());
    REQUIRE(first.apply(f.context(), findings->changes).ok());
  }
  f.dir.write("root/opt/bin/kubelet", "replaced by someone else");
  ::chmod((f.dir / "root/opt/bin/kubelet").c_str(), 0755);
  AssetsStep step(f.options());
  step.prefetch(f.context());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].object.find("kubelet 1.36.3 (amd64, binary)") != std::string::npos);
  CHECK(findings->changes[0].object.find("already in place: cni 1.0.0") != std::string::npos);
  CHECK(f.lines.errors ==
        std::vector<std::string>{"/opt/bin/kubelet was changed since kc installed it"});
  REQUIRE(step.apply(f.context(), findings->changes).ok());
  CHECK(f.dir.read("root/opt/bin/kubelet") == kKubelet);
}
