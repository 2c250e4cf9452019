// Test driver for kc::UnitsStep against a real systemd: installs the given embedded units under
// --root and converges them, through the plan engine, on the bus at $DBUS_SYSTEM_BUS_ADDRESS
// (as kc-leader and kc-worker take it), printing one line per change and then "changed" or
// "unchanged". The plans that own the step cannot run for real yet (they still hold planned
// steps).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/systemd/units.h"
#include "common/systemd/units_step.h"

namespace {

// The engine's line for the step ("wrote X; enabled Y"), one change per line; the phase is named
// after the probe so that an error reads "kc-systemd-probe: start: x.service: ...".
class ChangeLines final : public kc::Reporter {
 public:
  void line(std::string_view, std::string_view text) override { text_ = text; }
  void info(std::string_view, std::string_view text) override {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
  }
  void warn(std::string_view phase, std::string_view text) override { info(phase, text); }
  void print() const {
    std::string_view rest = text_;
    while (!rest.empty()) {
      const auto end = rest.find("; ");
      const std::string_view change = rest.substr(0, end);
      std::printf("%.*s\n", static_cast<int>(change.size()), change.data());
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    }
  }

 private:
  std::string text_;
};

// A positive number of milliseconds, or nullopt.
std::optional<std::chrono::milliseconds> millis(const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0) return std::nullopt;
  return std::chrono::milliseconds(v);
}

int usage() {
  std::fprintf(stderr,
               "usage: kc-systemd-probe --root DIR [--dry-run] [--timeout MS] [--job-timeout MS]\n"
               "                        [--file NAME=PATH]... UNIT[:enable]...\n"
               "  UNIT          an embedded unit (with its drop-ins) to enable and keep running\n"
               "  UNIT:enable   enable only\n"
               "  --file        use PATH's content for unit file NAME (\"x.service\", "
               "\"x.service.d/y.conf\")\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root;
  bool dry_run = false;
  kc::SystemdTimeouts timeouts;
  std::vector<kc::UnitSpec> units;
  std::vector<kc::UnitFile> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--root" && has_value) {
      root = argv[++i];
    } else if (arg == "--dry-run") {
      dry_run = true;
    } else if ((arg == "--timeout" || arg == "--job-timeout") && has_value) {
      auto ms = millis(argv[++i]);
      if (!ms) return usage();
      (arg == "--timeout" ? timeouts.call : timeouts.job) = *ms;
    } else if (arg == "--file" && has_value) {
      const std::string spec = argv[++i];
      const auto eq = spec.find('=');
      if (eq == std::string::npos) return usage();
      std::ifstream in(spec.substr(eq + 1), std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "kc-systemd-probe: cannot read %s\n", spec.c_str() + eq + 1);
        return 2;
      }
      std::ostringstream content;
      content << in.rdbuf();
      files.push_back({spec.substr(0, eq), content.str()});
    } else if (!arg.starts_with("-")) {
      const bool enable_only = arg.ends_with(":enable");
      const std::string name = enable_only ? arg.substr(0, arg.size() - 7) : arg;
      // A unit that is not embedded gets its files from --file.
      units.push_back(kc::embedded_unit(name) ? kc::embedded_unit_spec(name, !enable_only)
                                              : kc::UnitSpec{name, {}, !enable_only});
    } else {
      return usage();
    }
  }
  if (root.empty() || units.empty()) return usage();
  // --file replaces or adds files of the named units.
  for (kc::UnitFile& file : files) {
    bool used = false;
    for (kc::UnitSpec& unit : units) {
      if (file.name != unit.name && !file.name.starts_with(unit.name + ".d/")) continue;
      used = true;
      auto it = std::find_if(unit.files.begin(), unit.files.end(),
                             [&](const kc::UnitFile& f) { return f.name == file.name; });
      if (it != unit.files.end()) {
        it->content = file.content;
      } else if (file.name == unit.name) {
        unit.files.insert(unit.files.begin(), file);
      } else {
        unit.files.push_back(file);
      }
    }
    if (!used) {
      std::fprintf(stderr, "kc-systemd-probe: --file %s belongs to no unit given\n",
                   file.name.c_str());
      return 2;
    }
  }
  for (const kc::UnitSpec& unit : units) {
    if (unit.files.empty() || unit.files.front().name != unit.name) {
      std::fprintf(stderr, "kc-systemd-probe: no unit file for %s (not embedded, no --file)\n",
                   unit.name.c_str());
      return 2;
    }
  }

  kc::Host host(root);
  kc::Plan plan;
  kc::Phase phase{"kc-systemd-probe", {}};
  phase.steps.push_back(std::make_unique<kc::UnitsStep>(
      std::move(units),
      [&](const std::string& address) -> kc::Result<std::unique_ptr<kc::Systemd>> {
        auto sd = kc::SystemdManager::connect(address, timeouts);
        if (!sd) return std::move(sd).error();
        return std::unique_ptr<kc::Systemd>(std::move(*sd));
      }));
  plan.push_back(std::move(phase));
  ChangeLines lines;
  kc::StepContext context(host, dry_run);
  context.reporter = &lines;
  if (const char* bus = std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) context.system_bus = bus;
  auto report = kc::execute(plan, context);
  if (!report) {
    std::fprintf(stderr, "%s\n", report.error().message().c_str());
    return 1;
  }
  if (report->changed > 0) lines.print();
  std::printf("%s\n", report->changed > 0 ? "changed" : "unchanged");
  return 0;
}
