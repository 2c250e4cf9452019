#include "bootstrap/join_retry.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace kc::worker {
namespace {

bool contains(const std::string& haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != haystack.end();
}

}  // namespace

std::chrono::seconds backoff_delay(int attempt) {
  constexpr int kCap = 30;
  if (attempt < 1) attempt = 1;
  if (attempt > 5) return std::chrono::seconds(kCap);
  return std::chrono::seconds(std::min(kCap, 1 << (attempt - 1)));
}

Verdict classify_kubeadm_failure(const std::vector<std::string>& lines) {
  // kubeadm's own words (cmd/kubeadm/app/discovery/token and its HTTP client's errors).
  static constexpr std::array<std::string_view, 3> kCa = {
      "none of the public keys", "cluster CA found in cluster-info", "does not match any of"};
  static constexpr std::array<std::string_view, 3> kToken = {
      "no JWS signed token", "could not find a JWS signature", "failed to verify JWS signature"};
  static constexpr std::array<std::string_view, 7> kUnreachable = {
      "connection refused",     "no route to host",          "i/o timeout",
      "network is unreachable", "context deadline exceeded", "TLS handshake timeout",
      "connection reset"};
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    for (auto word : kCa) {
      if (contains(*it, word)) return Verdict::ca_mismatch;
    }
    for (auto word : kToken) {
      if (contains(*it, word)) return Verdict::token_rejected;
    }
    if (contains(*it, "Unauthorized")) return Verdict::token_rejected;
    for (auto word : kUnreachable) {
      if (contains(*it, word)) return Verdict::unreachable;
    }
  }
  return Verdict::failed;
}

std::string verdict_hint(Verdict verdict) {
  switch (verdict) {
    case Verdict::token_rejected:
      return "the API server does not accept this bootstrap token (revoked, expired or from "
             "another cluster): run `kc-leader token rotate` (or `kc-leader user-data`) on the "
             "leader and put the new user data into the launch template; this is not retried";
    case Verdict::ca_mismatch:
      return "the API server's CA is not the one the join data pin (a rebuilt leader, or the "
             "wrong cluster): run `kc-leader user-data` on the leader and put the new user data "
             "into the launch template; this is not retried";
    case Verdict::unreachable:
      return "the leader is not reachable from this node: check that it is running, that the "
             "security group allows port 6443 from the workers, and the --api-server address; "
             "kc-worker.service tries again";
    case Verdict::ok:
    case Verdict::failed:
      break;
  }
  return "kubeadm's last lines above say why; `journalctl -u kc-worker` has all of them";
}

}  // namespace kc::worker
