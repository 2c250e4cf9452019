#include "common/assets/assets_step.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <mutex>
#include <set>

#include "common/assets/asset_state.h"
#include "common/core/sha256.h"
#include "standin_mirror.h"
#include "tar_writer.h"

using namespace kc;

namespace {

const std::string kKubelet = "kubelet binary " + std::string(5000, 'l');
const std::string kKubectl = "kubectl binary " + std::string(3000, 'c');

const std::string kCni = plugins_tarball({"bridge", "loopback"});

// Notes and warnings a step sends, and the plan's lines.
struct RecordingReporter : Reporter {
  std::vector<std::string> lines, infos, warnings;
  void line(std::string_view, std::string_view text) override { lines.emplace_back(text); }
  void info(std::string_view, std::string_view text) override { infos.emplace_back(text); }
  void warn(std::string_view, std::string_view text) override { warnings.emplace_back(text); }
};

// A scratch root, a stand-in mirror and a catalog (URLs with {version} and {arch}), and every
// change the host makes.
struct Fixture : StandinMirror {
  RecordingReporter reporter;
  std::mutex mutex;
  std::vector<std::string> changes;  // every host change, "kind path"

  Fixture()
      : StandinMirror({{"kubelet", "binary", "kubernetes", "/v{version}/{arch}/kubelet",
                        "/v1.36.3/amd64/kubelet", "/opt/bin", kKubelet},
                       {"kubectl", "binary", "kubernetes", "/v{version}/{arch}/kubectl",
                        "/v1.36.3/amd64/kubectl", "/opt/bin", kKubectl},
                       {"cni", "tarball", "1.0.0", "/cni-{arch}-{version}.tar",
                        "/cni-amd64-1.0.0.tar", "/opt/cni/bin", kCni}}) {
    host.set_observer([this](const HostChange& c) {
      static const char* kinds[] = {"write", "set_mode", "remove", "make_dirs", "stage"};
      std::lock_guard<std::mutex> hold(mutex);
      changes.push_back(std::string(kinds[c.kind]) + " " + c.host_path);
    });
  }

  AssetOptions options() const {
    AssetOptions o = StandinMirror::options();
    o.progress = false;
    return o;
  }
  StepContext context(bool dry_run = false) {
    StepContext c(host, dry_run);
    c.reporter = &reporter;
    c.phase = "assets";
    return c;
  }
  std::string file(const std::string& rel) const { return dir.read("root/" + rel); }
  mode_t mode(const std::string& rel) const {
    struct stat st {};
    ::lstat((dir / ("root/" + rel)).c_str(), &st);
    return st.st_mode & 07777;
  }
  // Installs everything once (check, then apply, as the engine does on a real run).
  void install() {
    AssetsStep step(options());
    auto findings = step.check(context());
    REQUIRE_MESSAGE(findings.ok(), findings.error().message());
    REQUIRE(step.apply(context(), findings->changes).ok());
  }
  std::vector<std::string> recorded() {
    std::lock_guard<std::mutex> hold(mutex);
    return changes;
  }
};

}  // namespace

TEST_CASE("check() on an empty root plans every artifact and changes nothing") {
  Fixture f;
  AssetsStep step(f.options());
  auto findings = step.check(f.context(true));
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  REQUIRE(findings->changes.size() == 1);
  const Change& c = findings->changes[0];
  CHECK(c.verb == Verb::perform);
  CHECK(c.object.rfind("download, verify and install for Kubernetes 1.36.3 (amd64):", 0) == 0);
  CHECK(c.object.find("kubelet 1.36.3 (amd64, binary) from " +
                      f.server.url("/v1.36.3/amd64/kubelet") + " to /opt/bin") !=
        std::string::npos);
  CHECK(c.object.find("cni 1.0.0 (amd64, tarball)") != std::string::npos);
  CHECK(f.recorded().empty());
  CHECK(f.server.requests().empty());  // pinned digests: nothing fetched to check
  CHECK(std::filesystem::is_empty(f.dir / "root"));
}

