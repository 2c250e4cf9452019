#include "agent/worker_join_options.h"

#include <CLI/CLI.hpp>

#include <filesystem>

#include "agent/join_data.h"
#include "common/cli/path_flags.h"
#include "common/join/user_data.h"

namespace kc::leader {

void add_worker_join_flags(CLI::App* command, WorkerJoinOptions& o) {
  cli::add_operator_file_option(
      command, "--kc-worker", o.kc_worker,
      "The kc-worker binary kc-serve gives workers (default: kc-worker next to kc-leader)");
  command
      ->add_option("--worker-binary-url", o.worker_binary_url,
                   "Workers fetch kc-worker from this URL ({arch} is replaced) instead of kc-serve")
      ->type_name("URL");
  command
      ->add_option("--token-ttl", o.token_ttl,
                   "Lifetime of the workers' bootstrap token (0: never expires; see token rotate)")
      ->capture_default_str()
      ->type_name("DURATION");
  command
      ->add_option("--worker-args", o.worker_args,
                   "kc-worker join flags for the workers' every boot, e.g. \"--mirror URL\" "
                   "(kept in /etc/kc/worker-args for user-data and token rotate)")
      ->type_name("ARGS");
}

Result<WorkerJoinOptions> resolve_worker_join_options(const WorkerJoinOptions& o) {
  WorkerJoinOptions resolved = o;
  if (!is_token_ttl(o.token_ttl)) {
    return Error{"--token-ttl", o.token_ttl, "expected 0 or a duration such as 24h or 1h30m", ""};
  }
  if (!o.worker_binary_url.empty() && o.worker_binary_url.rfind("http://", 0) != 0 &&
      o.worker_binary_url.rfind("https://", 0) != 0) {
    return Error{"--worker-binary-url", o.worker_binary_url, "expected an http:// or https:// URL",
                 ""};
  }
  auto args = join::normalize_worker_args(o.worker_args);
  if (!args) return std::move(args).error();
  resolved.worker_args = *args;
  if (resolved.kc_worker.empty()) {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    resolved.kc_worker = ec ? "kc-worker" : default_kc_worker(self);
  }
  return resolved;
}

std::string default_kc_worker(const std::filesystem::path& self) {
  const auto dir = self.parent_path();
  const auto beside = dir / "kc-worker";
  std::error_code ec;
  if (std::filesystem::exists(beside, ec) || dir.filename() != "agent") return beside.string();
  // meson's build directory: agent/kc-leader and bootstrap/kc-worker.
  const auto built = dir.parent_path() / "bootstrap" / "kc-worker";
  return std::filesystem::exists(built, ec) ? built.string() : beside.string();
}

}  // namespace kc::leader
