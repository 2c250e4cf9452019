#include "common/core/yaml.h"
#include "common/kube/kubeconfig.h"

#include <doctest/doctest.h>

#include <vector>

#include "scratch_dir.h"

using nlohmann::json;

namespace {

// As kubeadm writes admin.conf (data shortened).
std::string kubeadm_config(const std::string& extra_cluster = "") {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " +
         kc::base64_encode("CA PEM") + "\n" + extra_cluster +
         "    server: https://10.0.0.10:6443\n"
         "  name: kubernetes\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: kubernetes\n"
         "    user: kubernetes-admin\n"
         "  name: kubernetes-admin@kubernetes\n"
         "current-context: kubernetes-admin@kubernetes\n"
         "kind: Config\n"
         "preferences: {}\n"
         "users:\n"
         "- name: kubernetes-admin\n"
         "  user:\n"
         "    client-certificate-data: " +
         kc::base64_encode("CERT PEM") +
         "\n"
         "    client-key-data: " +
         kc::base64_encode("KEY PEM") + "\n";
}

}  // namespace

TEST_CASE("base64 round-trips and rejects garbage") {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto back = kc::base64_decode(kc::base64_encode(s));
    REQUIRE(back.ok());
    CHECK(*back == s);
  }
  CHECK(kc::base64_encode("hello") == "aGVsbG8=");
  CHECK_FALSE(kc::base64_decode("a*b=").ok());
  CHECK_FALSE(kc::base64_decode("aGV=sbG8").ok());
}

TEST_CASE("YAML: kubeadm's layout") {
  auto parsed = kc::parse_yaml(kubeadm_config(), "admin.conf");
  REQUIRE(parsed.ok());
  const json& j = *parsed;
  CHECK(j["kind"] == "Config");
  CHECK(j["preferences"] == json::object());
  REQUIRE(j["clusters"].is_array());
  CHECK(j["clusters"][0]["name"] == "kubernetes");
  CHECK(j["clusters"][0]["cluster"]["server"] == "https://10.0.0.10:6443");
  CHECK(j["users"][0]["name"] == "kubernetes-admin");
  CHECK(j["contexts"][0]["context"]["user"] == "kubernetes-admin");
}

TEST_CASE("load_kubeconfig: embedded data, YAML and JSON") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("etc/kc/a.conf", kubeadm_config());
  auto creds = kc::load_kubeconfig(host, "/etc/kc/a.conf");
  REQUIRE(creds.ok());
  CHECK(creds->server == "https://10.0.0.10:6443");
  CHECK(creds->ca_pem == "CA PEM");
  CHECK(creds->client_cert_pem == "CERT PEM");
  CHECK(creds->client_key_pem.reveal() == "KEY PEM");

  auto as_json = kc::parse_yaml(kubeadm_config(), "a");
  REQUIRE(as_json.ok());
  dir.write("etc/kc/b.json", as_json->dump(2));
  auto from_json = kc::load_kubeconfig(host, "/etc/kc/b.json");
  REQUIRE(from_json.ok());
  CHECK(from_json->client_key_pem.reveal() == "KEY PEM");
}

TEST_CASE("load_kubeconfig: file paths, relative to the kubeconfig's directory") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("etc/kubernetes/pki/ca.crt", "CA FILE");
  dir.write("etc/kc/pki/client.crt", "CERT FILE");
  dir.write("etc/kc/pki/client.key", "KEY FILE");
  dir.write("etc/kc/paths.conf",
            "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
            "clusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:6443/\n"
            "    certificate-authority: /etc/kubernetes/pki/ca.crt\n"
            "users:\n- name: u\n  user:\n    client-certificate: pki/client.crt\n"
            "    client-key: pki/client.key\n"
            "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n");
  auto creds = kc::load_kubeconfig(host, "/etc/kc/paths.conf");
  REQUIRE(creds.ok());
  CHECK(creds->server == "https://127.0.0.1:6443");
  CHECK(creds->ca_pem == "CA FILE");
  CHECK(creds->client_cert_pem == "CERT FILE");
  CHECK(creds->client_key_pem.reveal() == "KEY FILE");
}

TEST_CASE("load_kubeconfig: clear errors for unusable kubeconfigs") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto missing = kc::load_kubeconfig(host, "/etc/kc/none.conf");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("none.conf") != std::string::npos);

  for (const char* set : {"true", "True", "yes", "\"true\""}) {
    CAPTURE(set);
    dir.write("etc/kc/insecure.conf",
              kubeadm_config(std::string("    insecure-skip-tls-verify: ") + set + "\n"));
    auto insecure = kc::load_kubeconfig(host, "/etc/kc/insecure.conf");
    REQUIRE_FALSE(insecure.ok());
    CHECK(insecure.error().why.find("insecure-skip-tls-verify") != std::string::npos);
  }
  dir.write("etc/kc/secure.conf", kubeadm_config("    insecure-skip-tls-verify: false\n"));
  CHECK(kc::load_kubeconfig(host, "/etc/kc/secure.conf").ok());

  std::string http = kubeadm_config();
  http.replace(http.find("https://"), 8, "http://");
  dir.write("etc/kc/http.conf", http);
  CHECK_FALSE(kc::load_kubeconfig(host, "/etc/kc/http.conf").ok());

  dir.write("etc/kc/ctx.conf", kubeadm_config());
  auto no_ctx = kc::load_kubeconfig(host, "/etc/kc/ctx.conf", "other");
  REQUIRE_FALSE(no_ctx.ok());
  CHECK(no_ctx.error().why.find("'other'") != std::string::npos);

  std::string token = kubeadm_config();
  token.erase(token.find("    client-certificate-data"));
  token += "    token: abc\n";
  dir.write("etc/kc/token.conf", token);
  auto no_cert = kc::load_kubeconfig(host, "/etc/kc/token.conf");
  REQUIRE_FALSE(no_cert.ok());
  CHECK(no_cert.error().why.find("client-certificate") != std::string::npos);

  dir.write("etc/kc/broken.json", "{\"clusters\": [");
  CHECK_FALSE(kc::load_kubeconfig(host, "/etc/kc/broken.json").ok());

  std::string malformed = kubeadm_config();
  malformed.replace(malformed.find("    server:"), 4, "   ");  // line 5, one space short
  dir.write("etc/kc/malformed.conf", malformed);
  auto bad_yaml = kc::load_kubeconfig(host, "/etc/kc/malformed.conf");
  REQUIRE_FALSE(bad_yaml.ok());
  CHECK(bad_yaml.error().where == "/etc/kc/malformed.conf:5");
  CHECK(bad_yaml.error().message().find("/etc/kc/malformed.conf:5") != std::string::npos);

  dir.write("etc/kc/scalar.conf", "just a scalar line\n");
  auto scalar = kc::load_kubeconfig(host, "/etc/kc/scalar.conf");
  REQUIRE_FALSE(scalar.ok());
  CHECK(scalar.error().why == "not a mapping");
}

TEST_CASE("render_kubeconfig writes what load_kubeconfig reads") {
  ScratchDir dir;
  kc::Host host(dir.path());
  kc::ClusterCredentials in{"https://127.0.0.1:6443", "CA", "CERT", kc::Secret("KEY")};
  dir.write("k.conf", kc::render_kubeconfig("kubernetes", "kc-cleanup", in));
  auto out = kc::load_kubeconfig(host, "/k.conf");
  REQUIRE(out.ok());
  CHECK(out->server == in.server);
  CHECK(out->ca_pem == "CA");
  CHECK(out->client_cert_pem == "CERT");
  CHECK(out->client_key_pem.reveal() == "KEY");
}
