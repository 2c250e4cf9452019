#include "agent/cleanup_credentials.h"

#include <doctest/doctest.h>

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
