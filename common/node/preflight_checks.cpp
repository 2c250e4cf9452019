#include "common/node/preflight_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/net/cidr.h"
#include "common/node/cri_version.h"
#include "common/node/kernel_modules.h"

namespace kc::node {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

Result<bool> exists(const Host& host, const std::string& path) {
  auto entry = host.lstat(path);
  if (!entry) return std::move(entry).error();
  return entry->has_value();
}

Result<std::string> read_or_empty(const Host& host, const std::string& path) {
  auto content = host.read_file(path);
  if (!content) return std::move(content).error();
  return content->value_or("");
}

// Ports in the LISTEN state (st 0A) of /proc/net/tcp and tcp6.
Result<std::vector<int>> listening_ports(const Host& host) {
  std::vector<int> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    auto text = read_or_empty(host, table);
    if (!text) return std::move(text).error();
    for (const std::string& line : lines_of(*text)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      if (!(fields >> sl >> local >> remote >> state) || state != "0A") continue;
      const size_t colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      try {
        out.push_back(std::stoi(local.substr(colon + 1), nullptr, 16));
      } catch (const std::exception&) {
        continue;
      }
    }
  }
  return out;
}

// In the kernel now (kernel_modules.h), or loadable: listed in modules.dep / modules.builtin of
// the running kernel (or under /sys/module, where a machine shows it).
Result<bool> module_available(const Host& host, const std::string& module) {
  auto present = module_in_kernel(host, module);
  if (!present) return std::move(present).error();
  if (*present) return true;
  auto sys = exists(host, "/sys/module/" + module);
  if (!sys) return std::move(sys).error();
  if (*sys) return true;
  auto release = read_or_empty(host, "/proc/sys/kernel/osrelease");
  if (!release) return std::move(release).error();
  std::string kernel = *release;
  while (!kernel.empty() && (kernel.back() == '\n' || kernel.back() == ' ')) kernel.pop_back();
  if (kernel.empty()) return false;
  for (const char* list : {"modules.dep", "modules.builtin"}) {
    auto text = read_or_empty(host, "/lib/modules/" + kernel + "/" + list);
    if (!text) return std::move(text).error();
    const std::string file = "/" + module + ".ko";
    for (const std::string& line : lines_of(*text)) {
      const std::string path = line.substr(0, line.find(':'));
      if (path.find(file) != std::string::npos) return true;
    }
  }
  return false;
}

Result<bool> containerd_unit_installed(const Host& host) {
  for (const char* dir : {"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
                          "/run/systemd/system"}) {
    auto found = exists(host, std::string(dir) + "/containerd.service");
    if (!found) return std::move(found).error();
    if (*found) return true;
  }
  return false;
}

}  // namespace

std::vector<int> leader_ports() {
  return {6443, 10250, 10257, 10259, 2379, 2380};
}
std::vector<int> worker_ports() {
  return {10250};
}

std::string PreflightFailure::describe() const {
  return fmt::format("[{}] {}{}", name, why, hint.empty() ? "" : ": " + hint);
}

bool ignored(const std::vector<std::string>& ignore, const std::string& name) {
  const std::string wanted = lower(name);
  return std::any_of(ignore.begin(), ignore.end(), [&](const std::string& entry) {
    const std::string e = lower(entry);
    return e == "all" || e == wanted;
  });
}

std::vector<std::string> preflight_check_names(const PreflightOptions& options) {
  std::vector<std::string> names{"IsPrivilegedUser", "CRI", "Swap"};
  for (const std::string& m : kernel_modules()) names.push_back("KernelModule-" + m);
  for (int port : options.ports) names.push_back("Port-" + std::to_string(port));
  if (!options.subnets.empty()) names.push_back("SubnetOverlap");
  return names;
}

std::string unknown_preflight_name(const std::vector<std::string>& ignore,
                                   const PreflightOptions& options) {
  const auto names = preflight_check_names(options);
  for (const std::string& entry : ignore) {
    if (lower(entry) == "all") continue;
    if (!ignored(names, entry)) return entry;
  }
  return "";
}

