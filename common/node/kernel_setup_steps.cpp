#include "common/node/kernel_setup_steps.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>

#include "common/node/kernel_modules.h"

namespace kc::node {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// modprobe where Flatcar and Debian have it.
Result<std::string> modprobe_path() {
  for (const char* path : {"/usr/sbin/modprobe", "/sbin/modprobe"}) {
    if (::access(path, X_OK) == 0) return std::string(path);
  }
  return Error{"load kernel modules", "modprobe", "not found in /usr/sbin or /sbin",
               "install kmod"};
}

}  // namespace

std::string modules_load_content() {
  std::string out = "# Written by kc: kernel modules Kubernetes needs on this node.\n";
  for (const std::string& m : kernel_modules()) out += m + "\n";
  return out;
}

KernelModulesStep::KernelModulesStep(ProcessRunner run) : run_(std::move(run)) {
  if (!run_) run_ = [](const ProcessSpec& spec) { return run_process(spec); };
}

Result<Findings> KernelModulesStep::check(const StepContext& context) {
  Findings findings{{}, "kernel modules overlay, br_netfilter"};
  auto diff = compare_file(context.host, kModulesLoadFile, modules_load_content(), 0644);
  if (!diff) return std::move(diff).error();
  if (diff->has_value()) {
    findings.changes.push_back({Verb::write, kModulesLoadFile, "(" + (*diff)->reason + ")"});
  }
  const auto& modules = kernel_modules();
  for (size_t i = 0; i < modules.size(); ++i) {
    auto present = module_in_kernel(context.host, modules[i]);
    if (!present) return std::move(present).error();
    if (!*present) {
      findings.changes.push_back({Verb::run, "modprobe " + modules[i], "(not loaded)", i});
    }
  }
  return findings;
}

Status KernelModulesStep::apply(const StepContext& context, std::vector<Change>& changes) {
  for (const Change& change : changes) {
    if (change.verb == Verb::write) {
      KC_TRY(context.host.write_file(kModulesLoadFile, modules_load_content(), 0644));
      continue;
    }
    const std::string& m = kernel_modules()[change.item];
    if (!context.host.is_real_root()) {
      // The kernel is this machine's: under a scratch root only the file is kc's to write.
      return Error{"load kernel module", m,
                   "not loaded, and kc runs under --root " + context.host.root().string(),
                   "load it on the machine itself (modprobe " + m + ")"};
    }
    auto modprobe = modprobe_path();
    if (!modprobe) return std::move(modprobe).error();
    ProcessSpec spec;
    spec.argv = {*modprobe, m};
    spec.timeout = std::chrono::seconds(30);
    auto result = run_(spec);
    if (!result) return std::move(result).error().context("load kernel module " + m);
    if (!result->succeeded()) {
      std::string last = result->last_lines.empty() ? "" : ": " + result->last_lines.back();
      return Error{"load kernel module", m, "modprobe " + result->describe_end() + last,
                   "is the module installed for this kernel (uname -r)?"};
    }
  }
  return {};
}

std::string Sysctl::proc_path() const {
  std::string path = key;
  std::replace(path.begin(), path.end(), '.', '/');
  return "/proc/sys/" + path;
}

std::vector<Sysctl> node_sysctls(bool ipv6) {
  std::vector<Sysctl> out{{"net.bridge.bridge-nf-call-iptables", "1"},
                          {"net.ipv4.ip_forward", "1"}};
  if (ipv6) out.push_back({"net.ipv6.conf.all.forwarding", "1"});
  return out;
}

std::string sysctl_file_content(const std::vector<Sysctl>& sysctls) {
  std::string out = "# Written by kc: what Kubernetes networking needs on this node.\n";
  for (const Sysctl& s : sysctls) out += s.key + " = " + s.value + "\n";
  return out;
}

SysctlStep::SysctlStep(std::shared_ptr<aws::ResolvedIdentity> identity)
    : identity_(std::move(identity)) {}

std::string SysctlStep::describe() const {
  return "sysctls bridge-nf-call-iptables, ip_forward (and IPv6 forwarding with IPv6)";
}

Result<Findings> SysctlStep::check(const StepContext& context) {
  const bool ipv6 =
      identity_ && identity_->identity && !identity_->identity->ipv6_addresses.empty();
  wanted_ = node_sysctls(ipv6);
  Findings findings{{}, "sysctls in " + std::string(kSysctlFile)};
  const std::string content = sysctl_file_content(wanted_);
  auto diff = compare_file(context.host, kSysctlFile, content, 0644);
  if (!diff) return std::move(diff).error();
  if (diff->has_value()) {
    findings.changes.push_back({Verb::write, kSysctlFile, "(" + (*diff)->reason + ")"});
  }
  for (size_t i = 0; i < wanted_.size(); ++i) {
    auto current = context.host.read_file(wanted_[i].proc_path());
    if (!current) return std::move(current).error();
    if (!current->has_value()) {  // br_netfilter not loaded yet (a dry run)
      findings.changes.push_back(
          {Verb::write, wanted_[i].proc_path(),
           fmt::format("({} = {}; not there yet, as before br_netfilter is loaded)", wanted_[i].key,
                       wanted_[i].value),
           i + 1});
      continue;
    }
    const std::string value = trimmed(**current);
    if (value != wanted_[i].value) {
      findings.changes.push_back(
          {Verb::write, wanted_[i].proc_path(),
           fmt::format("({} = {}, was {})", wanted_[i].key, wanted_[i].value, value), i + 1});
    }
  }
  return findings;
}

Status SysctlStep::apply(const StepContext& context, std::vector<Change>& changes) {
  for (const Change& change : changes) {
    if (change.item == 0) {
      KC_TRY(context.host.write_file(kSysctlFile, sysctl_file_content(wanted_), 0644));
      continue;
    }
    const Sysctl& s = wanted_[change.item - 1];
    KC_TRY(context.host.write_kernel_setting(s.proc_path(), s.value));
  }
  return {};
}

}  // namespace kc::node
