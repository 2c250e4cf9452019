// Installs systemd units and converges their state over D-Bus, as kOps nodeup's service task:
// write each unit file and drop-in only if it differs, reload systemd only if something was
// written, enable the units, start those not running, and restart a running service only when
// its unit, drop-ins or binary changed after it started.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/core/plan.h"
#include "common/systemd/systemd_manager.h"

namespace kc {

struct UnitFile {
  std::string name;  // relative to /etc/systemd/system: "kubelet.service.d/10-kubeadm.conf"
  std::string content;
};

struct UnitSpec {
  std::string name;             // "kubelet.service"
  std::vector<UnitFile> files;  // the unit file first, then its drop-ins
  bool start = true;            // false: enable only (kc-worker.service runs at the next boot)
};

// The unit and its drop-ins from the embedded units/. An unknown name is a program error: it
// throws std::logic_error.
UnitSpec embedded_unit_spec(const std::string& name, bool start);

// The program the unit runs: the first word of the last ExecStart= after any reset
// ("ExecStart=" with no value) across the unit and its drop-ins, without prefixes such as "-".
std::optional<std::string> exec_start_binary(const std::vector<UnitFile>& files);

// Why a service that started at `started_us` must restart to run what is installed now: the
// first file modified after it started ("/opt/bin/kubelet changed"), or "" when none was.
std::string restart_reason(std::uint64_t started_us,
                           const std::vector<std::pair<std::string, std::int64_t>>& mtimes_us);

class UnitsStep final : public Step {
 public:
  using Connect = std::function<Result<std::unique_ptr<Systemd>>(const std::string& address)>;
  // `connect` defaults to SystemdManager::connect. The bus is StepContext::system_bus, or the
  // host's own system bus when the root is "/" (common/systemd/system_bus.h). When systemd
  // cannot be reached, check() says what the files alone tell and apply() fails before writing
  // anything (the runner refuses a plan under a scratch root with no bus before any step).
  explicit UnitsStep(std::vector<UnitSpec> units, Connect connect = {});

  std::string describe() const override;
  bool needs_systemd() const override { return true; }
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  struct FileChange {
    std::string path;
    const std::string* content;  // nullptr: only the mode differs
    bool is_new = false;
  };
  // One write or set_mode Change per differing file (Change::item indexes files_).
  Result<std::vector<Change>> differing_files(const Host& host);
  // What systemd would need: enable, reload, start or restart (Change::item indexes units_).
  Result<std::vector<Change>> systemd_changes(const Host& host);
  // Without systemd: what the files alone tell (a real run fails in apply(), writing nothing).
  std::vector<Change> files_alone_changes(const std::string& why) const;
  Result<std::string> why_restart(const Host& host, const UnitSpec& unit,
                                  const UnitStatus& status) const;
  bool writes_content() const;

  std::vector<UnitSpec> units_;
  Connect connect_;
  // What the last check() found, for apply(): the files by Change::item, the units to enable,
  // and the systemd it asked.
  std::vector<FileChange> files_;
  std::vector<std::string> to_enable_;
  std::unique_ptr<Systemd> systemd_;
  std::optional<Error> unreachable_;  // why there is no systemd_
};

}  // namespace kc
