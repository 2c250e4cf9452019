#include "bootstrap/phase_timer.h"

#include <fmt/format.h>

namespace kc::worker {
namespace {

double seconds(PhaseTimer::Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

PhaseTimer::PhaseTimer(Reporter& next) : next_(next), start_(Clock::now()), last_(start_) {}

void PhaseTimer::line(std::string_view phase, std::string_view text) {
  const Clock::time_point now = Clock::now();
  if (!phase.empty()) {
    if (phases_.empty() || phases_.back().first != phase) {
      phases_.emplace_back(std::string(phase), Clock::duration::zero());
    }
    phases_.back().second += now - last_;
  }
  last_ = now;
  next_.line(phase, text);
}

std::string PhaseTimer::summary() const {
  std::string out;
  for (const auto& [name, time] : phases_) {
    out += fmt::format("{}{} {:.2f} s", out.empty() ? "" : ", ", name, seconds(time));
  }
  return fmt::format("{}{}total {:.2f} s", out, out.empty() ? "" : "; ", seconds(total()));
}

}  // namespace kc::worker
