// How kc changes a host. A plan is a list of phases (as AWS nodeadm's), each a list of steps
// (as kOps nodeup's tasks). Every step converges: it observes the host, compares with what
// should be there, changes only what differs and reports what it did. With dry_run it observes
// and reports what it would do, and changes nothing.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

struct StepContext {
  const Host& host;
  bool dry_run = false;
};

struct Outcome {
  bool changed = false;
  std::string summary;  // "wrote /etc/kc/worker.json" / "would write ..." / "up to date"
};

class Step {
 public:
  virtual ~Step() = default;
  // What the step ensures, in a few words: "/etc/systemd/system/kubelet.service (0644)".
  virtual std::string describe() const = 0;
  // False for steps this version of kc can only plan; a real run refuses a plan holding one.
  virtual bool implemented() const { return true; }
  virtual Result<Outcome> run(const StepContext& context) = 0;
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

// Ensures a file has exactly this content and mode.
class FileStep final : public Step {
 public:
  FileStep(std::string host_path, std::string content, mode_t mode);
  std::string describe() const override;
  Result<Outcome> run(const StepContext& context) override;

 private:
  std::string host_path_;
  std::string content_;
  mode_t mode_;
};

// A step that a later version of kc performs; planned and described, never run.
class PlannedStep final : public Step {
 public:
  explicit PlannedStep(std::string description) : description_(std::move(description)) {}
  std::string describe() const override { return description_; }
  bool implemented() const override { return false; }
  Result<Outcome> run(const StepContext& context) override;

 private:
  std::string description_;
};

struct PlanReport {
  int changed = 0;
  int unchanged = 0;
};

// Runs every step in order, printing one line per step to `out`; stops at the first error.
Result<PlanReport> execute(Plan& plan, const StepContext& context, std::FILE* out);

// The steps of a plan this version cannot run yet, by description.
std::vector<std::string> unimplemented_steps(const Plan& plan);

}  // namespace kc
