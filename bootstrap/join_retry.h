// When to try joining again: the capped exponential backoff between attempts while the API
// server cannot be reached, and what kubeadm's last lines say about why it failed.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "bootstrap/discovery.h"

namespace kc::worker {

// The wait before attempt `attempt` + 1 (attempt counts from 1): 1 s, 2 s, 4 s, ... capped at
// 30 s, so a leader that comes back is noticed within half a minute.
std::chrono::seconds backoff_delay(int attempt);

// Why kubeadm join failed, from its output: unreachable (retry), token rejected, CA mismatch,
// or failed (anything else: not retried, kubeadm's lines say why).
Verdict classify_kubeadm_failure(const std::vector<std::string>& last_lines);

// The error's hint for a verdict that is not retried: what the operator should do.
std::string verdict_hint(Verdict verdict);

}  // namespace kc::worker
