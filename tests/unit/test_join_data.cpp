#include "agent/join_data.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>

#include "agent/init_plan.h"
#include "agent/serve.h"
#include "common/core/plan.h"
#include "common/core/sha256.h"
#include "common/pki/issue.h"
#include "kubeadm_standin.h"
#include "scratch_dir.h"

using namespace kc;
using namespace kc::leader;

namespace {

// The ELF header of this test binary (the whole binary is hundreds of MB under ASan).
std::string self_elf_header() {
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::string header(64, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  return header;
}

// What the phases get as --kc-worker: this machine's ELF header and some bytes.
std::string fake_kc_worker() {
  return self_elf_header() + std::string(4096, 'x');
}

// The join-data and worker-user-data phases of a fresh plan for `config`.
Plan join_phases(const LeaderConfig& config) {
  Plan plan = make_init_plan(config);
  Plan ours;
  for (auto& phase : plan) {
    if (phase.name == "join-data" || phase.name == "worker-user-data") {
      ours.push_back(std::move(phase));
    }
  }
  return ours;
}

// A kc-worker of several MB: this machine's ELF header, then bytes that never repeat a run.
std::string big_kc_worker(unsigned seed) {
  std::string out = self_elf_header();
  out.reserve(out.size() + (6 << 20));
  unsigned state = seed;
  while (out.size() < (6 << 20) + 999) {
    state = state * 1103515245 + 12345;
    out.push_back(static_cast<char>(state >> 16));
  }
  return out;
}

// An environment variable set for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

}  // namespace

TEST_CASE("the CA hash is sha256 of the public key, for RSA and ECDSA CAs") {
  for (auto type : {pki::PrivateKey::Type::rsa_2048, pki::PrivateKey::Type::ec_p256}) {
    auto ca = pki::issue_ca({"kubernetes", {}}, std::chrono::hours(24), type);
    REQUIRE(ca.ok());
    auto hash = ca_cert_hash(ca->certificate.pem(), "ca.crt");
    REQUIRE(hash.ok());
    CHECK(*hash == pki::public_key_sha256(ca->certificate));
    CHECK(join::is_ca_cert_hash(*hash));
  }
  auto bad = ca_cert_hash("not a certificate", "/etc/kubernetes/pki/ca.crt");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("/etc/kubernetes/pki/ca.crt") != std::string::npos);
}

TEST_CASE("the API server endpoint comes from admin.conf") {
  ScratchDir root;
  const Host host(root.path());
  auto missing = api_server_endpoint(host);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == (root / "etc/kubernetes/admin.conf").string());

  install_kubeadm_standin(root, "https://10.0.0.10:6443");
  auto endpoint = api_server_endpoint(host);
  REQUIRE(endpoint.ok());
  CHECK(*endpoint == "10.0.0.10:6443");

  install_kubeadm_standin(root, "http://10.0.0.10");
  auto bad = api_server_endpoint(host);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().why.find("not https://HOST:PORT") != std::string::npos);
}

TEST_CASE("token TTLs as kubeadm --ttl takes them") {
  for (const char* ttl : {"0", "24h", "1h30m", "90s", "1.5h"}) CHECK(is_token_ttl(ttl));
  for (const char* ttl : {"", "-1h", "1d", "forever", "24"}) CHECK_FALSE(is_token_ttl(ttl));
}

TEST_CASE("bootstrap tokens are created, listed and deleted through kubeadm token") {
  ScratchDir root;
  install_kubeadm_standin(root);
  const Host host(root.path());
  auto token = create_bootstrap_token(host, "0");
  REQUIRE_MESSAGE(token.ok(), token.error().message());
  CHECK(join::is_bootstrap_token(token->reveal()));
  auto second = create_bootstrap_token(host, "24h");
  REQUIRE(second.ok());
  auto ids = list_bootstrap_token_ids(host);
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<std::string>{token_id(*token), token_id(*second)});
  REQUIRE(delete_bootstrap_token(host, token_id(*token)).ok());
  ids = list_bootstrap_token_ids(host);
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<std::string>{token_id(*second)});

  // What kubeadm was given: the TTL and description, and never a token's secret.
  const std::string calls = root.read("etc/kubernetes/kubeadm-standin/calls.log");
  CHECK(calls.find(R"("create", "--ttl", "0", "--description")") != std::string::npos);
  CHECK(calls.find(R"("--ttl", "24h")") != std::string::npos);
  CHECK(calls.find(token->reveal().substr(7)) == std::string::npos);
  CHECK(calls.find(second->reveal().substr(7)) == std::string::npos);
}

