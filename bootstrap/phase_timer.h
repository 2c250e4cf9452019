// A reporter that passes every line on and times the phases: the engine prints one line per
// step when it is done, so a phase's time is the time from the previous step's line to its
// last step's line.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/core/plan.h"

namespace kc::worker {

class PhaseTimer final : public Reporter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit PhaseTimer(Reporter& next);

  void line(std::string_view phase, std::string_view text) override;
  void info(std::string_view phase, std::string_view text) override { next_.info(phase, text); }
  void warn(std::string_view phase, std::string_view text) override { next_.warn(phase, text); }
  void error(std::string_view phase, std::string_view text) override { next_.error(phase, text); }

  // Phases in the order they ran, with their wall time.
  const std::vector<std::pair<std::string, Clock::duration>>& phases() const { return phases_; }
  Clock::duration total() const { return Clock::now() - start_; }
  // "join-data 0.00 s, assets 1.20 s, units 0.31 s, kubeadm 4.05 s; total 5.56 s"
  std::string summary() const;

 private:
  Reporter& next_;
  Clock::time_point start_;
  Clock::time_point last_;
  std::vector<std::pair<std::string, Clock::duration>> phases_;
};

}  // namespace kc::worker
