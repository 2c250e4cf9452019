#include "agent/cleanup_credentials.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/kube/kubeconfig.h"
#include "common/pki/certificate.h"
#include "common/pki/issue.h"
#include "scratch_dir.h"

TEST_CASE("the RBAC manifest grants get, list, watch and delete on nodes to user kc-cleanup only") {
  auto objects = kc::cleanup::rbac_objects();
  REQUIRE(objects.ok());
  REQUIRE(objects->size() == 2);
  const auto& role = (*objects)[0];
  const auto& binding = (*objects)[1];
  CHECK(role["kind"] == "ClusterRole");
  CHECK(role["metadata"]["name"] == "kc-cleanup");
  REQUIRE(role["rules"].size() == 1);
  CHECK(role["rules"][0]["apiGroups"] == nlohmann::json::array({""}));
  CHECK(role["rules"][0]["resources"] == nlohmann::json::array({"nodes"}));
  CHECK(role["rules"][0]["verbs"] == nlohmann::json::array({"get", "list", "watch", "delete"}));
  CHECK(binding["kind"] == "ClusterRoleBinding");
  CHECK(binding["roleRef"]["name"] == "kc-cleanup");
  REQUIRE(binding["subjects"].size() == 1);
  CHECK(binding["subjects"][0]["kind"] == "User");
  CHECK(binding["subjects"][0]["name"] == "kc-cleanup");
}

TEST_CASE("the credentials step refuses to run without the cluster CA, and writes nothing") {
  ScratchDir dir;
  kc::Host host(dir.path());
  kc::cleanup::CredentialsOptions options;
  options.server = "https://127.0.0.1:6443";
  auto step = kc::cleanup::make_client_credentials_step(options);
  auto dry = step->check(kc::StepContext(host, true));
  REQUIRE(dry.ok());
  REQUIRE(dry->changes.size() == 1);
  CHECK(dry->changes[0].describe(false).find("once /etc/kubernetes/pki/ca.crt exists") !=
        std::string::npos);
  auto real = step->apply(kc::StepContext(host, false), dry->changes);
  REQUIRE_FALSE(real.ok());
  CHECK(real.error().message().find("ca.crt") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "etc/kc/kc-cleanup.kubeconfig"));
}

TEST_CASE(
    "the credentials step: check finds, apply issues for the configured identity, converges") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto ca = kc::pki::issue_ca({"kubernetes", {}}, std::chrono::hours(24 * 3650));
  REQUIRE(ca.ok());
  dir.write("etc/kubernetes/pki/ca.crt", ca->certificate.pem());
  dir.write("etc/kubernetes/pki/ca.key", ca->key.pem()->reveal());
  kc::cleanup::CredentialsOptions options;
  options.server = "https://10.0.0.1:6443";
  options.user = "system:node:ip-10-0-0-1";
  options.groups = {"system:nodes"};
  auto step = kc::cleanup::make_client_credentials_step(options);

  auto found = step->check(kc::StepContext(host, false));
  REQUIRE_MESSAGE(found.ok(), found.error().message());
  REQUIRE(found->changes.size() == 1);
  CHECK(found->changes[0].describe(false) ==
        "issue a new certificate for system:node:ip-10-0-0-1 in /etc/kc/kc-cleanup.kubeconfig "
        "(none yet)");
  CHECK_FALSE(std::filesystem::exists(dir / "etc/kc"));  // check() touches nothing
  REQUIRE(step->apply(kc::StepContext(host, false), found->changes).ok());
  CHECK(found->changes[0].detail == "(valid 365 days; none yet)");

  auto written = kc::load_kubeconfig(host, options.kubeconfig);
  REQUIRE(written.ok());
  CHECK(written->server == "https://10.0.0.1:6443");
  auto cert = kc::pki::Certificate::parse(written->client_cert_pem);
  REQUIRE(cert.ok());
  CHECK(cert->subject() == "CN=system:node:ip-10-0-0-1,O=system:nodes");
  CHECK(kc::pki::check_issued_by(*cert, ca->certificate).ok());
  auto key = kc::pki::PrivateKey::parse(written->client_key_pem);
  REQUIRE(key.ok());
  CHECK(kc::pki::check_key_pair(*cert, *key).ok());

  auto again = step->check(kc::StepContext(host, false));
  REQUIRE(again.ok());
  CHECK(again->changes.empty());
  CHECK(again->subject == "/etc/kc/kc-cleanup.kubeconfig");

  // Another identity wanted: the certificate is for another user.
  options.groups.clear();
  auto other = kc::cleanup::make_client_credentials_step(options)->check(kc::StepContext(host));
  REQUIRE(other.ok());
  REQUIRE(other->changes.size() == 1);
  CHECK(other->changes[0].detail == "(the existing certificate is for another user)");
}