TEST_CASE("apply() installs every artifact, records it, and reports what it installed") {
  Fixture f;
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_MESSAGE(applied.ok(), applied.error().message());
  REQUIRE(findings->changes.size() == 1);
  const Change& c = findings->changes[0];
  CHECK(c.verb == Verb::install);
  CHECK(c.object == "kubelet 1.36.3, kubectl 1.36.3, cni 1.0.0");
  CHECK(c.detail.find(" transfer(s))") != std::string::npos);
  CHECK(f.file("opt/bin/kubelet") == kKubelet);
  CHECK(f.file("opt/bin/kubectl") == kKubectl);
  CHECK(f.file("opt/cni/bin/bridge") == "bridge plugin");
  CHECK(f.mode("opt/bin/kubelet") == 0755);
  CHECK(f.mode("opt/cni/bin/loopback") == 0755);
  auto state = parse_asset_state(f.file("var/lib/kc/assets.json"));
  REQUIRE(state.ok());
  CHECK(state->artifacts.at("cni").files.size() == 2);
  CHECK(state->artifacts.at("kubelet").source == f.server.url("/v1.36.3/amd64/kubelet"));
  // Every file it wrote is one of these, and nothing else changed on the host.
  const std::set<std::string> allowed{"/opt/bin/kubelet", "/opt/bin/kubectl", "/opt/cni/bin/bridge",
                                      "/opt/cni/bin/loopback", "/var/lib/kc/assets.json"};
  std::set<std::string> written;
  for (const auto& line : f.recorded()) {
    if (line.rfind("write ", 0) == 0) written.insert(line.substr(6));
    CHECK_MESSAGE(line.rfind("remove ", 0) != 0, line);
  }
  CHECK(written == allowed);
  CHECK(f.host.leftovers("/opt/bin")->empty());
  CHECK(f.host.leftovers("/opt/cni/bin")->empty());
  CHECK(f.reporter.infos == std::vector<std::string>{"downloading kubelet 1.36.3, kubectl 1.36.3, "
                                                     "cni 1.0.0"});
}

TEST_CASE("with everything in place check() finds nothing, downloads nothing, hashes nothing") {
  Fixture f;
  f.install();
  const size_t requests = f.server.requests().size();
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  CHECK(findings->changes.empty());
  CHECK(findings->subject == "kubelet 1.36.3, kubectl 1.36.3, cni 1.0.0");
  CHECK(f.server.requests().size() == requests);
}

TEST_CASE("a damaged, a missing and a wrong-mode file are each planned again, alone") {
  struct Case {
    const char* name;
    void (*damage)(const std::filesystem::path& root);
    const char* reinstalled;
  };
  const Case cases[] = {
      {"damaged in place",
       [](const std::filesystem::path& root) {
         std::FILE* out = std::fopen((root / "opt/bin/kubectl").c_str(), "r+");
         std::fseek(out, 20, SEEK_SET);
         std::fputs("XXXX", out);
         std::fclose(out);
       },
       "kubectl 1.36.3 (amd64, binary)"},
      {"missing",
       [](const std::filesystem::path& root) {
         std::filesystem::remove(root / "opt/cni/bin/bridge");
       },
       "cni 1.0.0 (amd64, tarball)"},
      {"wrong mode",
       [](const std::filesystem::path& root) {
         std::filesystem::permissions(root / "opt/bin/kubelet", std::filesystem::perms(0700));
       },
       "kubelet 1.36.3 (amd64, binary)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Fixture f;
    f.install();
    c.damage(f.dir / "root");
    AssetsStep step(f.options());
    auto findings = step.check(f.context());
    REQUIRE(findings.ok());
    REQUIRE(findings->changes.size() == 1);
    const std::string& plan = findings->changes[0].object;
    CHECK(plan.find(c.reinstalled) != std::string::npos);
    CHECK(std::count(plan.begin(), plan.end(), '\n') == 2);  // one artifact, then "in place"
    REQUIRE(step.apply(f.context(), findings->changes).ok());
    CHECK(f.file("opt/bin/kubectl") == kKubectl);
    CHECK(f.file("opt/cni/bin/bridge") == "bridge plugin");
    CHECK(f.mode("opt/bin/kubelet") == 0755);
    AssetsStep again(f.options());
    CHECK(again.check(f.context())->changes.empty());
  }
}

TEST_CASE("a file changed since kc installed it is reported through the context, not a log") {
  Fixture f;
  f.install();
  std::FILE* out = std::fopen((f.dir / "root/opt/bin/kubectl").c_str(), "r+");
  std::fputs("Y", out);
  std::fclose(out);
  AssetsStep step(f.options());
  REQUIRE(step.check(f.context()).ok());
  CHECK(f.reporter.warnings ==
        std::vector<std::string>{"/opt/bin/kubectl was changed since kc installed it"});
}

TEST_CASE("leftovers of an interrupted run are planned for removal and removed") {
  Fixture f;
  f.install();
  f.dir.write("root/opt/bin/.kubectl.kc-tmp-AbCdEf", "partial");
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].describe(false) ==
        "remove /opt/bin/.kubectl.kc-tmp-AbCdEf (left by an interrupted run)");
  REQUIRE(step.apply(f.context(), findings->changes).ok());
  CHECK(f.host.leftovers("/opt/bin")->empty());
}