Result<std::vector<PreflightFailure>> run_preflight_checks(
    const Host& host, const PreflightOptions& options, const std::vector<std::string>& vpc_cidrs) {
  std::vector<PreflightFailure> failures;
  if (options.euid != 0) {
    failures.push_back({"IsPrivilegedUser", "kc runs as user id " + std::to_string(options.euid),
                        "run it as root (sudo)"});
  }

  // The runtime answers, or its unit is there for the next step to start.
  const std::string socket = host.path(kContainerdSocket).string();
  if (auto version = cri_version(socket, std::chrono::seconds(3)); !version) {
    auto unit = containerd_unit_installed(host);
    if (!unit) return std::move(unit).error();
    if (!*unit) {
      failures.push_back({"CRI",
                          "containerd does not answer on unix://" + std::string(kContainerdSocket) +
                              " (" + version.error().why +
                              ") and no containerd.service is installed",
                          "install containerd (Flatcar ships it) or start the runtime"});
    }
  }

  auto swaps = read_or_empty(host, "/proc/swaps");
  if (!swaps) return std::move(swaps).error();
  std::vector<std::string> swap_devices;
  const auto swap_lines = lines_of(*swaps);
  for (size_t i = 1; i < swap_lines.size(); ++i) {
    std::istringstream fields(swap_lines[i]);
    std::string device;
    if (fields >> device) swap_devices.push_back(device);
  }
  if (!swap_devices.empty()) {
    failures.push_back({"Swap", fmt::format("swap is on ({})", fmt::join(swap_devices, ", ")),
                        "turn it off (swapoff -a, and remove it from /etc/fstab) or pass "
                        "--ignore-preflight-errors=Swap"});
  }

  for (const std::string& m : kernel_modules()) {
    auto available = module_available(host, m);
    if (!available) return std::move(available).error();
    if (!*available) {
      failures.push_back({"KernelModule-" + m,
                          "kernel module " + m + " is neither loaded nor available to this kernel",
                          "install the kernel's modules, or build " + m + " into the kernel"});
    }
  }

  // kc's own node already holds its ports (a second run, a worker joining at every boot).
  auto own = exists(host, kApiServerManifest);
  if (!own) return std::move(own).error();
  auto joined = exists(host, kKubeletConf);
  if (!joined) return std::move(joined).error();
  if (!*own && !*joined && !options.ports.empty()) {
    auto listening = listening_ports(host);
    if (!listening) return std::move(listening).error();
    for (int port : options.ports) {
      if (std::find(listening->begin(), listening->end(), port) != listening->end()) {
        failures.push_back(
            {"Port-" + std::to_string(port), "TCP port " + std::to_string(port) + " is in use",
             "stop what listens on it (ss -ltnp 'sport = :" + std::to_string(port) + "')"});
      }
    }
  }

  for (const std::string& subnet : options.subnets) {
    const auto mine = parse_cidr(subnet);
    if (!mine) continue;  // validated with its flag
    for (const std::string& vpc : vpc_cidrs) {
      const auto theirs = parse_cidr(vpc);
      if (theirs && mine->overlaps(*theirs)) {
        failures.push_back(
            {"SubnetOverlap", fmt::format("subnet {} overlaps the VPC CIDR {}", subnet, vpc),
             "choose a --pod-subnet / --service-subnet outside the VPC's address ranges"});
      }
    }
  }
  return failures;
}

PreflightChecksStep::PreflightChecksStep(PreflightOptions options,
                                         std::shared_ptr<aws::ResolvedIdentity> identity)
    : options_(std::move(options)), identity_(std::move(identity)) {}

std::string PreflightChecksStep::describe() const {
  return "preflight checks: " + fmt::format("{}", fmt::join(preflight_check_names(options_), ", "));
}

Result<Findings> PreflightChecksStep::check(const StepContext& context) {
  const std::vector<std::string> no_cidrs;
  const auto& cidrs = identity_ && identity_->identity ? identity_->identity->vpc_cidrs : no_cidrs;
  auto failures = run_preflight_checks(context.host, options_, cidrs);
  if (!failures) return std::move(failures).error();
  failures_.clear();
  std::vector<std::string> stopping;
  for (const PreflightFailure& f : *failures) {
    if (ignored(options_.ignore, f.name)) {
      context.warn("ignored: " + f.describe());
      continue;
    }
    failures_.push_back(f);
    stopping.push_back(f.describe());
  }
  Findings findings{{}, fmt::format("{} preflight checks", preflight_check_names(options_).size())};
  if (!stopping.empty()) {
    findings.changes.push_back({Verb::perform,
                                fmt::format("stop: {} preflight check(s) failed: {}",
                                            stopping.size(), fmt::join(stopping, "; ")),
                                ""});
  }
  return findings;
}

Status PreflightChecksStep::apply(const StepContext&, std::vector<Change>&) {
  std::vector<std::string> listed;
  for (const PreflightFailure& f : failures_) listed.push_back(f.describe());
  return Error{"preflight", "",
               fmt::format("{} check(s) failed: {}", listed.size(), fmt::join(listed, "; ")),
               "nothing was changed; fix them, or pass --ignore-preflight-errors=NAME,... (the "
               "names in brackets) to go on anyway"};
}

}  // namespace kc::node