TEST_CASE("a failing kubeadm token create is an error with kubeadm's reason") {
  ScratchDir root;
  install_kubeadm_standin(root);
  const ScopedEnv fail("KC_KUBEADM_STANDIN_FAIL", "create");
  auto token = create_bootstrap_token(Host(root.path()), "0");
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().what == "create a bootstrap token");
  CHECK(token.error().why.find("exited with status 1") != std::string::npos);
  CHECK(token.error().why.find("connection refused") != std::string::npos);
}

TEST_CASE("a missing kubeadm is an error naming it") {
  ScratchDir root;
  auto token = create_bootstrap_token(Host(root.path()), "0");
  REQUIRE_FALSE(token.ok());
  CHECK(token.error().message().find("kubeadm") != std::string::npos);
}

TEST_CASE("the architecture of a kc-worker binary from its ELF header") {
  auto mine = elf_arch(self_elf_header(), "self");
  REQUIRE(mine.ok());
#if defined(__x86_64__)
  CHECK(*mine == "amd64");
#endif
  std::string arm(64, '\0');
  arm.replace(0, 6,
              "\x7f"
              "ELF\x02\x01");
  arm[18] = static_cast<char>(183);
  CHECK(*elf_arch(arm, "arm") == "arm64");
  auto script = elf_arch("#!/bin/sh\necho hello\n", "kc-worker.sh");
  REQUIRE_FALSE(script.ok());
  CHECK(script.error().where == "kc-worker.sh");
  CHECK(script.error().why == "not a 64-bit little-endian ELF executable");
  arm[18] = 3;  // EM_386
  CHECK(elf_arch(arm, "x").error().why == "ELF machine 3 is neither x86-64 nor AArch64");
}

TEST_CASE("where workers fetch kc-worker: kc-serve on the API server's host, or a URL") {
  CHECK(kc_serve_url("10.0.0.10:6443", "amd64") == "http://10.0.0.10:6444/kc-worker/amd64");
  CHECK(kc_serve_url("[fd00::1]:6443", "arm64") == "http://[fd00::1]:6444/kc-worker/arm64");

  ScratchDir root;
  const Host host(root.path());
  auto missing = worker_binary(host, "10.0.0.10:6443", "arm64", "");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == (root / "var/lib/kc/serve/kc-worker-arm64").string());

  root.write("var/lib/kc/serve/kc-worker-arm64", "binary");
  auto served = worker_binary(host, "10.0.0.10:6443", "arm64", "");
  REQUIRE(served.ok());
  CHECK(served->url == "http://10.0.0.10:6444/kc-worker/arm64");
  CHECK(served->sha256 == sha256_hex("binary"));
  auto elsewhere =
      worker_binary(host, "10.0.0.10:6443", "arm64", "https://example.com/v1/kc-worker-{arch}");
  REQUIRE(elsewhere.ok());
  CHECK(elsewhere->url == "https://example.com/v1/kc-worker-arm64");
  CHECK(elsewhere->sha256 == sha256_hex("binary"));

  CHECK(*saved_worker_binary_url(host) == "");
  root.write("etc/kc/worker-binary-url", "https://example.com/{arch}\n");
  CHECK(*saved_worker_binary_url(host) == "https://example.com/{arch}");

  CHECK(*saved_worker_args(host) == "");
  root.write("etc/kc/worker-args", "--mirror   https://m.example.com\n");
  CHECK(*saved_worker_args(host) == "--mirror https://m.example.com");
  root.write("etc/kc/worker-args", "--mirror $(reboot)\n");
  auto bad = saved_worker_args(host);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == (root / "etc/kc/worker-args").string());
  CHECK(bad.error().why.find("$(reboot)") != std::string::npos);
}

