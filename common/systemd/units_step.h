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

#include "common/core/transitional_step.h"
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

// The unit and its drop-ins from the embedded units/.
UnitSpec embedded_unit_spec(const std::string& name, bool start);

// The program the unit runs: the first word of the last ExecStart= after any reset
// ("ExecStart=" with no value) across the unit and its drop-ins, without prefixes such as "-".
std::optional<std::string> exec_start_binary(const std::vector<UnitFile>& files);

// Why a service that started at `started_us` must restart to run what is installed now: the
// first file modified after it started ("/opt/bin/kubelet changed"), or "" when none was.
std::string restart_reason(std::uint64_t started_us,
                           const std::vector<std::pair<std::string, std::int64_t>>& mtimes_us);

class UnitsStep final : public TransitionalStep {
 public:
  using Connect = std::function<Result<std::unique_ptr<SystemdManager>>()>;
  // `connect` defaults to systemd on the system bus ($DBUS_SYSTEM_BUS_ADDRESS).
  explicit UnitsStep(std::vector<UnitSpec> units, Connect connect = {});

  std::string describe() const override;
  Result<Outcome> run(const StepContext& context) override;
  // What the last run did (or would do), one action per entry; empty when nothing changed.
  const std::vector<std::string>& actions() const { return actions_; }

 private:
  struct Write {
    std::string path;
    const std::string* content;  // nullptr: only the mode differs
    std::string reason;
  };
  Result<std::vector<Write>> differing_files(const Host& host) const;
  Status converge_running(SystemdManager& sd, const StepContext& context,
                          const std::vector<Write>& writes);
  static Result<std::string> why_restart(const Host& host, const UnitSpec& unit,
                                         const UnitStatus& status,
                                         const std::vector<Write>& writes);

  std::vector<UnitSpec> units_;
  Connect connect_;
  std::vector<std::string> actions_;
};

}  // namespace kc
