// How kc changes a host. A plan is a list of phases (as AWS nodeadm's), each a list of steps
// (as kOps nodeup's tasks). Every step converges in two halves the engine calls:
//   check()  observes the host and returns the differences from what should be there, as
//            Changes; it changes nothing (a dry run calls only this);
//   apply()  makes exactly those changes; the engine calls it only on a real run and only when
//            check() found something.
// The engine prints every change ("would write X" on a dry run, "wrote X" once applied) and
// counts them, so a step never formats "would" or tests for --dry-run itself.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

// What a change does. The engine owns the words: "would write" before, "wrote" after.
enum class Verb {
  write,     // a file
  set_mode,  // "set the mode of"
  remove,
  enable,
  reload,
  start,
  restart,
  install,
  issue,  // a certificate
  apply,  // Kubernetes objects
  create,
  run,      // a command
  perform,  // a planned step: its object says it all ("would check that ...")
};

// "write", "set the mode of", ...: the words for a change still to be made.
std::string_view verb_before(Verb verb);
// "wrote", "set the mode of", ...: the words for a change made.
std::string_view verb_after(Verb verb);

// One difference a step found and would fix: "write /etc/kc/x (new)".
struct Change {
  Verb verb;
  std::string object;    // what it acts on: a path, a unit, "kubeadm 1.36.3, kubelet 1.36.3"
  std::string detail;    // printed after the object: "(new)", "to 0644 (mode 0600 differs)"
  std::size_t item = 0;  // the step's own reference to what this change is about

  // "write /etc/kc/x (new)" (before) or "wrote /etc/kc/x (new)" (after).
  std::string describe(bool done) const;
};

// What check() found.
struct Findings {
  std::vector<Change> changes;  // empty: everything is in place
  std::string subject;          // what is in place, for "SUBJECT up to date"
};

// Where the plan's lines go: the one voice of a run. Steps use it for notes and warnings
// (a weaker check, a file left by an interrupted run); never printf or spdlog. An empty phase
// is a line of the run itself (the runner's header, counts and refusals): no "[phase] ".
class Reporter {
 public:
  virtual ~Reporter() = default;
  // One line of the plan's output: "[phase] text".
  virtual void line(std::string_view phase, std::string_view text) = 0;
  virtual void info(std::string_view phase, std::string_view text) = 0;
  virtual void warn(std::string_view phase, std::string_view text) = 0;
  // Why the run failed or refused; the runner says it once (an error is never also returned).
  virtual void error(std::string_view phase, std::string_view text) { warn(phase, text); }
};

// Plan lines to a stream (stdout), notes, warnings and errors to kc's log (stderr).
class StreamReporter final : public Reporter {
 public:
  explicit StreamReporter(std::FILE* out) : out_(out) {}
  void line(std::string_view phase, std::string_view text) override;
  void info(std::string_view phase, std::string_view text) override;
  void warn(std::string_view phase, std::string_view text) override;
  void error(std::string_view phase, std::string_view text) override;

 private:
  std::FILE* out_;
};

struct StepContext {
  StepContext(const Host& on, bool dry = false) : host(on), dry_run(dry) {}

  const Host& host;
  bool dry_run = false;
  Reporter* reporter = nullptr;  // never null while a plan runs (execute() sees to it)
  // The D-Bus address of the systemd that manages this root. Empty means the host's own system
  // bus, which a real run may use only when the root is "/": systemd on the live host must not
  // enable units written under a scratch root.
  std::string system_bus;
  std::string phase;  // the phase being run, for the reporter
  // A real run that goes on past planned steps (PlannedStep): each is skipped with a warning
  // instead of failing. For commands whose remaining planned steps belong to later versions.
  bool skip_planned = false;

  void info(std::string_view text) const;
  void warn(std::string_view text) const;
};

class Step {
 public:
  virtual ~Step() = default;
  // What the step ensures, in a few words: "/etc/systemd/system/kubelet.service (0644)".
  virtual std::string describe() const = 0;
  // False for steps this version of kc can only plan; a real run refuses a plan holding one.
  virtual bool implemented() const { return true; }
  // True for steps that talk to systemd: a real run under a root other than "/" refuses a plan
  // holding one unless StepContext::system_bus names the bus of that root's systemd.
  virtual bool needs_systemd() const { return false; }
  // Observes; changes nothing on the host.
  virtual Result<Findings> check(const StepContext& context) = 0;
  // Makes the changes check() returned (real runs only). It may complete a change's detail
  // with what it learnt doing it ("(280 MB in 1.2 s)").
  virtual Status apply(const StepContext& context, std::vector<Change>& changes) = 0;
};

struct Phase {
  std::string name;
  std::vector<std::unique_ptr<Step>> steps;
};

using Plan = std::vector<Phase>;

// How a file on the host differs from what it should be.
struct FileDifference {
  bool content = false;  // missing or different content (else only the mode differs)
  std::string reason;    // "new", "content differs", "mode 0600 differs"
};

// Observes host_path; nullopt when content and mode are already as wanted.
Result<std::optional<FileDifference>> compare_file(const Host& host, const std::string& host_path,
                                                   std::string_view content, mode_t mode);
// The same by digest (lower-case hex SHA-256), for content too large to hold in memory.
Result<std::optional<FileDifference>> compare_file_sha256(const Host& host,
                                                          const std::string& host_path,
                                                          std::string_view sha256, mode_t mode);

// Ensures a file has exactly this content and mode.
class FileStep final : public Step {
 public:
  FileStep(std::string host_path, std::string content, mode_t mode);
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  std::string host_path_;
  std::string content_;
  mode_t mode_;
};

// A step that a later version of kc performs; planned and described, never applied (with
// StepContext::skip_planned a real run warns "not implemented yet, skipped" and goes on).
class PlannedStep final : public Step {
 public:
  explicit PlannedStep(std::string description) : description_(std::move(description)) {}
  std::string describe() const override { return description_; }
  bool implemented() const override { return false; }
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  std::string description_;
};

// Adds a PlannedStep to a phase.
void add_planned(Phase& phase, std::string description);

struct PlanReport {
  int changed = 0;    // steps that found something to change
  int unchanged = 0;  // steps that found everything in place
  int changes = 0;    // changes over all steps
};

// Runs every step in order: check, then (real runs, when something differs) apply; one line per
// step through context.reporter (or a StreamReporter on `out` when it is null). Stops at the
// first error, which names the phase.
Result<PlanReport> execute(Plan& plan, const StepContext& context, std::FILE* out = stdout);

// The steps of a plan this version cannot run yet, by description.
std::vector<std::string> unimplemented_steps(const Plan& plan);

}  // namespace kc
