#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/wait.h>

#include <string>

#include "common/pki/certificate.h"
#include "common/pki/issue.h"
#include "scratch_dir.h"

using kc::pki::Certificate;
using kc::pki::IssueRequest;
using kc::pki::PrivateKey;

namespace {

constexpr int64_t kDay = 86400;

kc::pki::Issued make_ca(const std::string& cn, PrivateKey::Type type = PrivateKey::Type::rsa_2048) {
  auto ca = kc::pki::issue_ca({cn, {}}, std::chrono::hours(24 * 3650), type);
  REQUIRE_MESSAGE(ca.ok(), ca.error().message());
  return std::move(*ca);
}

kc::pki::Issued issue(const kc::pki::Issued& ca, IssueRequest request, int64_t now) {
  auto issued = kc::pki::issue_certificate(ca.certificate, ca.key, request, now);
  REQUIRE_MESSAGE(issued.ok(), issued.error().message());
  return std::move(*issued);
}

// Runs a shell command (the real openssl tool); its standard output, trimmed.
std::string shell(const std::string& command) {
  FILE* p = popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  REQUIRE_MESSAGE(WIFEXITED(status), command);
  REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, command);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("a client certificate for any subject, signed by the CA, checks out") {
  const auto ca = make_ca("kubernetes");
  const int64_t now = kc::pki::unix_now();
  IssueRequest request;
  request.subject = {"system:node:ip-10-0-0-1", {"system:nodes"}};
  request.lifetime = std::chrono::hours(24 * 365);
  const auto issued = issue(ca, request, now);
  const Certificate& cert = issued.certificate;
  CHECK(cert.common_name() == "system:node:ip-10-0-0-1");
  CHECK(cert.organizations() == std::vector<std::string>{"system:nodes"});
  CHECK(cert.subject() == "CN=system:node:ip-10-0-0-1,O=system:nodes");
  CHECK(cert.issuer() == "CN=kubernetes");
  CHECK(cert.extended_key_usages() == std::vector<std::string>{"clientAuth"});
  CHECK_FALSE(cert.is_ca());
  CHECK(ca.certificate.is_ca());
  CHECK(cert.not_before() == now - 300);
  CHECK(cert.not_after() == now + 365 * kDay);
  CHECK(issued.key.describe() == "EC prime256v1");
  CHECK(kc::pki::check_key_pair(cert, issued.key).ok());
  CHECK(kc::pki::check_issued_by(cert, ca.certificate).ok());
  CHECK(kc::pki::check_validity(cert, std::chrono::hours(24 * 30), now).ok());

  // The real openssl agrees: signed by the CA, for client authentication only.
  ScratchDir dir;
  dir.write("ca.pem", ca.certificate.pem());
  dir.write("cert.pem", cert.pem());
  const std::string d = dir.path().string();
  CHECK(shell("openssl verify -purpose sslclient -CAfile " + d + "/ca.pem " + d + "/cert.pem") ==
        d + "/cert.pem: OK");
  CHECK(system(("openssl verify -purpose sslserver -CAfile " + d + "/ca.pem " + d +
                "/cert.pem >/dev/null 2>&1")
                   .c_str()) != 0);
}

TEST_CASE("a user without groups, and a serving certificate with SANs") {
  const auto ca = make_ca("kubernetes", PrivateKey::Type::ec_p256);
  IssueRequest user;
  user.subject = {"kc-cleanup", {}};
  const auto cleanup = issue(ca, user, kc::pki::unix_now());
  CHECK(cleanup.certificate.subject() == "CN=kc-cleanup");
  CHECK(cleanup.certificate.organizations().empty());

  IssueRequest server;
  server.subject = {"kube-apiserver", {}};
  server.server_auth = true;
  server.dns_names = {"kubernetes", "kubernetes.default.svc"};
  server.ip_addresses = {"10.96.0.1", "fd00::1"};
  server.key_type = PrivateKey::Type::rsa_2048;
  const auto serving = issue(ca, server, kc::pki::unix_now());
  CHECK(serving.certificate.dns_names() == server.dns_names);
  CHECK(serving.certificate.ip_addresses() == server.ip_addresses);
  CHECK(serving.certificate.extended_key_usages() ==
        std::vector<std::string>{"clientAuth", "serverAuth"});
  CHECK(serving.key.describe() == "RSA 2048");
}

TEST_CASE("bad issue requests are refused, naming what is wrong") {
  const auto ca = make_ca("kubernetes", PrivateKey::Type::ec_p256);
  IssueRequest request;
  request.subject = {"", {"system:nodes"}};
  auto no_cn = kc::pki::issue_certificate(ca.certificate, ca.key, request);
  REQUIRE_FALSE(no_cn.ok());
  CHECK(no_cn.error().why == "the subject has no common name (CN)");

  request.subject = {"kube-apiserver", {}};
  request.server_auth = true;
  request.ip_addresses = {"10.96.0.300"};
  auto bad_ip = kc::pki::issue_certificate(ca.certificate, ca.key, request);
  REQUIRE_FALSE(bad_ip.ok());
  CHECK(bad_ip.error().where == "10.96.0.300");
  CHECK(bad_ip.error().why == "not an IP address");

  request.ip_addresses.clear();
  request.dns_names = {"a,IP:1.2.3.4"};
  auto smuggled = kc::pki::issue_certificate(ca.certificate, ca.key, request);
  REQUIRE_FALSE(smuggled.ok());
  CHECK(smuggled.error().why == "not a DNS name");

  // A CA key that is not the CA's.
  const auto other = make_ca("other", PrivateKey::Type::ec_p256);
  request.dns_names.clear();
  auto wrong_key = kc::pki::issue_certificate(ca.certificate, other.key, request);
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(wrong_key.error().why == "the key does not match the certificate");
}

TEST_CASE("a key that is not the certificate's is told apart") {
  const auto ca = make_ca("kubernetes");
  IssueRequest request;
  request.subject = {"kc-cleanup", {}};
  const auto a = issue(ca, request, kc::pki::unix_now());
  const auto b = issue(ca, request, kc::pki::unix_now());
  auto mismatch = kc::pki::check_key_pair(a.certificate, b.key);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().why == "the key does not match the certificate");
  CHECK(mismatch.error().where == "CN=kc-cleanup");
  // An RSA key against an EC certificate, too.
  CHECK_FALSE(kc::pki::check_key_pair(a.certificate, ca.key).ok());
}

