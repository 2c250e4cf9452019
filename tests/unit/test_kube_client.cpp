#include "common/kube/kube_client.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/pki/issue.h"
#include "scratch_dir.h"

using kc::kube::Client;

TEST_CASE("with_query appends percent-encoded parameters after ? or &") {
  CHECK(kc::kube::with_query("/api/v1/nodes", {}) == "/api/v1/nodes");
  CHECK(kc::kube::with_query("/api/v1/nodes", {{"limit", "500"}, {"continue", "a=b/c+d"}}) ==
        "/api/v1/nodes?limit=500&continue=a%3Db%2Fc%2Bd");
  CHECK(kc::kube::with_query("/apis/x/v1/things?fieldManager=kc", {{"dryRun", "All"}}) ==
        "/apis/x/v1/things?fieldManager=kc&dryRun=All");
  CHECK(kc::kube::path_segment("ip-10-0-0-1.eu-west-1.compute.internal") ==
        "ip-10-0-0-1.eu-west-1.compute.internal");
  CHECK(kc::kube::path_segment("a/b?c") == "a%2Fb%3Fc");
}

TEST_CASE("api_error quotes the Status message, or the start of another body on one line") {
  Client::Response forbidden{
      403,
      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"nodes is forbidden: User \"x\" cannot list resource \"nodes\"","reason":"Forbidden","code":403})"};
  CHECK(kc::kube::api_error(forbidden) ==
        "HTTP 403: nodes is forbidden: User \"x\" cannot list resource \"nodes\"");
  Client::Response html{502, "<html>\r\n<body>Bad Gateway</body>\n</html>"};
  CHECK(kc::kube::api_error(html) == "HTTP 502: <html>  <body>Bad Gateway</body> </html>");
  CHECK(kc::kube::status_message(std::string(500, 'x')).size() == 200);
  CHECK(kc::kube::status_message(R"({"message":42})") == R"({"message":42})");
}

TEST_CASE("validate_credentials: certificates and a matching key pass; each defect is named") {
  auto ca = kc::pki::issue_ca({"kubernetes", {}}, std::chrono::hours(48));
  REQUIRE(ca.ok());
  kc::pki::IssueRequest request;
  request.subject = {"kc-cleanup", {}};
  auto client = kc::pki::issue_certificate(ca->certificate, ca->key, request);
  REQUIRE(client.ok());
  auto key = client->key.pem();
  REQUIRE(key.ok());
  kc::ClusterCredentials good{"https://127.0.0.1:6443", ca->certificate.pem(),
                              client->certificate.pem(), *key};
  CHECK(kc::kube::validate_credentials(good, "kc.conf").ok());

  auto bad_ca = good;
  bad_ca.ca_pem = "junk";
  auto e = kc::kube::validate_credentials(bad_ca, "kc.conf");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message().find("load cluster CA: parse certificate: kc.conf: not a PEM "
                                 "certificate") == 0);

  auto bad_cert = good;
  bad_cert.client_cert_pem = "junk";
  e = kc::kube::validate_credentials(bad_cert, "kc.conf");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().what == "load client certificate: parse certificate");

  auto bad_key = good;
  bad_key.client_key_pem =
      kc::Secret("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  e = kc::kube::validate_credentials(bad_key, "kc.conf");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().what == "load client key: parse private key");
  CHECK(e.error().message().find("BEGIN") == std::string::npos);

  auto other = kc::pki::PrivateKey::generate(kc::pki::PrivateKey::Type::ec_p256);
  REQUIRE(other.ok());
  auto mismatched = good;
  mismatched.client_key_pem = *other->pem();
  e = kc::kube::validate_credentials(mismatched, "kc.conf");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message() == "load client key: kc.conf: the key does not match the certificate");
}

TEST_CASE("LineSplitter reassembles lines split across chunks and bounds their size") {
  kc::kube::LineSplitter splitter(16);
  std::vector<std::string> lines;
  auto collect = [&](std::string_view l) -> kc::Status {
    lines.emplace_back(l);
    return {};
  };
  REQUIRE(splitter.feed("ab", collect).ok());
  REQUIRE(splitter.feed("c\nde\n\nf", collect).ok());
  CHECK(lines == std::vector<std::string>{"abc", "de"});
  CHECK(splitter.buffered() == 1);
  REQUIRE(splitter.feed("g\n", collect).ok());
  CHECK(lines.back() == "fg");
  CHECK_FALSE(splitter.feed(std::string(17, 'x'), collect).ok());
  kc::kube::LineSplitter failing(100);
  CHECK_FALSE(failing
                  .feed("a\n",
                        [](std::string_view) -> kc::Status {
                          return kc::Error{"x", "", "y", ""};
                        })
                  .ok());
}

