#include "bootstrap/phase_timer.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

class Recorder final : public kc::Reporter {
 public:
  void line(std::string_view phase, std::string_view text) override {
    lines.push_back(std::string(phase) + "|" + std::string(text));
  }
  void info(std::string_view, std::string_view) override {}
  void warn(std::string_view, std::string_view) override {}
  std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("phase timer: passes lines on and lists the phases in order") {
  Recorder out;
  kc::worker::PhaseTimer timer(out);
  timer.line("", "header");
  timer.line("join-data", "a");
  timer.line("assets", "b");
  timer.line("assets", "c");
  timer.line("kubeadm", "d");
  CHECK(out.lines ==
        std::vector<std::string>{"|header", "join-data|a", "assets|b", "assets|c", "kubeadm|d"});
  REQUIRE(timer.phases().size() == 3);
  CHECK(timer.phases()[1].first == "assets");
  const std::string summary = timer.summary();
  CHECK(summary.rfind("join-data 0.", 0) == 0);
  CHECK(summary.find(", assets 0.") != std::string::npos);
  CHECK(summary.find("; total ") != std::string::npos);
}
