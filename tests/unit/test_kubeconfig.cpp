#include "common/kubeconfig.h"

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

TEST_CASE("YAML: quotes, comments, indented sequences, scalars") {
  auto parsed = kc::parse_yaml(
      "# a comment\n---\na: 'it''s'  # trailing comment\nb: \"x\\ty # not a comment\"\n"
      "c:\n  - one\n  - two\nd: true\ne: null\nf: url#fragment\n\"g h\": 1\n",
      "t");
  REQUIRE(parsed.ok());
  CHECK((*parsed)["a"] == "it's");
  CHECK((*parsed)["b"] == "x\ty # not a comment");
  CHECK((*parsed)["c"] == json::array({"one", "two"}));
  CHECK((*parsed)["d"] == true);
  CHECK((*parsed)["e"].is_null());
  CHECK((*parsed)["f"] == "url#fragment");
  CHECK((*parsed)["g h"] == "1");
}

TEST_CASE("YAML: flow collections, block scalars, anchors and aliases") {
  auto parsed = kc::parse_yaml(
      "a: {b: c, d: [x, 'y']}\nlit: |\n  line one\n  line two\nfolded: >\n  one\n  two\n"
      "base: &base\n  server: https://x\ncopy: *base\nword: &w hello\nagain: *w\n",
      "t");
  REQUIRE(parsed.ok());
  CHECK((*parsed)["a"] == json{{"b", "c"}, {"d", json::array({"x", "y"})}});
  CHECK((*parsed)["lit"] == "line one\nline two\n");
  CHECK((*parsed)["folded"] == "one two\n");
  CHECK((*parsed)["copy"] == json{{"server", "https://x"}});
  CHECK((*parsed)["again"] == "hello");

  auto scalar_document = kc::parse_yaml("just a scalar line\n", "t");
  REQUIRE(scalar_document.ok());
  CHECK(*scalar_document == "just a scalar line");

  auto empty = kc::parse_yaml("# only a comment\n", "t");
  REQUIRE(empty.ok());
  CHECK(*empty == json::object());

  auto documents = kc::parse_yaml_documents("a: 1\n---\nb: 2\n", "t");
  REQUIRE(documents.ok());
  CHECK(*documents == std::vector<json>{json{{"a", "1"}}, json{{"b", "2"}}});
}

TEST_CASE("YAML: malformed input is refused, naming the file and line") {
  struct Case {
    std::string text;
    std::string where;
  };
  for (const Case& bad : {
           Case{"a: b\n    c: d\n", "bad.yaml:2"},    // a key inside a scalar
           Case{"a: 1\nb: 2\na: 3\n", "bad.yaml:3"},  // duplicate key
           Case{"a: x\nb: 'open\n", "bad.yaml:2"},    // unterminated quote
           Case{std::string("\xEF\xBB\xBF") + "a: x\nb: 'open\n",
                "bad.yaml:2"},                        // the same after a byte order mark
           Case{"a: \"open\\\"\n", "bad.yaml:1"},     // only an escaped quote
           Case{"a:\n\tb: c\n", "bad.yaml:2"},        // tab indentation
           Case{"a: [1, 2\nb: c\n", "bad.yaml:2"},    // unclosed flow sequence
           Case{"a: \"\\q\"\n", "bad.yaml:1"},        // unknown escape
           Case{"a: x\n---\nb: y\n", "bad.yaml:3"},   // a second document
           Case{"? [k]\n: v\n", "bad.yaml:1"},        // a key that is not a scalar
           Case{"a: &loop [*loop]\n", "bad.yaml:1"},  // an alias inside itself
       }) {
    CAPTURE(bad.text);
    auto parsed = kc::parse_yaml(bad.text, "bad.yaml");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().where == bad.where);
    CHECK_FALSE(parsed.error().why.empty());
  }

  // "Billion laughs": aliases that expand exponentially are refused instead of exhausting memory.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", " : "") + prev;
    laughs += "]\n";
  }
  auto expanded = kc::parse_yaml(laughs, "laughs.yaml");
  REQUIRE_FALSE(expanded.ok());
  CHECK(expanded.error().why.find("too many") != std::string::npos);
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
  token = token.substr(0, token.find("    client-certificate-data")) + "    token: abc\n";
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
