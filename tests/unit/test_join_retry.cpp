#include "bootstrap/join_retry.h"

#include <doctest/doctest.h>

using kc::worker::Verdict;
using std::chrono::seconds;

TEST_CASE("join retry: backoff doubles from 1 s and is capped at 30 s") {
  CHECK(kc::worker::backoff_delay(1) == seconds(1));
  CHECK(kc::worker::backoff_delay(2) == seconds(2));
  CHECK(kc::worker::backoff_delay(3) == seconds(4));
  CHECK(kc::worker::backoff_delay(5) == seconds(16));
  CHECK(kc::worker::backoff_delay(6) == seconds(30));
  CHECK(kc::worker::backoff_delay(1000) == seconds(30));
  CHECK(kc::worker::backoff_delay(0) == seconds(1));
}

TEST_CASE("join retry: kubeadm's failures are classified from its last lines") {
  CHECK(kc::worker::classify_kubeadm_failure(
            {"[preflight] Running pre-flight checks",
             "error execution phase preflight: couldn't validate the identity of the API Server: "
             "Get \"https://10.0.0.10:6443/api/v1/namespaces/kube-public/configmaps/cluster-info"
             "?timeout=10s\": dial tcp 10.0.0.10:6443: connect: connection refused"}) ==
        Verdict::unreachable);
  CHECK(kc::worker::classify_kubeadm_failure(
            {"error execution phase preflight: couldn't validate the identity of the API Server: "
             "cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "
             "\"sha256:aa\" are pinned"}) == Verdict::ca_mismatch);
  CHECK(kc::worker::classify_kubeadm_failure(
            {"there is no JWS signed token in the cluster-info ConfigMap. This token id "
             "\"abcdef\" is invalid for this cluster or it has expired."}) ==
        Verdict::token_rejected);
  CHECK(kc::worker::classify_kubeadm_failure({"error: Unauthorized"}) == Verdict::token_rejected);
  CHECK(kc::worker::classify_kubeadm_failure({"[ERROR Swap]: running with swap on"}) ==
        Verdict::failed);
  CHECK(kc::worker::classify_kubeadm_failure({}) == Verdict::failed);
}

TEST_CASE("join retry: the hints of the errors that are not retried say what to do") {
  CHECK(kc::worker::verdict_hint(Verdict::token_rejected).find("kc-leader") != std::string::npos);
  CHECK(kc::worker::verdict_hint(Verdict::ca_mismatch).find("kc-leader user-data") !=
        std::string::npos);
  CHECK(kc::worker::verdict_hint(Verdict::token_rejected).find("not retried") != std::string::npos);
}
