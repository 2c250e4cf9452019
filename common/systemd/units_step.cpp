#include "common/systemd/units_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/systemd/system_bus.h"
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
Status check_job(Systemd& sd, const std::string& verb, const std::string& unit,
                 const std::string& job_result) {
  auto status = sd.status(unit);
  if (!status) return std::move(status).error();
  if (job_result == "done" && status->active_state != "failed") return {};
  return Error{verb, unit, fmt::format("job {}, {}", job_result, status->describe()),
               fmt::format("see why: journalctl -b -u {}", unit)};
}

}  // namespace

UnitSpec embedded_unit_spec(const std::string& name, bool start) {
  auto unit = embedded_unit(name);
  if (!unit) throw std::logic_error("embedded_unit_spec: no unit " + name + " in units/");
  UnitSpec spec{name, {{name, std::string(*unit)}}, start};
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
  if (!connect_) {
    connect_ = [](const std::string& address) -> Result<std::unique_ptr<Systemd>> {
      auto sd = SystemdManager::connect(address);
      if (!sd) return std::move(sd).error();
      return std::unique_ptr<Systemd>(std::move(*sd));
    };
  }
}

std::string UnitsStep::describe() const {
  std::vector<std::string> parts;
  for (const UnitSpec& u : units_)
    parts.push_back(u.name + (u.start ? " (enabled, running)" : " (enabled)"));
  return fmt::format("systemd units {} over D-Bus", fmt::join(parts, ", "));
}

Result<std::vector<Change>> UnitsStep::differing_files(const Host& host) {
  std::vector<Change> out;
  for (const UnitSpec& unit : units_) {
    for (const UnitFile& file : unit.files) {
      const std::string path = unit_path(file.name);
      auto diff = compare_file(host, path, file.content, kUnitMode);
      if (!diff) return std::move(diff).error();
      if (!diff->has_value()) continue;
      const FileDifference& d = **diff;
      // Only the mode differs: systemd and the service see no change.
      out.push_back(d.content ? Change{Verb::write, path, "(" + d.reason + ")", files_.size()}
                              : Change{Verb::set_mode, path,
                                       fmt::format("to {:04o} ({})", kUnitMode, d.reason),
                                       files_.size()});
      files_.push_back({path, d.content ? &file.content : nullptr, d.reason == "new"});
    }
  }
  return out;
}

bool UnitsStep::writes_content() const {
  return std::any_of(files_.begin(), files_.end(), [](const FileChange& f) { return f.content; });
}

Result<Findings> UnitsStep::check(const StepContext& context) {
  files_.clear();
  to_enable_.clear();
  systemd_.reset();
  unreachable_.reset();
  std::vector<std::string> names;
  for (const UnitSpec& u : units_) names.push_back(u.name);
  Findings findings{{}, fmt::format("{}", fmt::join(names, ", "))};

  auto files = differing_files(context.host);
  if (!files) return std::move(files).error();
  findings.changes = std::move(*files);

  if (auto bus = systemd_bus_for(context.host, context.system_bus)) {
    auto sd = connect_(*bus);
    if (sd) {
      systemd_ = std::move(*sd);
    } else {
      unreachable_ = std::move(sd).error();
    }
  } else {
    unreachable_ = no_systemd_bus(context.host);
  }
  if (!systemd_) {
    for (Change& c : files_alone_changes(unreachable_->why)) findings.changes.push_back(c);
    return findings;
  }
  auto more = systemd_changes(context.host);
  if (!more) return std::move(more).error();
  for (Change& c : *more) findings.changes.push_back(std::move(c));
  return findings;
}

std::vector<Change> UnitsStep::files_alone_changes(const std::string& why) const {
  std::vector<Change> out;
  std::vector<std::string> names;
  std::vector<std::string> to_start;
  for (const UnitSpec& u : units_) {
    names.push_back(u.name);
    if (u.start) to_start.push_back(u.name);
  }
  if (writes_content()) out.push_back({Verb::reload, "systemd", ""});
  std::string detail;
  if (!to_start.empty())
    detail = fmt::format("and start {} unless running ", fmt::join(to_start, ", "));
  detail += fmt::format("(systemd not asked: {})", why);
  out.push_back({Verb::enable, fmt::format("{}", fmt::join(names, ", ")), detail});
  return out;
}

