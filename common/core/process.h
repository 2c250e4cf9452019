// Runs a program as a child process and reads its output line by line as it comes. kc drives
// kubeadm, mdadm, mkfs and blkid through this, never through a shell or popen(). A secret goes
// to a child on its standard input (stdin_data) or in a 0600 file, never in argv:
// /proc/PID/cmdline is world-readable.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"

namespace kc {

enum class ProcessStream { out, err };

struct ProcessSpec {
  std::vector<std::string> argv;               // argv[0]: an absolute path (no PATH lookup)
  std::vector<std::string> environment;        // "NAME=value", added to or replacing the inherited
  std::optional<std::string> stdin_data;       // the child's standard input; unset: /dev/null
  std::chrono::milliseconds timeout{0};        // 0: none; on expiry SIGTERM, then SIGKILL
  std::chrono::milliseconds kill_grace{5000};  // between that SIGTERM and the SIGKILL
  // Every line of standard output and standard error (without its newline), as it comes.
  std::function<void(ProcessStream stream, std::string_view line)> on_line;
  bool capture_stdout = false;    // keep standard output whole in ProcessResult
  std::string working_directory;  // empty: kc's own

  // "PROGRAM ARG ...", for messages (argv holds no secret, so it may be shown).
  std::string describe() const;
};

struct ProcessResult {
  int exit_code = -1;  // when it exited
  int signal = 0;      // the signal that ended it; 0 when it exited
  bool timed_out = false;
  std::string standard_output;          // when capture_stdout was set (at most 16 MiB)
  std::vector<std::string> last_lines;  // the last 20 lines of standard output and error
  std::chrono::milliseconds elapsed{0};

  bool succeeded() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exited with status 1", "was killed by signal 9", "timed out after 30 s".
  std::string describe_end() const;
};

// The error is only "could not start" (no such program, not executable, no resources); how the
// program ended, however it ended, is in the ProcessResult.
Result<ProcessResult> run_process(const ProcessSpec& spec);

}  // namespace kc
