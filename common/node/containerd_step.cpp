#include "common/node/containerd_step.h"

#include <thread>

#include "common/node/preflight_checks.h"
#include "common/systemd/system_bus.h"

namespace kc::node {
namespace {

constexpr const char* kUnit = "containerd.service";

}  // namespace

ContainerdStep::ContainerdStep(Connect connect, AskCri ask, std::chrono::milliseconds wait)
    : connect_(std::move(connect)), ask_(std::move(ask)), wait_(wait) {
  if (!connect_) {
    connect_ = [](const std::string& address) -> Result<std::unique_ptr<Systemd>> {
      auto sd = SystemdManager::connect(address);
      if (!sd) return std::move(sd).error();
      return std::unique_ptr<Systemd>(std::move(*sd));
    };
  }
  if (!ask_) ask_ = [](const std::string& socket) { return cri_version(socket); };
}

Result<Systemd*> ContainerdStep::systemd(const StepContext& context) {
  if (systemd_) return systemd_.get();
  auto bus = systemd_bus_for(context.host, context.system_bus);
  if (!bus) return no_systemd_bus(context.host);
  auto sd = connect_(*bus);
  if (!sd) return std::move(sd).error();
  systemd_ = std::move(*sd);
  return systemd_.get();
}

Result<Findings> ContainerdStep::check(const StepContext& context) {
  const std::string socket = context.host.path(kContainerdSocket).string();
  auto version = ask_(socket);
  if (version) return Findings{{}, node::describe(*version) + " on unix://" + kContainerdSocket};
  const std::string why = "(" + version.error().why + ")";
  auto sd = systemd(context);
  if (!sd) {  // a dry run without the bus: what the socket alone tells
    return Findings{{Change{Verb::start, kUnit, why}}, ""};
  }
  Findings findings{{}, ""};
  auto status = (*sd)->status(kUnit);
  if (!status) return std::move(status).error();
  if (status->load_state == "not-found") {  // the preflight checks stop a real run before this
    not_installed_ = true;
    findings.changes.push_back({Verb::start, kUnit, "(not installed) " + why});
    return findings;
  }
  not_installed_ = false;
  findings.changes.push_back({Verb::start, kUnit, why});
  auto state = (*sd)->unit_file_state(kUnit);
  if (!state) return std::move(state).error();
  if (*state != "enabled" && *state != "static" && *state != "enabled-runtime") {
    findings.changes.push_back({Verb::enable, kUnit, "(" + *state + ")"});
  }
  return findings;
}

Status ContainerdStep::apply(const StepContext& context, std::vector<Change>& changes) {
  auto sd = systemd(context);
  if (!sd) return std::move(sd).error().context("start containerd");
  if (not_installed_) {
    return Error{"start containerd", kUnit, "the unit is not installed",
                 "install containerd (Flatcar ships it)"};
  }
  const std::string socket = context.host.path(kContainerdSocket).string();
  for (Change& change : changes) {
    if (change.verb == Verb::start) {
      auto result = (*sd)->start(kUnit);
      if (!result) return std::move(result).error().context("start containerd");
      if (*result != "done") {
        auto status = (*sd)->status(kUnit);
        return Error{"start containerd", kUnit,
                     "the start job ended " + *result +
                         (status ? " (" + status->describe() + ")" : std::string()),
                     "journalctl -b -u containerd shows why; nothing else was changed"};
      }
      // Started: the socket answers once the CRI plugin is up.
      const auto deadline = std::chrono::steady_clock::now() + wait_;
      for (;;) {
        auto version = ask_(socket);
        if (version) {
          change.detail = "(" + node::describe(*version) + ")";
          break;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          return Error{"start containerd", "unix://" + std::string(kContainerdSocket),
                       "containerd.service is active but its CRI does not answer (" +
                           version.error().why + ")",
                       "check disabled_plugins in /etc/containerd/config.toml; journalctl -b -u "
                       "containerd"};
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    } else if (change.verb == Verb::enable) {
      KC_TRY((*sd)->enable({kUnit}));
    }
  }
  return {};
}

}  // namespace kc::node