TEST_CASE("binaries found in place without a state file are adopted, not downloaded") {
  Fixture f;
  f.install();
  std::filesystem::remove(f.dir / "root/var/lib/kc/assets.json");
  const size_t kubelet_requests = f.server.requests_for("/v1.36.3/amd64/kubelet");
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].object.find("cni 1.0.0 (amd64, tarball)") != std::string::npos);
  CHECK(findings->changes[0].object.find("already in place: kubelet 1.36.3, kubectl 1.36.3") !=
        std::string::npos);
  REQUIRE(step.apply(f.context(), findings->changes).ok());
  CHECK(f.server.requests_for("/v1.36.3/amd64/kubelet") == kubelet_requests);
  auto state = parse_asset_state(f.file("var/lib/kc/assets.json"));
  REQUIRE(state.ok());
  CHECK(state->artifacts.count("kubelet") == 1);
}

TEST_CASE("a failed download installs nothing for it, keeps the others, and returns one error") {
  Fixture f;
  f.server.fail_next("/v1.36.3/amd64/kubectl", {404});
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  const std::string message = applied.error().message();
  CHECK_MESSAGE(message.find("download kubectl: " + f.server.url("/v1.36.3/amd64/kubectl") +
                             ": HTTP 404 (nothing was installed for kubectl)") != std::string::npos,
                message);
  CHECK(applied.error().hint == "installed: kubelet 1.36.3, cni 1.0.0");
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/opt/bin/kubectl"));
  CHECK(f.file("opt/bin/kubelet") == kKubelet);
  CHECK(f.host.leftovers("/opt/bin")->empty());
  CHECK(f.reporter.warnings.empty());  // the error is returned, not also logged
}

TEST_CASE("through the engine: a dry run prints the plan, a real run what it installed") {
  Fixture f;
  Plan plan;
  plan.push_back(Phase{"assets", {}});
  plan[0].steps.push_back(std::make_unique<AssetsStep>(f.options()));
  auto dry = execute(plan, f.context(true));
  REQUIRE(dry.ok());
  REQUIRE(f.reporter.lines.size() == 1);
  CHECK(f.reporter.lines[0].rfind("would download, verify and install for Kubernetes 1.36.3", 0) ==
        0);
  CHECK(std::filesystem::is_empty(f.dir / "root"));
  auto real = execute(plan, f.context(false));
  REQUIRE_MESSAGE(real.ok(), real.error().message());
  CHECK(real->changed == 1);
  CHECK(f.reporter.lines[1].rfind("installed kubelet 1.36.3, kubectl 1.36.3, cni 1.0.0 (", 0) == 0);
  auto again = execute(plan, f.context(false));
  REQUIRE(again.ok());
  CHECK(again->unchanged == 1);
  CHECK(f.reporter.lines[2] == "kubelet 1.36.3, kubectl 1.36.3, cni 1.0.0 up to date");
}

TEST_CASE("an unpinned version is checked against the published digest, with a warning") {
  Fixture f;
  f.dir.write("catalog.json",
              R"({"artifacts": [{"name": "kubelet", "kind": "binary", "version": "kubernetes",
       "url": ")" +
                  f.server.url("") +
                  R"(/v{version}/{arch}/kubelet", "destination": "/opt/bin", "sha256": {}}]})");
  f.server.serve("/v1.36.3/amd64/kubelet.sha256", sha256_hex(kKubelet) + "  kubelet\n");
  AssetOptions o = f.options();
  o.allow_unpinned = true;
  AssetsStep step(o);
  auto findings = step.check(f.context());
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  REQUIRE(f.reporter.warnings.size() == 1);
  CHECK(f.reporter.warnings[0].find("has no pinned digest") != std::string::npos);
  CHECK(findings->changes[0].object.find("a weaker check") != std::string::npos);
  REQUIRE(step.apply(f.context(), findings->changes).ok());
  CHECK(f.file("opt/bin/kubelet") == kKubelet);
}

