#include "bootstrap/discovery.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace {

using kc::worker::Verdict;

// A cluster-info ConfigMap as the bootstrap signer leaves it: an EC P-256 CA made with the openssl
// command, and the detached JWS for token abcdef.0123456789abcdef computed with Python's hmac
// (independently of kc). The CA's pin, from `openssl x509 -pubkey | openssl pkey -pubin -outform
// der | sha256sum`:
constexpr const char* kPin =
    "sha256:8259c774bc1cd88dfe414e475e3d183b7fa0cc22bcea124c21e3038251648da4";
const kc::Secret kToken("abcdef.0123456789abcdef");
constexpr const char* kClusterInfo =
    R"json({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "cluster-info", "namespace": "kube-public"}, "data": {"kubeconfig": "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJnVENDQVNlZ0F3SUJBZ0lVVHFPNHd3aHlibnU3UEtpRnpZNjM2N2ZXZGVvd0NnWUlLb1pJemowRUF3SXcKRlRFVE1CRUdBMVVFQXd3S2EzVmlaWEp1WlhSbGN6QWdGdzB5TmpFeU1ESXdNVFE0TXpkYUdBOHlNVEkyTVRFdwpPREF4TkRnek4xb3dGVEVUTUJFR0ExVUVBd3dLYTNWaVpYSnVaWFJsY3pCWk1CTUdCeXFHU000OUFnRUdDQ3FHClNNNDlBd0VIQTBJQUJHYkl5WE9xTjNjNVRnWkZkam1WWUExN3hTN0VsQlh4SkorWFEwaU42djM4UkR3Mm5rL2QKbHVWZVR2cEVyckFCV0NNR3hYaUFGVkVEcFJudFNKb0pFZmFqVXpCUk1CMEdBMVVkRGdRV0JCU1FxRlZnSUt5bQp6YmMwS0dza3hwYktPMVIxRkRBZkJnTlZIU01FR0RBV2dCU1FxRlZnSUt5bXpiYzBLR3NreHBiS08xUjFGREFQCkJnTlZIUk1CQWY4RUJUQURBUUgvTUFvR0NDcUdTTTQ5QkFNQ0EwZ0FNRVVDSVFEbjdJb3ZLRFVnc0NSd2pTQUsKWGVTNkg3N2hONVluNUlBWUduS3FQdm5kMndJZ2VNNi9MeDhVbUNvM3ZHVmkxYWhNOFl5c3ZaOWhQaWd3VGx2dApqVzVSRzJzPQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==\n    server: https://10.0.0.10:6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\nkind: Config\nusers: null\n", "jws-kubeconfig-abcdef": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..SQl0a53UM1ByQBLcthyZkrui53MzhCVi9rXW-5a3DKs"}})json";

std::vector<std::string> pins() {
  return {kPin};
}

}  // namespace

TEST_CASE("discovery: the pinned CA and a signature by the token's secret pass") {
  auto result = kc::worker::judge_cluster_info(200, kClusterInfo, kToken, pins());
  CHECK_MESSAGE(result.verdict == Verdict::ok, result.reason);
  // A second pin (a CA being rotated) that matches is enough.
  result = kc::worker::judge_cluster_info(200, kClusterInfo, kToken,
                                          {"sha256:" + std::string(64, 'a'), kPin});
  CHECK(result.verdict == Verdict::ok);
}

TEST_CASE("discovery: another CA is a CA mismatch that names both hashes") {
  const std::string other = "sha256:" + std::string(64, '1');
  auto result = kc::worker::judge_cluster_info(200, kClusterInfo, kToken, {other});
  CHECK(result.verdict == Verdict::ca_mismatch);
  CHECK(result.reason.find(kPin) != std::string::npos);
  CHECK(result.reason.find(other) != std::string::npos);
}

TEST_CASE("discovery: a revoked token (no signature) and a wrong secret are rejected tokens") {
  auto body = nlohmann::json::parse(kClusterInfo);
  body["data"].erase("jws-kubeconfig-abcdef");
  auto result = kc::worker::judge_cluster_info(200, body.dump(), kToken, pins());
  CHECK(result.verdict == Verdict::token_rejected);
  CHECK(result.reason.find("\"abcdef\"") != std::string::npos);
  CHECK(result.reason.find("revoked") != std::string::npos);

  result = kc::worker::judge_cluster_info(200, kClusterInfo, kc::Secret("abcdef.ffffffffffffffff"),
                                          pins());
  CHECK(result.verdict == Verdict::token_rejected);
  CHECK(result.reason.find("ffffffffffffffff") == std::string::npos);
  CHECK(result.reason.find("0123456789abcdef") == std::string::npos);

  // Another token id has no signature either.
  result = kc::worker::judge_cluster_info(200, kClusterInfo, kc::Secret("zzzzzz.0123456789abcdef"),
                                          pins());
  CHECK(result.verdict == Verdict::token_rejected);
}

TEST_CASE("discovery: a control plane still coming up is unreachable (retried), not a failure") {
  CHECK(kc::worker::judge_cluster_info(404, "{}", kToken, pins()).verdict == Verdict::unreachable);
  CHECK(kc::worker::judge_cluster_info(503, "", kToken, pins()).verdict == Verdict::unreachable);
  CHECK(kc::worker::judge_cluster_info(401, "", kToken, pins()).verdict == Verdict::unreachable);
  CHECK(kc::worker::judge_cluster_info(400, "", kToken, pins()).verdict == Verdict::failed);
  CHECK(kc::worker::judge_cluster_info(200, "not json", kToken, pins()).verdict == Verdict::failed);
  CHECK(kc::worker::judge_cluster_info(200, R"({"data":{"kubeconfig":"kind: Config"}})", kToken,
                                       pins())
            .verdict == Verdict::failed);
}

TEST_CASE("discovery: detached JWS checks against an independent vector") {
  // Python: HS256 over base64url(header) "." base64url(payload), key "0123456789abcdef".
  const std::string payload =
      "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: X\n    server: "
      "https://10.0.0.10:6443\n  name: \"\"\n";
  const std::string jws =
      "eyJhbGciOiJIUzI1NiIsImtpZCI6ImFiY2RlZiJ9..xr3u6XQ30TesvamRZ9DQ_M1gfk0HS4JZQisX_TnWPQ4";
  CHECK(kc::worker::detached_jws_valid(jws, payload, "0123456789abcdef"));
  CHECK_FALSE(kc::worker::detached_jws_valid(jws, payload, "0123456789abcdee"));
  CHECK_FALSE(kc::worker::detached_jws_valid(jws, payload + " ", "0123456789abcdef"));
  CHECK_FALSE(kc::worker::detached_jws_valid("eyJhbGciOiJIUzI1NiJ9.e30.sig", payload, "k"));
  CHECK_FALSE(kc::worker::detached_jws_valid("", payload, "0123456789abcdef"));
}

TEST_CASE("discovery: nothing listens there is unreachable") {
  auto result = kc::worker::probe_discovery("127.0.0.1:1", kToken, pins(), std::chrono::seconds(2));
  CHECK(result.verdict == Verdict::unreachable);
  CHECK(result.reason.find("127.0.0.1:1") != std::string::npos);
}