TEST_CASE("join-data and worker-user-data phases: a fresh host plans, a real run writes 0600") {
  ScratchDir root;
  const Host host(root.path());
  root.write("kc-worker", fake_kc_worker());
  InitOptions options;
  options.cluster_name = "toil";
  options.join.kc_worker = (root / "kc-worker").string();
  options.join.worker_binary_url = "https://example.com/kc-worker-{arch}";  // no kc-serve unit
  options.join.worker_args = " --mirror  https://m.example.com";
  auto config = resolve_leader_config(options);
  REQUIRE(config.ok());
  Plan ours = join_phases(*config);
  REQUIRE(ours.size() == 2);
  REQUIRE(ours[0].steps.size() == 4);  // no kc-serve.service with --worker-binary-url

  // After kubeadm init: the CA and admin.conf are there.
  auto ca = pki::issue_ca({"kubernetes", {}}, std::chrono::hours(24));
  REQUIRE(ca.ok());
  root.write("etc/kubernetes/pki/ca.crt", ca->certificate.pem());
  install_kubeadm_standin(root);

  std::FILE* out = std::tmpfile();
  StepContext context(host, false);
  auto report = execute(ours, context, out);
  REQUIRE_MESSAGE(report.ok(), report.error().message());
  CHECK(report->changes >= 5);

  auto join = join::read_join_file(host);
  REQUIRE(join.ok());
  CHECK(join->mode == 0600);
  CHECK(join->join.api_server_endpoint == "10.0.0.10:6443");
  CHECK(join->join.ca_cert_hashes ==
        std::vector<std::string>{pki::public_key_sha256(ca->certificate)});
  CHECK(join->join.cluster_name == "toil");
  const std::string arch = *elf_arch(self_elf_header(), "self");
  CHECK(*host.sha256(served_kc_worker_path(arch)) == sha256_hex(fake_kc_worker()));
  for (const char* copy : {"etc/kc/user-data.ign", "etc/kc/user-data.sh"}) {
    CAPTURE(copy);
    CHECK((std::filesystem::status(root / copy).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms(0600));
    const std::string data = root.read(copy);
    if (std::string(copy).ends_with(".sh")) {
      CHECK(data.find(join->join.token.reveal()) != std::string::npos);
    }
    CHECK(data.find("https://example.com/kc-worker-" + arch) != std::string::npos);
  }
  CHECK(root.read("etc/kc/user-data.sh").find("KC_WORKER_ARGS=--mirror https://m.example.com") !=
        std::string::npos);
  CHECK(root.read("etc/kc/worker-args") == "--mirror https://m.example.com\n");
  // The plan's output never shows the token.
  std::rewind(out);
  std::string printed(1 << 16, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), out));
  std::fclose(out);
  CHECK(printed.find(join->join.token.reveal().substr(7)) == std::string::npos);

  // Again: everything is in place, the token is kept (kubeadm still lists it).
  Plan ours_again = join_phases(*config);
  StepContext dry(host, true);
  std::FILE* quiet = std::tmpfile();
  auto second = execute(ours_again, dry, quiet);
  std::rewind(quiet);
  std::string dry_printed(1 << 16, '\0');
  dry_printed.resize(std::fread(dry_printed.data(), 1, dry_printed.size(), quiet));
  std::fclose(quiet);
  REQUIRE(second.ok());
  CHECK(second->changes == 0);
  CHECK(dry_printed.find("/etc/kc/join.json (0600) up to date") != std::string::npos);
  CHECK(dry_printed.find(join->join.token.reveal().substr(7)) == std::string::npos);
  CHECK(join::read_join_file(host)->join.token.reveal() == join->join.token.reveal());
}

TEST_CASE("a dry run on a fresh host plans the token and the join file") {
  ScratchDir root;
  root.write("kc-worker", fake_kc_worker());
  InitOptions options;
  options.join.kc_worker = (root / "kc-worker").string();
  options.join.worker_binary_url = "https://example.com/kc-worker";
  auto config = resolve_leader_config(options);
  REQUIRE(config.ok());
  Plan ours = join_phases(*config);
  const Host host(root.path());
  StepContext context(host, true);
  std::FILE* out = std::tmpfile();
  auto report = execute(ours, context, out);
  REQUIRE_MESSAGE(report.ok(), report.error().message());
  std::rewind(out);
  std::string printed(1 << 16, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), out));
  std::fclose(out);
  CHECK(printed.find("would create a bootstrap token (kubeadm token create --ttl 0)") !=
        std::string::npos);
  CHECK(printed.find("would write /etc/kc/join.json") != std::string::npos);
  CHECK(printed.find("would write /etc/kc/user-data.ign") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(root / "etc/kc"));
}