TEST_CASE("a catalog's max_size stops a larger download, and nothing is installed for it") {
  Fixture f;
  const std::string big(4096, 'k');  // what the server sends: more than the catalog allows
  f.server.serve("/v1.36.3/amd64/kubelet", big);
  f.dir.write("catalog.json",
              R"({"artifacts": [{"name": "kubelet", "kind": "binary", "version": "kubernetes",
       "url": ")" +
                  f.server.url("") +
                  R"(/v{version}/{arch}/kubelet", "destination": "/opt/bin", "max_size": 1000,
       "sha256": {"amd64": {"1.36.3": ")" +
                  sha256_hex(big) + R"("}}}]})");
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK_MESSAGE(applied.error().message().find("larger than 1000 bytes") != std::string::npos,
                applied.error().message());
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/opt/bin/kubelet"));
  CHECK(f.host.leftovers("/opt/bin")->empty());
}

TEST_CASE("a catalog's exact size refuses a file of another size, and nothing is installed") {
  Fixture f;
  const std::string served(4096, 'k');
  f.server.serve("/v1.36.3/amd64/kubelet", served);
  auto catalog_with_size = [&](uint64_t size) {
    f.dir.write("catalog.json",
                R"({"artifacts": [{"name": "kubelet", "kind": "binary", "version": "kubernetes",
       "url": ")" + f.server.url("") +
                    R"(/v{version}/{arch}/kubelet", "destination": "/opt/bin",
       "size": {"amd64": {"1.36.3": )" +
                    std::to_string(size) + R"(}}, "sha256": {"amd64": {"1.36.3": ")" +
                    sha256_hex(served) + R"("}}}]})");
  };
  catalog_with_size(4000);
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK_MESSAGE(
      applied.error().message().find(
          "the server announces 4096 bytes, not the 4000 bytes expected") != std::string::npos,
      applied.error().message());
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/opt/bin/kubelet"));
  CHECK(f.host.leftovers("/opt/bin")->empty());

  catalog_with_size(4096);  // the right size installs
  AssetsStep again(f.options());
  auto planned = again.check(f.context());
  REQUIRE_MESSAGE(planned.ok(), planned.error().message());
  auto installed = again.apply(f.context(), planned->changes);
  REQUIRE_MESSAGE(installed.ok(), installed.error().message());
  CHECK(std::filesystem::file_size(f.dir / "root/opt/bin/kubelet") == 4096);
}

namespace {

// A catalog of one tarball, served at /big-cni.tar, pinned to `digest`.
void only_tarball(Fixture& f, const std::string& body, const std::string& digest) {
  f.server.serve("/big-cni.tar", body);
  f.dir.write("catalog.json", R"({"artifacts": [{"name": "cni", "kind": "tarball",
       "version": "1.0.0", "url": ")" +
                                  f.server.url("/big-cni.tar") +
                                  R"(", "destination": "/opt/cni/bin",
       "sha256": {"amd64": {"1.0.0": ")" +
                                  digest + R"("}}}]})");
}

std::string big_tarball() {
  TarWriter tar;
  tar.add("./bridge", '0', std::string(300000, 'b'));
  tar.add("./loopback", '0', std::string(300000, 'l'));
  tar.add("./host-local", '0', std::string(300000, 'h'));
  return tar.finish();
}

}  // namespace

TEST_CASE("a tarball whose digest does not match installs nothing, though its members are valid") {
  Fixture f;
  const std::string tar = big_tarball();
  only_tarball(f, tar, sha256_hex(tar + "other"));
  AssetsStep step(f.options());
  auto findings = step.check(f.context());
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK_MESSAGE(applied.error().message().find("SHA-256 mismatch") != std::string::npos,
                applied.error().message());
  // Extracted while it downloaded, into the staging area only: all of it is gone.
  CHECK(std::filesystem::is_empty(f.dir / "root/opt/cni/bin"));
  CHECK_FALSE(std::filesystem::exists(f.dir / "root/var/lib/kc/assets.json"));
}

TEST_CASE("a tarball's download cut mid-way installs nothing and leaves no temporary file") {
  Fixture f;
  const std::string tar = big_tarball();
  only_tarball(f, tar, sha256_hex(tar));
  f.server.stall_after("/big-cni.tar", 650000);  // two members whole, then nothing more
  AssetOptions o = f.options();
  o.stall_timeout = 1;
  AssetsStep step(o);
  auto findings = step.check(f.context());
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK_MESSAGE(applied.error().message().find("stalled") != std::string::npos,
                applied.error().message());
  CHECK(std::filesystem::is_empty(f.dir / "root/opt/cni/bin"));
  // Members were staged as the bytes came; then the staging went with the download.
  size_t staged = 0;
  for (const auto& c : f.recorded()) staged += c.rfind("stage /opt/cni/bin/", 0) == 0;
  CHECK(staged >= 3);  // the download's own staged file, bridge and loopback
}