TEST_CASE("a certificate from another CA is told apart, by name and by signature") {
  const auto ca = make_ca("kubernetes");
  const auto other = make_ca("other-ca");
  const auto impostor = make_ca("kubernetes");  // the same name, another key
  IssueRequest request;
  request.subject = {"kc-cleanup", {}};
  const auto cert = issue(ca, request, kc::pki::unix_now());
  auto by_name = kc::pki::check_issued_by(cert.certificate, other.certificate);
  REQUIRE_FALSE(by_name.ok());
  CHECK(by_name.error().why == "issued by CN=kubernetes, not by CN=other-ca");
  auto by_signature = kc::pki::check_issued_by(cert.certificate, impostor.certificate);
  REQUIRE_FALSE(by_signature.ok());
  CHECK(by_signature.error().why.find("its signature does not verify with the key of "
                                      "CN=kubernetes") == 0);
  CHECK_FALSE(ca.certificate == impostor.certificate);
  auto again = Certificate::parse(ca.certificate.pem());
  REQUIRE(again.ok());
  CHECK(*again == ca.certificate);
}

TEST_CASE("validity: not yet valid, expired, within the renewal margin") {
  const auto ca = make_ca("kubernetes");
  const int64_t issued_at = 1'800'000'000;  // 2027-01-15T08:00:00Z
  IssueRequest request;
  request.subject = {"kc-cleanup", {}};
  request.lifetime = std::chrono::hours(24 * 20);
  const auto cert = issue(ca, request, issued_at);
  const auto margin = std::chrono::hours(24 * 30);
  using kc::pki::check_validity;

  auto early = check_validity(cert.certificate, std::chrono::seconds(0), issued_at - 301);
  REQUIRE_FALSE(early.ok());
  CHECK(early.error().why == "not valid before 2027-01-15T07:55:00Z");
  CHECK(check_validity(cert.certificate, std::chrono::seconds(0), issued_at - 300).ok());

  auto near = check_validity(cert.certificate, margin, issued_at);
  REQUIRE_FALSE(near.ok());
  CHECK(near.error().why == "expires within 30 days (on 2027-02-04T08:00:00Z)");
  CHECK(check_validity(cert.certificate, std::chrono::hours(24 * 19), issued_at).ok());
  CHECK_FALSE(
      check_validity(cert.certificate, std::chrono::hours(1), issued_at + 20 * kDay - 10).ok());

  auto expired = check_validity(cert.certificate, margin, issued_at + 20 * kDay);
  REQUIRE_FALSE(expired.ok());
  CHECK(expired.error().why == "expired on 2027-02-04T08:00:00Z");

  request.lifetime = std::chrono::seconds(0);
  CHECK_FALSE(kc::pki::issue_certificate(ca.certificate, ca.key, request, issued_at).ok());
}