TEST_CASE("a missing --kc-worker is planned with a warning and stops a real run, naming it") {
  InitOptions options;
  options.join.kc_worker = "/nonexistent/kc-worker";
  auto config = resolve_leader_config(options);
  REQUIRE(config.ok());
  Plan plan = make_init_plan(*config);
  for (auto& phase : plan) {
    if (phase.name != "join-data") continue;
    ScratchDir root;
    const Host host(root.path());
    StepContext context(host, true);
    struct Collect final : Reporter {
      std::vector<std::string> warnings;
      void line(std::string_view, std::string_view) override {}
      void info(std::string_view, std::string_view) override {}
      void warn(std::string_view, std::string_view text) override { warnings.emplace_back(text); }
    } reporter;
    context.reporter = &reporter;
    auto findings = phase.steps[0]->check(context);
    REQUIRE(findings.ok());
    REQUIRE(findings->changes.size() == 1);
    CHECK(findings->changes[0].detail.find("give --kc-worker FILE") != std::string::npos);
    REQUIRE(reporter.warnings.size() == 1);
    CHECK(reporter.warnings[0].find("/nonexistent/kc-worker") != std::string::npos);
    auto applied = phase.steps[0]->apply(context, findings->changes);
    REQUIRE_FALSE(applied.ok());
    CHECK(applied.error().where == "/nonexistent/kc-worker");
    CHECK(applied.error().hint.find("--kc-worker") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(root / "var/lib/kc"));
  }
}

TEST_CASE("a multi-MB kc-worker is installed by stream and pinned; a changed one reinstalled") {
  ScratchDir root;
  Host host(root.path());
  struct {
    std::vector<std::string> seen;  // every host change, "kind path"
  } changes;
  host.set_observer([&](const HostChange& c) {
    changes.seen.push_back(std::to_string(static_cast<int>(c.kind)) + " " + c.host_path);
  });
  const std::string first = big_kc_worker(1);
  root.write("dist/kc-worker", first);
  InitOptions options;
  options.join.kc_worker = (root / "dist/kc-worker").string();
  options.join.worker_binary_url = "https://example.com/kc-worker-{arch}";  // no kc-serve unit
  auto config = resolve_leader_config(options);
  REQUIRE(config.ok());
  auto ca = pki::issue_ca({"kubernetes", {}}, std::chrono::hours(24));
  REQUIRE(ca.ok());
  root.write("etc/kubernetes/pki/ca.crt", ca->certificate.pem());
  install_kubeadm_standin(root);
  const std::string served = served_kc_worker_path(*elf_arch(first, "first"));
  const std::string served_file = served.substr(1);  // under the scratch root
  const auto run = [&](bool dry_run) {
    Plan plan = join_phases(*config);
    StepContext context(host, dry_run);
    std::FILE* out = std::tmpfile();
    auto report = execute(plan, context, out);
    std::fclose(out);
    REQUIRE_MESSAGE(report.ok(), report.error().message());
    return report->changes;
  };
  // How many of the two copies of the user data hold `digest`.
  const auto copies_pinning = [&](const std::string& digest) {
    int n = 0;
    for (const char* copy : {"etc/kc/user-data.ign", "etc/kc/user-data.sh"}) {
      n += root.read(copy).find(digest) != std::string::npos;
    }
    return n;
  };

  CHECK(run(false) >= 4);
  CHECK(root.read(served_file) == first);
  CHECK((std::filesystem::status(root / served_file).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms(0755));
  CHECK(copies_pinning(sha256_hex(first)) == 2);

  // Unchanged: a real run changes nothing on the host, the served binary included.
  changes.seen.clear();
  CHECK(run(false) == 0);
  CHECK(changes.seen.empty());

  // Changed: a dry run plans it and changes nothing; a real run installs it and pins it.
  const std::string second = big_kc_worker(2);
  root.write("dist/kc-worker", second);
  // A dry run plans the served binary only: the user data pins what is installed.
  CHECK(run(true) == 1);
  CHECK(changes.seen.empty());
  CHECK(root.read(served_file) == first);
  CHECK(run(false) >= 2);
  CHECK(std::count(changes.seen.begin(), changes.seen.end(), "0 " + served) == 1);  // written once
  CHECK(root.read(served_file) == second);
  CHECK(copies_pinning(sha256_hex(second)) == 2);
  CHECK(copies_pinning(sha256_hex(first)) == 0);
  CHECK(host.leftovers("/var/lib/kc/serve")->empty());
}
