#include "common/join/user_data.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/kube/kubeconfig.h"
#include "common/systemd/units.h"

using namespace kc;
using namespace kc::join;
using nlohmann::json;

namespace {

const std::string kToken = "abcdef.0123456789abcdef";
const std::string kDigest = std::string(63, 'b') + "c";

JoinFile sample() {
  JoinFile join;
  join.api_server_endpoint = "10.0.0.10:6443";
  join.token = Secret(kToken);
  join.ca_cert_hashes = {"sha256:" + std::string(64, 'a')};
  join.kubernetes_version = "1.36.3";
  join.cluster_name = "toil";
  join.pod_subnet = "10.244.0.0/16";
  return join;
}

const WorkerBinary kWorker{"http://10.0.0.10:6444/kc-worker/amd64", kDigest};

json file_at(const json& config, const std::string& path) {
  for (const auto& f : config["storage"]["files"]) {
    if (f["path"] == path) return f;
  }
  FAIL("no file " << path);
  return {};
}

}  // namespace

TEST_CASE("the Ignition user data pins kc-worker, holds the join file 0600 and enables the unit") {
  auto data = make_user_data(UserDataFormat::ignition, sample(), kWorker);
  REQUIRE(data.ok());
  const json config = json::parse(*data);
  CHECK(config["ignition"]["version"] == "3.5.0");

  const json worker = file_at(config, "/opt/bin/kc-worker");
  CHECK(worker["mode"] == 0755);
  CHECK(worker["contents"]["source"] == kWorker.url);
  CHECK(worker["contents"]["verification"]["hash"] == "sha256-" + kDigest);

  const json join = file_at(config, "/etc/kc/join.json");
  CHECK(join["mode"] == 0600);
  const std::string source = join["contents"]["source"];
  const std::string prefix = "data:;base64,";
  REQUIRE(source.rfind(prefix, 0) == 0);
  auto decoded = base64_decode(source.substr(prefix.size()));
  REQUIRE(decoded.ok());
  auto parsed = parse_join_file(*decoded);
  REQUIRE(parsed.ok());
  CHECK(parsed->token.reveal() == kToken);

  // kc-worker.service, and kc-storage.service: it runs before containerd first starts.
  REQUIRE(config["systemd"]["units"].size() == 2);
  const json unit = config["systemd"]["units"][0];
  CHECK(unit["name"] == "kc-worker.service");
  CHECK(unit["enabled"] == true);
  CHECK(unit["contents"] == std::string(*embedded_unit("kc-worker.service")));
  const json storage = config["systemd"]["units"][1];
  CHECK(storage["name"] == "kc-storage.service");
  CHECK(storage["enabled"] == true);
  const std::string contents = storage["contents"];
  CHECK(contents.find("\nBefore=containerd.service kubelet.service kc-worker.service\n") !=
        std::string::npos);
  CHECK(contents.find("\nExecStart=/opt/bin/kc-worker storage --ephemeral-fs ext4\n") !=
        std::string::npos);
}

TEST_CASE("the shell user data fetches, verifies and installs kc-worker, then the join file") {
  auto data = make_user_data(UserDataFormat::shell, sample(), kWorker);
  REQUIRE(data.ok());
  const std::string& script = *data;
  CHECK(script.rfind("#!/bin/bash\n", 0) == 0);
  CHECK(script.find("url='" + kWorker.url + "'") != std::string::npos);
  CHECK(script.find("sha256='" + kDigest + "'") != std::string::npos);
  CHECK(script.find("sha256sum -c") != std::string::npos);
  CHECK(script.find("--retry") != std::string::npos);
  CHECK(script.find("chmod 0600") != std::string::npos);
  CHECK(script.find(to_json(sample())) != std::string::npos);
  // the instance store before containerd writes anything: stopped around kc-worker storage
  const auto stop = script.find("systemctl stop containerd.service");
  const auto storage = script.find("/opt/bin/kc-worker storage");
  const auto start = script.find("systemctl start containerd.service");
  CHECK(stop < storage);
  CHECK(storage < start);
  CHECK(start < script.find("exec /opt/bin/kc-worker join"));
  // join last, after everything is in place
  CHECK(script.rfind("exec /opt/bin/kc-worker join\n") == script.size() - 29);
  CHECK(script.size() < 2048);  // short enough to read in the EC2 console
}

TEST_CASE("both formats are well under EC2's 16 KB") {
  for (auto format : {UserDataFormat::ignition, UserDataFormat::shell}) {
    auto data = make_user_data(format, sample(), kWorker);
    REQUIRE(data.ok());
    CHECK(data->size() < kUserDataLimit / 2);
  }
}

TEST_CASE("user data over 16 KB is refused, saying the size and the limit") {
  WorkerBinary long_url{"https://example.com/" + std::string(17000, 'x'), kDigest};
  auto data = make_user_data(UserDataFormat::shell, sample(), long_url);
  REQUIRE_FALSE(data.ok());
  CHECK(data.error().why.find("over EC2's limit of 16384 bytes") != std::string::npos);
}

