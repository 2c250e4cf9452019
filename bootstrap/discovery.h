// What kubeadm's bootstrap-token discovery checks, done by kc before it runs kubeadm join, so a
// worker can tell "the API server is not up yet" (wait and retry) from "this token or CA pin is
// wrong" (fail at once, with what to do). Kubeadm itself keeps retrying a revoked token until
// its discovery timeout; kc answers in one request.
//
// The protocol (kubeadm's discovery/token and the bootstrap signer controller): an anonymous
// GET of the kube-public/cluster-info ConfigMap over TLS that is not yet trusted; the CA in its
// data.kubeconfig must match one of the pinned hashes (SHA-256 of the CA's DER
// SubjectPublicKeyInfo); data["jws-kubeconfig-TOKEN_ID"] must hold a detached JWS (HS256, key =
// the token's secret) over data.kubeconfig. A revoked or expired token has no such entry.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/secret.h"

namespace kc::worker {

enum class Verdict {
  ok,
  unreachable,     // no answer, TLS failure, 5xx, the ConfigMap not there yet: retry
  token_rejected,  // no signature for this token id, or a signature made with another secret
  ca_mismatch,     // the cluster's CA is not the pinned one
  failed,          // anything else (kubeadm failed for another reason): not retried
};

std::string_view verdict_name(Verdict verdict);

struct DiscoveryResult {
  Verdict verdict = Verdict::ok;
  std::string reason;  // one line, never the token's secret
};

// Judges a cluster-info answer (HTTP status and body); pure, for tests.
DiscoveryResult judge_cluster_info(long http_status, std::string_view body, const Secret& token,
                                   const std::vector<std::string>& ca_cert_hashes);

// Asks the API server at HOST:PORT.
DiscoveryResult probe_discovery(const std::string& api_server, const Secret& token,
                                const std::vector<std::string>& ca_cert_hashes,
                                std::chrono::seconds timeout);

// HS256 detached JWS check ("HEADER..SIGNATURE" over `payload`), as the bootstrap signer
// writes it. True when the signature was made with `key`.
bool detached_jws_valid(std::string_view jws, std::string_view payload, std::string_view key);

}  // namespace kc::worker
