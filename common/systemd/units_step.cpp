#include "common/systemd/units_step.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/systemd/units.h"

namespace kc {
namespace {

constexpr mode_t kUnitMode = 0644;

std::string unit_path(const std::string& name) {
  return fmt::format("{}/{}", paths::systemd_units, name);
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// The job finished; the unit must not have failed.
Status check_job(SystemdManager& sd, const std::string& verb, const std::string& unit,
                 const std::string& job_result) {
  auto status = sd.status(unit);
  if (!status) return std::move(status).error();
  if (job_result == "done" && status->active_state != "failed") return {};
  return Error{verb, unit, fmt::format("job {}, {}", job_result, status->describe()),
               fmt::format("see why: journalctl -b -u {}", unit)};
}

}  // namespace

UnitSpec embedded_unit_spec(const std::string& name, bool start) {
  UnitSpec spec{name, {}, start};
  if (auto unit = embedded_unit(name)) spec.files.push_back({name, std::string(*unit)});
  for (const EmbeddedFile& f : embedded_units()) {
    if (f.name.starts_with(name + ".d/"))
      spec.files.push_back({std::string(f.name), std::string(f.content)});
  }
  return spec;
}

std::optional<std::string> exec_start_binary(const std::vector<UnitFile>& files) {
  std::optional<std::string> binary;
  for (const UnitFile& file : files) {
    std::string_view rest = file.content;
    while (!rest.empty()) {
      const auto eol = rest.find('\n');
      const std::string line = trim(rest.substr(0, eol));
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
      if (!line.starts_with("ExecStart=")) continue;
      const std::string value = trim(std::string_view(line).substr(10));
      if (value.empty()) {
        binary.reset();
        continue;
      }
      // Special executable prefixes (systemd.service(5)): "-", "@", ":", "+", "!".
      const auto start = value.find_first_not_of("-@:+!");
      if (start == std::string::npos) continue;
      binary = value.substr(start, value.find_first_of(" \t", start) - start);
    }
  }
  return binary;
}

std::string restart_reason(std::uint64_t started_us,
                           const std::vector<std::pair<std::string, std::int64_t>>& mtimes_us) {
  if (started_us == 0) return {};
  for (const auto& [path, mtime] : mtimes_us) {
    if (mtime > static_cast<std::int64_t>(started_us)) return path + " changed";
  }
  return {};
}

UnitsStep::UnitsStep(std::vector<UnitSpec> units, Connect connect)
    : units_(std::move(units)), connect_(std::move(connect)) {
  if (!connect_) connect_ = [] { return SystemdManager::connect(); };
}

std::string UnitsStep::describe() const {
  std::vector<std::string> parts;
  for (const UnitSpec& u : units_)
    parts.push_back(u.name + (u.start ? " (enabled, running)" : " (enabled)"));
  return fmt::format("systemd units {} over D-Bus", fmt::join(parts, ", "));
}

Result<std::vector<UnitsStep::Write>> UnitsStep::differing_files(const Host& host) const {
  std::vector<Write> out;
  for (const UnitSpec& unit : units_) {
    for (const UnitFile& file : unit.files) {
      const std::string path = unit_path(file.name);
      auto diff = compare_file(host, path, file.content, kUnitMode);
      if (!diff) return std::move(diff).error();
      if (!diff->has_value()) continue;
      out.push_back({path, (*diff)->content ? &file.content : nullptr, (*diff)->reason});
    }
  }
  return out;
}

Result<Outcome> UnitsStep::run(const StepContext& context) {
  actions_.clear();
  const bool dry = context.dry_run;
  std::vector<std::string> names;
  for (const UnitSpec& u : units_) names.push_back(u.name);

  auto writes = differing_files(context.host);
  if (!writes) return std::move(writes).error();
  auto sd = connect_();
  if (!sd && !dry) return std::move(sd).error();
  for (const Write& w : *writes) {
    if (!w.content) {  // only the mode differs: systemd and the service see no change
      if (!dry) KC_TRY(context.host.chmod(w.path, kUnitMode));
      actions_.push_back(fmt::format("{} {} to {:04o} ({})",
                                     dry ? "would set the mode of" : "set the mode of", w.path,
                                     kUnitMode, w.reason));
      continue;
    }
    if (!dry) KC_TRY(context.host.write_file(w.path, *w.content, kUnitMode));
    actions_.push_back(fmt::format("{} {} ({})", dry ? "would write" : "wrote", w.path, w.reason));
  }
  const bool content_written =
      std::any_of(writes->begin(), writes->end(), [](const Write& w) { return w.content; });
  if (!sd) {  // a dry run without systemd: say what the files alone tell
    std::vector<std::string> to_start;
    for (const UnitSpec& u : units_) {
      if (u.start) to_start.push_back(u.name);
    }
    if (content_written) actions_.push_back("would reload systemd");
    std::string action = fmt::format("would enable {}", fmt::join(names, ", "));
    if (!to_start.empty())
      action += fmt::format(" and start {} unless running", fmt::join(to_start, ", "));
    actions_.push_back(fmt::format("{} (systemd not asked: {})", action, sd.error().why));
  } else {
    KC_TRY(converge_running(**sd, context, *writes));
  }
  if (actions_.empty()) return Outcome{false, fmt::format("{} up to date", fmt::join(names, ", "))};
  return Outcome{true, fmt::format("{}", fmt::join(actions_, "; "))};
}

Status UnitsStep::converge_running(SystemdManager& sd, const StepContext& context,
                                   const std::vector<Write>& writes) {
  const bool dry = context.dry_run;
  bool reload = std::any_of(writes.begin(), writes.end(), [](const Write& w) { return w.content; });
  std::vector<std::string> to_enable;
  for (const UnitSpec& unit : units_) {
    const bool exists = std::none_of(writes.begin(), writes.end(), [&](const Write& w) {
      return w.path == unit_path(unit.name) && w.reason == "new";
    });
    if (dry && !exists) {  // systemd cannot tell about a file not yet written
      to_enable.push_back(unit.name);
      continue;
    }
    auto state = sd.unit_file_state(unit.name);
    if (!state) return std::move(state).error();
    if (*state != "enabled") to_enable.push_back(unit.name);
    auto status = sd.status(unit.name);
    if (!status) return std::move(status).error();
    // Someone edited the unit since systemd last read it.
    if (status->need_daemon_reload) reload = true;
  }
  if (!to_enable.empty()) {
    if (!dry) KC_TRY(sd.enable(to_enable));
    actions_.push_back(
        fmt::format("{} {}", dry ? "would enable" : "enabled", fmt::join(to_enable, ", ")));
    reload = true;  // as systemctl enable: the manager learns the new dependencies
  }
  if (reload) {
    if (!dry) KC_TRY(sd.reload());
    actions_.push_back(dry ? "would reload systemd" : "reloaded systemd");
  }

  for (const UnitSpec& unit : units_) {
    if (!unit.start) continue;
    auto status = sd.status(unit.name);
    if (!status) return std::move(status).error();
    if (status->active()) {
      auto reason = why_restart(context.host, unit, *status, writes);
      if (!reason) return std::move(reason).error();
      if (reason->empty()) continue;
      if (dry) {
        actions_.push_back(fmt::format("would restart {} ({})", unit.name, *reason));
        continue;
      }
      auto result = sd.restart(unit.name);
      if (!result) return std::move(result).error();
      KC_TRY(check_job(sd, "restart", unit.name, *result));
      actions_.push_back(fmt::format("restarted {} ({})", unit.name, *reason));
    } else {
      if (dry) {
        actions_.push_back(fmt::format("would start {}", unit.name));
        continue;
      }
      auto result = sd.start(unit.name);
      if (!result) return std::move(result).error();
      KC_TRY(check_job(sd, "start", unit.name, *result));
      actions_.push_back(fmt::format("started {}", unit.name));
    }
  }
  return {};
}

Result<std::string> UnitsStep::why_restart(const Host& host, const UnitSpec& unit,
                                           const UnitStatus& status,
                                           const std::vector<Write>& writes) {
  for (const Write& w : writes) {
    if (!w.content) continue;
    if (w.path == unit_path(unit.name) || w.path.starts_with(unit_path(unit.name) + ".d/")) {
      return w.path + " changed";
    }
  }
  std::vector<std::string> paths = status.drop_in_paths;
  if (!status.fragment_path.empty()) paths.insert(paths.begin(), status.fragment_path);
  if (auto binary = exec_start_binary(unit.files); binary && binary->starts_with('/')) {
    paths.push_back(*binary);
  }
  std::vector<std::pair<std::string, std::int64_t>> mtimes;
  for (const std::string& p : paths) {
    auto info = host.stat(p);
    if (!info) return std::move(info).error();
    if (info->has_value()) mtimes.emplace_back(p, (*info)->mtime_us);
  }
  return restart_reason(status.started_us(), mtimes);
}

}  // namespace kc