TEST_CASE("bad inputs are refused, naming the thing") {
  auto quote = make_user_data(UserDataFormat::shell, sample(), {"http://x/'; rm -rf /", kDigest});
  REQUIRE_FALSE(quote.ok());
  CHECK(quote.error().why.find("without spaces or quotes") != std::string::npos);
  auto ftp = make_user_data(UserDataFormat::ignition, sample(), {"ftp://x/kc-worker", kDigest});
  CHECK_FALSE(ftp.ok());
  auto upper =
      make_user_data(UserDataFormat::ignition, sample(), {kWorker.url, std::string(64, 'A')});
  REQUIRE_FALSE(upper.ok());
  CHECK(upper.error().why == "the kc-worker digest is not 64 lower-case hex digits");
  JoinFile no_token = sample();
  no_token.token = Secret("");
  auto bad_join = make_user_data(UserDataFormat::ignition, no_token, kWorker);
  REQUIRE_FALSE(bad_join.ok());
  CHECK(bad_join.error().why.find("\"token\"") != std::string::npos);
}

TEST_CASE("user data formats by name") {
  CHECK(*parse_user_data_format("ignition") == UserDataFormat::ignition);
  CHECK(*parse_user_data_format("shell") == UserDataFormat::shell);
  auto bad = parse_user_data_format("cloud-config");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().why == "expected ignition or shell");
  CHECK(format_name(UserDataFormat::shell) == "shell");
}

TEST_CASE("--worker-args: kc-worker.env for every boot, and the shell's first join gets them") {
  const std::string args = "--mirror http://10.0.0.10:8080  --metadata-endpoint\thttp://x:1";
  const std::string env =
      "KC_WORKER_ARGS=--mirror http://10.0.0.10:8080 --metadata-endpoint http://x:1\n";
  auto script = make_user_data(UserDataFormat::shell, sample(), kWorker, args);
  REQUIRE_MESSAGE(script.ok(), script.error().message());
  CHECK(script->find("cat >\"$root/etc/kc/kc-worker.env\" <<'KC_WORKER_ENV'\n") !=
        std::string::npos);
  CHECK(script->find("\n" + env + "KC_WORKER_ENV\n") != std::string::npos);
  // written before the KC_ROOT exit, so a test sees it; the join last, with the flags
  CHECK(script->find("kc-worker.env") < script->find("[ -z \"$root\" ] || exit 0"));
  const std::string last =
      "exec /opt/bin/kc-worker join --mirror http://10.0.0.10:8080 --metadata-endpoint "
      "http://x:1\n";
  CHECK(script->rfind(last) == script->size() - last.size());

  auto data = make_user_data(UserDataFormat::ignition, sample(), kWorker, args);
  REQUIRE(data.ok());
  CHECK(data->find("\"path\":\"/etc/kc/kc-worker.env\"") != std::string::npos);
  const json file = file_at(json::parse(*data), "/etc/kc/kc-worker.env");
  CHECK(file["mode"] == 0644);
  const std::string source = file["contents"]["source"];
  auto decoded = base64_decode(source.substr(std::string("data:;base64,").size()));
  REQUIRE(decoded.ok());
  CHECK(decoded->find("\n" + env) != std::string::npos);
}

TEST_CASE("no --worker-args: no kc-worker.env, the user data as before") {
  for (auto format : {UserDataFormat::ignition, UserDataFormat::shell}) {
    auto none = make_user_data(format, sample(), kWorker);
    auto blank = make_user_data(format, sample(), kWorker, "  ");
    REQUIRE(none.ok());
    REQUIRE(blank.ok());
    CHECK(*none == *blank);
    CHECK(none->find("KC_WORKER_ENV") == std::string::npos);
    CHECK(none->find("\"path\":\"/etc/kc/kc-worker.env\"") == std::string::npos);
  }
}

TEST_CASE("--worker-args that a shell or systemd would read specially, or join data: refused") {
  for (const std::string bad : {"--mirror 'http://x'", "--mirror $(reboot)", "--a;b", "--x\\y",
                                "--mirror\nhttp://x", "--a\"b"}) {
    auto data = make_user_data(UserDataFormat::shell, sample(), kWorker, bad);
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().where == "--worker-args");
    CHECK(data.error().why.find("has a character other than") != std::string::npos);
  }
  for (const std::string join : {"--token abcdef.0123456789abcdef", "--token=x",
                                 "--discovery-token-ca-cert-hash sha256:x", "--api-server=a:1"}) {
    auto data = make_user_data(UserDataFormat::ignition, sample(), kWorker, join);
    REQUIRE_FALSE(data.ok());
    CHECK(data.error().why.find("belongs in the join file") != std::string::npos);
    CHECK(data.error().message().find("0123456789abcdef") == std::string::npos);
  }
}