// The client against the API server STAND-IN (tests/servers/kube_apiserver_standin.py, which
// speaks the API server's protocol for lists, watches, deletes and server-side apply) over real
// mutual TLS, with a PKI made by common/pki. Needs python3 and $KC_SOURCE_ROOT (meson test sets
// it); no root.
namespace {

class StandIn {
 public:
  explicit StandIn(const std::vector<std::string>& args) {
    const char* root = std::getenv("KC_SOURCE_ROOT");
    if (root == nullptr) return;
    auto ca = kc::pki::issue_ca({"kubernetes", {}}, std::chrono::hours(48));
    REQUIRE(ca.ok());
    kc::pki::IssueRequest server;
    server.subject = {"kube-apiserver", {}};
    server.client_auth = false;
    server.server_auth = true;
    server.ip_addresses = {"127.0.0.1"};
    auto serving = kc::pki::issue_certificate(ca->certificate, ca->key, server);
    REQUIRE(serving.ok());
    kc::pki::IssueRequest admin;
    admin.subject = {"kubernetes-admin", {"system:masters"}};
    auto client = kc::pki::issue_certificate(ca->certificate, ca->key, admin);
    REQUIRE(client.ok());
    dir_.write("ca.pem", ca->certificate.pem());
    dir_.write("server.pem", serving->certificate.pem());
    dir_.write("server.key", serving->key.pem()->reveal());
    credentials_ = {"", ca->certificate.pem(), client->certificate.pem(), *client->key.pem()};
    const std::string ports = (dir_ / "ports").string();
    std::vector<std::string> argv{
        "python3",      std::string(root) + "/tests/servers/kube_apiserver_standin.py",
        "--tls-dir",    dir_.path().string(),
        "--ports-file", ports};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> c;
      for (std::string& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execvp("python3", c.data());
      _exit(127);
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(ports); ++i) usleep(50'000);
    std::istringstream(dir_.read("ports")) >> api_port_ >> control_port_;
    REQUIRE(api_port_ > 0);
    credentials_.server = "https://127.0.0.1:" + std::to_string(api_port_);
  }
  ~StandIn() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool running() const { return api_port_ > 0; }
  kc::kube::ClientOptions options() const {
    kc::kube::ClientOptions o;
    o.credentials = credentials_;
    o.request_timeout = std::chrono::seconds(10);
    return o;
  }
  // Posts a control operation (JSON) to the stand-in.
  void control(const std::string& json) const {
    const std::string cmd = "curl -sf -o /dev/null -X POST --data '" + json +
                            "' http://127.0.0.1:" + std::to_string(control_port_) + "/";
    REQUIRE(std::system(cmd.c_str()) == 0);
  }

 private:
  ScratchDir dir_;
  kc::ClusterCredentials credentials_;
  pid_t pid_ = -1;
  int api_port_ = 0;
  int control_port_ = 0;
};

std::string continue_of(const nlohmann::json& list) {
  return list["metadata"].value("continue", "");
}

}  // namespace

TEST_CASE(
    "against the stand-in: paginated list, watch, delete with a UID and a version, plain "
    "requests") {
  StandIn standin({"--generate", "5"});
  if (!standin.running()) {
    MESSAGE("KC_SOURCE_ROOT is not set: skipped (meson test sets it)");
    return;
  }
  Client client(standin.options());

  // A list in pages of two, fed to the caller's consumer as it arrives.
  struct Pages final : kc::kube::PageConsumer {
    std::function<kc::Result<std::string>(std::string_view)> parse;
    std::string body;
    int pages = 0;
    void begin() override { body.clear(); }
    kc::Status feed(std::string_view chunk) override {
      body.append(chunk);
      return {};
    }
    kc::Result<std::string> end() override {
      ++pages;
      return parse(body);
    }
  };
  std::vector<std::string> names;
  std::string version;
  Pages collect;
  collect.parse = [&](std::string_view body) -> kc::Result<std::string> {
    auto page = nlohmann::json::parse(body);
    for (const auto& item : page["items"]) names.push_back(item["metadata"]["name"]);
    version = page["metadata"]["resourceVersion"];
    return continue_of(page);
  };
  auto listed = client.list("list nodes", "/api/v1/nodes", 2, collect, {});
  REQUIRE_MESSAGE(listed.ok(), listed.error().message());
  CHECK(collect.pages == 3);
  REQUIRE(names.size() == 5);
  CHECK(client.traffic().requests == 3);

  // A consumer's error, while the page arrives or at its end, ends the list in its words.
  struct Refuse final : kc::kube::PageConsumer {
    explicit Refuse(bool refuse_in_feed) : in_feed(refuse_in_feed) {}
    const bool in_feed;
    void begin() override {}
    kc::Status feed(std::string_view) override {
      if (in_feed) return kc::Error{"parse", "", "bad", ""};
      return {};
    }
    kc::Result<std::string> end() override { return kc::Error{"parse", "", "bad end", ""}; }
  };
  Refuse refuse_in_feed(true);
  auto failed = client.list("list nodes", "/api/v1/nodes", 2, refuse_in_feed, {});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message() == "list nodes: parse: bad");
  Refuse refuse_at_end(false);
  failed = client.list("list nodes", "/api/v1/nodes", 2, refuse_at_end, {});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().message() == "list nodes: parse: bad end");
  Pages unused;
  unused.parse = [](std::string_view) -> kc::Result<std::string> { return std::string(); };
  auto missing = client.list("list widgets", "/apis/example.com/v1/widgets", 2, unused, {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().why.find("HTTP 404") == 0);
  CHECK(unused.pages == 0);  // an error response is not a page

  // A watch from the listed version sees a later change; the handler stops it.
  standin.control(R"({"op":"put","nodes":[{"name":"new-node"}]})");
  std::vector<std::string> types;
  auto end = client.watch("watch nodes", "/api/v1/nodes", version, 5, std::chrono::seconds(10),
                          [&](std::string_view line) -> kc::Result<kc::kube::EventVerdict> {
                            auto event = nlohmann::json::parse(line);
                            types.push_back(event["type"]);
                            return event["object"]["metadata"]["name"] == "new-node"
                                       ? kc::kube::EventVerdict::stop
                                       : kc::kube::EventVerdict::more;
                          },
                          {});
  REQUIRE_MESSAGE(end.ok(), end.error().message());
  CHECK(*end == kc::kube::WatchEnd::stopped);
  CHECK(types == std::vector<std::string>{"ADDED"});
  // A compacted version: the server's 410 ERROR event, recognized by the handler.
  standin.control(R"({"op":"compact"})");
  end = client.watch("watch nodes", "/api/v1/nodes", version, 5, std::chrono::seconds(10),
                     [&](std::string_view line) -> kc::Result<kc::kube::EventVerdict> {
                       auto event = nlohmann::json::parse(line);
                       if (event["type"] == "ERROR" && event["object"]["code"] == 410) {
                         return kc::kube::EventVerdict::gone;
                       }
                       return kc::kube::EventVerdict::more;
                     },
                     {});
  REQUIRE(end.ok());
  CHECK(*end == kc::kube::WatchEnd::gone);

  // Delete with UID and resourceVersion preconditions.
  auto node = client.request("GET", "/api/v1/nodes", "", "", {});
  REQUIRE(node.ok());
  auto all = nlohmann::json::parse(node->body);
  const std::string name = all["items"][0]["metadata"]["name"];
  const std::string uid = all["items"][0]["metadata"]["uid"];
  const std::string observed = all["items"][0]["metadata"]["resourceVersion"];
  const std::string path = "/api/v1/nodes/" + kc::kube::path_segment(name);
  auto mismatch = client.delete_object("delete node", path, "another-uid", observed, {});
  REQUIRE(mismatch.ok());
  CHECK(*mismatch == kc::kube::DeleteResult::uid_mismatch);
  // The node changes after it was observed (same UID, a new resourceVersion): not deleted.
  standin.control(R"({"op":"put","nodes":[{"name":")" + name + R"(","ready":"True"}]})");
  auto changed = client.delete_object("delete node", path, uid, observed, {});
  REQUIRE(changed.ok());
  CHECK(*changed == kc::kube::DeleteResult::version_mismatch);
  auto current = client.request("GET", "/api/v1/nodes", "", "", {});
  REQUIRE(current.ok());
  const auto listed_now = nlohmann::json::parse(current->body);
  std::string names_now;
  for (const auto& item : listed_now["items"])
    names_now += item["metadata"]["name"].get<std::string>() + " ";
  CHECK_MESSAGE(names_now.find(name + " ") != std::string::npos, names_now);
  auto deleted = client.delete_object("delete node", path, uid, "", {});
  REQUIRE(deleted.ok());
  CHECK(*deleted == kc::kube::DeleteResult::deleted);
  auto again = client.delete_object("delete node", path, uid, "", {});
  REQUIRE(again.ok());
  CHECK(*again == kc::kube::DeleteResult::not_found);

  // HTTP errors are responses; transport failures are errors.
  auto version_doc = client.request("GET", "/version", "", "", {});
  REQUIRE(version_doc.ok());
  CHECK(version_doc->status == 200);
  auto options = standin.options();
  options.credentials.server = "https://127.0.0.1:1";
  Client nowhere(options);
  auto refused = nowhere.request("GET", "/version", "", "", {});
  CHECK_FALSE(refused.ok());
}