TEST_CASE("the discovery hash matches openssl's SubjectPublicKeyInfo SHA-256, RSA and EC") {
  ScratchDir dir;
  for (auto type : {PrivateKey::Type::rsa_2048, PrivateKey::Type::ec_p256}) {
    const auto ca = make_ca("kubernetes", type);
    dir.write("ca.pem", ca.certificate.pem());
    // kubeadm's documented way to compute --discovery-token-ca-cert-hash.
    const std::string expected = shell("openssl x509 -pubkey -in " + (dir / "ca.pem").string() +
                                       " | openssl pkey -pubin -outform der | sha256sum | "
                                       "cut -d' ' -f1");
    CAPTURE(ca.key.describe());
    REQUIRE(expected.size() == 64);
    CHECK(kc::pki::public_key_sha256(ca.certificate) == "sha256:" + expected);
  }
}

TEST_CASE("PEM parsing: certificates and keys from openssl, garbage named with OpenSSL's reason") {
  ScratchDir dir;
  const std::string d = dir.path().string();
  shell(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /O=system:masters/CN=admin "
      "-keyout " +
      d + "/rsa.key -out " + d + "/rsa.pem 2>/dev/null");
  shell("openssl ecparam -name prime256v1 -genkey -noout -out " + d + "/ec.key 2>/dev/null");
  auto cert = Certificate::parse(dir.read("rsa.pem"), "rsa.pem");
  REQUIRE(cert.ok());
  CHECK(cert->subject() == "CN=admin,O=system:masters");
  auto rsa = PrivateKey::parse(kc::Secret(dir.read("rsa.key")));
  REQUIRE(rsa.ok());
  CHECK(kc::pki::check_key_pair(*cert, *rsa).ok());
  auto ec = PrivateKey::parse(kc::Secret(dir.read("ec.key")));  // "BEGIN EC PRIVATE KEY"
  REQUIRE(ec.ok());
  CHECK(ec->describe() == "EC prime256v1");

  auto garbage = Certificate::parse("not a certificate", "/etc/kubernetes/pki/ca.crt");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().where == "/etc/kubernetes/pki/ca.crt");
  CHECK(garbage.error().why == "not a PEM certificate (PEM routines: no start line)");
  auto not_key = PrivateKey::parse(kc::Secret(dir.read("rsa.pem")), "rsa.pem");
  REQUIRE_FALSE(not_key.ok());
  CHECK(not_key.error().why.find("not an unencrypted PEM private key (") == 0);

  // An encrypted key fails instead of prompting for a passphrase.
  shell("openssl pkey -in " + d + "/ec.key -aes256 -passout pass:secret -out " + d + "/enc.key");
  auto encrypted = PrivateKey::parse(kc::Secret(dir.read("enc.key")));
  REQUIRE_FALSE(encrypted.ok());
  CHECK(encrypted.error().why.find("not an unencrypted PEM private key") == 0);
}

TEST_CASE("a private key leaves common/pki only as a Secret, and round-trips") {
  auto key = PrivateKey::generate(PrivateKey::Type::ec_p256);
  REQUIRE(key.ok());
  auto pem = key->pem();
  REQUIRE(pem.ok());
  CHECK(pem->reveal().find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(fmt::format("{}", *pem) == "<redacted>");
  auto again = PrivateKey::parse(*pem);
  REQUIRE(again.ok());
  const auto ca = make_ca("kubernetes", PrivateKey::Type::ec_p256);
  CHECK(kc::pki::check_key_pair(ca.certificate, ca.key).ok());
  CHECK_FALSE(kc::pki::check_key_pair(ca.certificate, *again).ok());
}
