// The libcurl IMDSv2 client against tests/servers/imds_standin.py, a STAND-IN for the EC2
// instance metadata service that speaks its token protocol (PUT for a session token, GETs
// refused with 401 without a valid one, 404 for unknown paths), started by each test.
#include "common/aws/imds_client.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "scratch_dir.h"

namespace {

std::filesystem::path standin_script() {
  // meson test sets KC_SOURCE_ROOT. Run by hand, __FILE__ is relative to the build directory,
  // which holds this binary as tests/kc-unit-tests.
  if (const char* root = std::getenv("KC_SOURCE_ROOT")) {
    return std::filesystem::path(root) / "tests/servers/imds_standin.py";
  }
  std::filesystem::path source(__FILE__);
  if (source.is_relative()) {
    source = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  }
  return source.parent_path().parent_path() / "servers/imds_standin.py";
}

// The stand-in as a child process on a free loopback port, killed when the test ends.
class Standin {
 public:
  explicit Standin(std::vector<std::string> args) {
    const auto script = standin_script();
    REQUIRE_MESSAGE(std::filesystem::exists(script), script.string());
    log_ = scratch_ / "requests.log";
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      // Debian's interpreter when there is one: a version manager's shim can take a second.
      const std::string python =
          std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
      std::vector<std::string> argv{python, script.string(), "--log", log_.string()};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execvp(python.c_str(), raw.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    REQUIRE_MESSAGE(!line.empty(), "the IMDS stand-in did not start");
    endpoint_ = "http://127.0.0.1:" + line;
  }
  ~Standin() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Standin(const Standin&) = delete;
  Standin& operator=(const Standin&) = delete;

  const std::string& endpoint() const { return endpoint_; }
  std::vector<std::string> requests() const {
    std::vector<std::string> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  ScratchDir scratch_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::string endpoint_;
};

kc::aws::ImdsOptions options_for(const Standin& standin) {
  kc::aws::ImdsOptions o;
  o.endpoint = standin.endpoint();
  return o;
}

}  // namespace

TEST_CASE("IMDSv2 client: a token first, then GETs carrying it; 404 is no value") {
  Standin imds({});
  kc::aws::ImdsClient client(options_for(imds));
  auto zone = client.get("placement/availability-zone");
  REQUIRE_MESSAGE(zone.ok(), zone.error().message());
  REQUIRE(zone->has_value());
  CHECK(**zone == "us-east-1a");
  auto missing = client.get("no/such/path");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  // One token for the session, not one per request.
  CHECK(imds.requests() ==
        std::vector<std::string>{"PUT /latest/api/token 200",
                                 "GET /latest/meta-data/placement/availability-zone 200",
                                 "GET /latest/meta-data/no/such/path 404"});
}

TEST_CASE("IMDSv2 client: a stand-in refusing token-less GETs resolves a whole identity") {
  Standin imds({});
  kc::aws::ImdsClient client(options_for(imds));
  auto id = kc::aws::resolve_identity({}, &client);
  REQUIRE_MESSAGE(id.ok(), id.error().message());
  CHECK(id->node_name == "ip-10-0-0-10.ec2.internal");
  CHECK(id->node_ip == "10.0.0.10");
  CHECK(id->vpc_cidrs == std::vector<std::string>{"10.0.0.0/16", "100.64.0.0/16"});
  CHECK(id->provider_id == "aws:///us-east-1a/i-0123456789abcdef0");
}

TEST_CASE("IMDSv2 client: an expired token is replaced once, transparently") {
  Standin imds({"--ttl-cap", "0.3"});
  kc::aws::ImdsClient client(options_for(imds));
  REQUIRE(client.get("instance-id").ok());
  ::usleep(500'000);
  auto again = client.get("instance-id");
  REQUIRE_MESSAGE(again.ok(), again.error().message());
  CHECK(**again == "i-0123456789abcdef0");
  CHECK(imds.requests() == std::vector<std::string>{
                               "PUT /latest/api/token 200", "GET /latest/meta-data/instance-id 200",
                               "GET /latest/meta-data/instance-id 401", "PUT /latest/api/token 200",
                               "GET /latest/meta-data/instance-id 200"});
}

TEST_CASE("IMDSv2 client: no answer to the token request names the hop limit and the flags") {
  Standin imds({"--silent-token"});
  kc::aws::ImdsOptions o = options_for(imds);
  o.timeout = std::chrono::milliseconds(300);
  o.attempts = 2;
  kc::aws::ImdsClient client(o);
  const auto start = std::chrono::steady_clock::now();
  auto answer = client.get("instance-id");
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(answer.ok());
  const std::string message = answer.error().message();
  CHECK(message.find("IMDSv2 session token") != std::string::npos);
  CHECK(message.find("HttpPutResponseHopLimit") != std::string::npos);
  CHECK(message.find("--node-name") != std::string::npos);
  CHECK(took < std::chrono::seconds(3));  // two bounded attempts, not a hang

  // Nothing listening at all (off EC2): a quick, equally clear error.
  kc::aws::ImdsOptions closed;
  closed.endpoint = "http://127.0.0.1:1";
  auto refused = kc::aws::ImdsClient(closed).get("instance-id");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message().find("--vpc-cidr") != std::string::npos);
}

TEST_CASE("IMDSv2 client: slow first answers are retried within the bounds") {
  Standin imds({"--slow-first", "1"});
  kc::aws::ImdsOptions o = options_for(imds);
  o.timeout = std::chrono::milliseconds(1000);  // the stand-in's first answer takes 1.5 s
  o.attempts = 3;
  kc::aws::ImdsClient client(o);
  auto answer = client.get("placement/region");
  REQUIRE_MESSAGE(answer.ok(), answer.error().message());
  CHECK(**answer == "us-east-1");
}

TEST_CASE("IMDS endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT, else the link-local default") {
  ::unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  CHECK(kc::aws::imds_endpoint_from_environment() == "http://169.254.169.254");
  ::setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:8111/", 1);
  CHECK(kc::aws::imds_endpoint_from_environment() == "http://127.0.0.1:8111");
  ::unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}