Result<std::vector<Change>> UnitsStep::systemd_changes(const Host& host) {
  Systemd& sd = *systemd_;
  std::vector<Change> out;
  bool reload = writes_content();
  std::vector<std::optional<UnitStatus>> statuses(units_.size());
  for (std::size_t i = 0; i < units_.size(); ++i) {
    const UnitSpec& unit = units_[i];
    const bool is_new = std::any_of(files_.begin(), files_.end(), [&](const FileChange& f) {
      return f.is_new && f.path == unit_path(unit.name);
    });
    if (is_new) {  // systemd cannot tell about a file not yet written
      to_enable_.push_back(unit.name);
      continue;
    }
    auto state = sd.unit_file_state(unit.name);
    if (!state) return std::move(state).error();
    if (*state != "enabled") to_enable_.push_back(unit.name);
    auto status = sd.status(unit.name);
    if (!status) return std::move(status).error();
    // Someone edited the unit since systemd last read it.
    if (status->need_daemon_reload) reload = true;
    statuses[i] = std::move(*status);
  }
  if (!to_enable_.empty()) {
    out.push_back({Verb::enable, fmt::format("{}", fmt::join(to_enable_, ", ")), ""});
    reload = true;  // as systemctl enable: the manager learns the new dependencies
  }
  if (reload) out.push_back({Verb::reload, "systemd", ""});

  for (std::size_t i = 0; i < units_.size(); ++i) {
    const UnitSpec& unit = units_[i];
    if (!unit.start) continue;
    if (!statuses[i]) {
      auto status = sd.status(unit.name);
      if (!status) return std::move(status).error();
      statuses[i] = std::move(*status);
    }
    const UnitStatus& status = *statuses[i];
    if (!status.active()) {
      out.push_back({Verb::start, unit.name, "", i});
      continue;
    }
    auto reason = why_restart(host, unit, status);
    if (!reason) return std::move(reason).error();
    if (!reason->empty()) out.push_back({Verb::restart, unit.name, "(" + *reason + ")", i});
  }
  return out;
}

Result<std::string> UnitsStep::why_restart(const Host& host, const UnitSpec& unit,
                                           const UnitStatus& status) const {
  for (const FileChange& f : files_) {
    if (!f.content) continue;
    if (f.path == unit_path(unit.name) || f.path.starts_with(unit_path(unit.name) + ".d/")) {
      return f.path + " changed";
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

Status UnitsStep::apply(const StepContext& context, std::vector<Change>& changes) {
  // Without systemd nothing is written: a unit file systemd does not take up is half a change.
  if (!systemd_) {
    if (unreachable_) return *unreachable_;
    return Error{"converge", describe(), "apply() was called before check()", ""};
  }
  for (const Change& change : changes) {
    switch (change.verb) {
      case Verb::write: {
        const FileChange& f = files_.at(change.item);
        KC_TRY(context.host.write_file(f.path, *f.content, kUnitMode));
        continue;
      }
      case Verb::set_mode:
        KC_TRY(context.host.chmod(files_.at(change.item).path, kUnitMode));
        continue;
      default:
        break;
    }
    switch (change.verb) {
      case Verb::enable:
        KC_TRY(systemd_->enable(to_enable_));
        break;
      case Verb::reload:
        KC_TRY(systemd_->reload());
        break;
      case Verb::start:
      case Verb::restart: {
        const bool start = change.verb == Verb::start;
        const std::string& name = units_.at(change.item).name;
        auto result = start ? systemd_->start(name) : systemd_->restart(name);
        if (!result) return std::move(result).error();
        KC_TRY(check_job(*systemd_, start ? "start" : "restart", name, *result));
        break;
      }
      default:
        return Error{"converge", describe(),
                     fmt::format("a change it cannot make: {}", change.describe(false)), ""};
    }
  }
  return {};
}

}  // namespace kc
