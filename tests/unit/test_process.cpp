#include "common/core/process.h"

#include <doctest/doctest.h>

#include <csignal>

#include <string>
#include <vector>

using kc::ProcessSpec;
using kc::ProcessStream;
using kc::run_process;

namespace {

ProcessSpec program(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  return spec;
}

ProcessSpec shell(std::string script) {
  return program({"/bin/sh", "-c", std::move(script)});
}

}  // namespace

TEST_CASE("run_process streams each line of both streams as it comes") {
  auto spec = shell("echo one; echo two >&2; printf 'three'");
  std::vector<std::string> out, err;
  spec.on_line = [&](ProcessStream s, std::string_view line) {
    (s == ProcessStream::out ? out : err).emplace_back(line);
  };
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->succeeded());
  CHECK(out == std::vector<std::string>{"one", "three"});
  CHECK(err == std::vector<std::string>{"two"});
  CHECK(result->last_lines.size() == 3);
  CHECK(result->standard_output.empty());
}

TEST_CASE("run_process captures standard output and keeps the last 20 lines") {
  auto spec = shell("for i in $(seq 1 30); do echo line$i; done");
  spec.capture_stdout = true;
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->standard_output.rfind("line1\n", 0) == 0);
  REQUIRE(result->last_lines.size() == 20);
  CHECK(result->last_lines.front() == "line11");
  CHECK(result->last_lines.back() == "line30");
}

TEST_CASE("run_process gives stdin_data on standard input, not in argv") {
  auto spec = shell("read secret; echo \"$secret\" | tr a-z A-Z");
  spec.stdin_data = "s3cr3t\n";
  spec.capture_stdout = true;
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->standard_output == "S3CR3T\n");
  CHECK(spec.describe().find("s3cr3t") == std::string::npos);
}

TEST_CASE("run_process adds environment entries and reports the exit status") {
  auto spec = shell("test \"$KC_PROCESS_TEST\" = yes && exit 7");
  spec.environment = {"KC_PROCESS_TEST=yes"};
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK_FALSE(result->succeeded());
  CHECK(result->exit_code == 7);
  CHECK(result->describe_end() == "exited with status 7");
}

TEST_CASE("run_process ends a program that outlives its timeout") {
  auto spec = shell("echo started; exec sleep 30");
  spec.timeout = std::chrono::milliseconds(200);
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->timed_out);
  CHECK(result->signal == SIGTERM);
  CHECK(result->describe_end().rfind("timed out after", 0) == 0);
  CHECK(result->elapsed < std::chrono::seconds(10));
}

TEST_CASE("run_process kills with SIGKILL when SIGTERM is ignored") {
  auto spec = shell("trap '' TERM; echo ready; while :; do sleep 0.05; done");
  spec.timeout = std::chrono::milliseconds(200);
  spec.kill_grace = std::chrono::milliseconds(200);
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->timed_out);
  CHECK(result->signal == SIGKILL);
}

TEST_CASE("run_process returns when the program exits, though a child it left holds its output") {
  auto spec = shell("sleep 30 & echo parent done");
  spec.capture_stdout = true;
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->succeeded());
  CHECK(result->standard_output == "parent done\n");
  CHECK(result->elapsed < std::chrono::seconds(10));
}

TEST_CASE("run_process refuses a relative program and names a missing one") {
  auto relative = run_process(program({"sh", "-c", "true"}));
  REQUIRE_FALSE(relative);
  CHECK(relative.error().why.find("absolute path") != std::string::npos);
  auto missing = run_process(program({"/nonexistent/kc-program"}));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("/nonexistent/kc-program") != std::string::npos);
}

TEST_CASE("run_process runs in the working directory given") {
  auto spec = program({"/bin/pwd"});
  spec.working_directory = "/tmp";
  spec.capture_stdout = true;
  auto result = run_process(spec);
  REQUIRE(result);
  CHECK(result->standard_output == "/tmp\n");
}
