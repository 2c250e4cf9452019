#include "agent/join_commands.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "agent/join_data.h"
#include "common/cli/path_flags.h"
#include "common/cli/usage.h"
#include "common/core/exit_codes.h"
#include "common/core/lock.h"
#include "common/core/platform.h"
#include "common/join/join_file.h"
#include "common/join/user_data.h"

namespace kc::leader {

namespace {

int failed(const std::string& command, const Error& error) {
  spdlog::error("{}: {}", command, error.message());
  return exit_code::failed;
}

// The arch of the user data: the one asked for, else this machine's if this leader serves a
// kc-worker for it, else the one it serves.
Result<std::string> user_data_arch(const Host& host, const std::string& asked) {
  if (!asked.empty()) return asked;
  std::vector<std::string> candidates;
  if (auto mine = host_arch()) candidates.push_back(*mine);
  candidates.insert(candidates.end(), {"amd64", "arm64"});
  for (const auto& arch : candidates) {
    auto found = host.stat(served_kc_worker_path(arch));
    if (!found) return std::move(found).error();
    if (found->has_value()) return arch;
  }
  return Error{"worker user data", host.path(kServeDirectory).string(),
               "this leader serves no kc-worker", "kc-leader init --kc-worker FILE installs it"};
}

Result<std::string> make_host_user_data(const Host& host, const join::JoinFile& join,
                                        join::UserDataFormat format, const std::string& arch_flag,
                                        const std::string& url_flag,
                                        const std::string& worker_args = "") {
  auto arch = user_data_arch(host, arch_flag);
  if (!arch) return std::move(arch).error();
  std::string url = url_flag;
  if (url.empty()) {
    auto saved = saved_worker_binary_url(host);
    if (!saved) return std::move(saved).error();
    url = *saved;
  }
  auto binary = worker_binary(host, join.api_server_endpoint, *arch, url);
  if (!binary) return std::move(binary).error();
  std::string args = worker_args;
  if (args.empty()) {
    auto saved = saved_worker_args(host);
    if (!saved) return std::move(saved).error();
    args = *saved;
  }
  return join::make_user_data(format, join, *binary, args);
}

Result<join::JoinFile> read_leader_join_file(const Host& host) {
  auto on_host = join::read_join_file(host);
  if (!on_host) return std::move(on_host).error();
  if (on_host->too_open()) {
    spdlog::warn("{} is mode {:04o}: it holds the bootstrap token; kc-leader init sets it to 0600",
                 host.path(join::kJoinFilePath).string(), on_host->mode);
  }
  return std::move(on_host->join);
}

std::string arch_check(const std::string& v) {
  return v == "amd64" || v == "arm64" ? std::string() : "expected amd64 or arm64, got '" + v + "'";
}
std::string format_check(const std::string& v) {
  return join::parse_user_data_format(v) ? std::string()
                                         : "expected ignition or shell, got '" + v + "'";
}
std::string ttl_check(const std::string& v) {
  return is_token_ttl(v) ? std::string() : "expected 0 or a duration such as 24h, got '" + v + "'";
}

}  // namespace

void add_join_commands(CLI::App& app, JoinCommands& c) {
  c.ca_hash_command = cli::add_command(
      app, "ca-hash",
      "Print the discovery hash (sha256:HEX of its public key) of the cluster CA certificate");
  c.ca_hash_command
      ->add_option("CERT", c.ca_hash.certificate,
                   "PEM certificate (not under --root; default /etc/kubernetes/pki/ca.crt under "
                   "--root)")
      ->check(CLI::ExistingFile);

  c.user_data_command =
      cli::add_command(app, "user-data", "Print the worker user data for the launch template");
  c.user_data_command->add_option("--format", c.user_data.format, "ignition or shell")
      ->capture_default_str()
      ->check(format_check);
  c.user_data_command
      ->add_option("--arch", c.user_data.arch,
                   "Workers' architecture, amd64 or arm64 (default: the kc-worker served)")
      ->check(arch_check);
  c.user_data_command
      ->add_option("--worker-binary-url", c.user_data.worker_binary_url,
                   "Fetch kc-worker from this URL ({arch} is replaced; default: as init was told)")
      ->type_name("URL");
  c.user_data_command
      ->add_option("--worker-args", c.user_data.worker_args,
                   "kc-worker join flags for the worker's every boot, e.g. \"--mirror URL\" "
                   "(KC_WORKER_ARGS in /etc/kc/kc-worker.env; default: as init was told)")
      ->type_name("ARGS");

  CLI::App* token = cli::add_command(app, "token", "Manage the workers' bootstrap token");
  token->require_subcommand(1);
  c.token_rotate_command = cli::add_command(
      *token, "rotate",
      "Create a new bootstrap token, delete the old one, and print the new user data");
  c.token_rotate_command
      ->add_option("--token-ttl", c.token_rotate.token_ttl, "Lifetime (0: never expires)")
      ->capture_default_str()
      ->check(ttl_check)
      ->type_name("DURATION");
  c.token_rotate_command->add_option("--format", c.token_rotate.format, "ignition or shell")
      ->capture_default_str()
      ->check(format_check);
  c.token_rotate_command->add_flag("--keep-old-token", c.token_rotate.keep_old_token,
                                   "Do not delete the old token");

  c.serve_command = cli::add_command(
      app, "serve", "Serve kc-worker to booting workers over HTTP (kc-serve.service runs this)");
  c.serve_command->add_option("--address", c.serve.address, "Address to listen on")
      ->capture_default_str();
  c.serve_command->add_option("--port", c.serve.port, "TCP port")->capture_default_str();
  c.serve_command
      ->add_option("--pin", c.serve.pins,
                   "ARCH=SHA256: serve only these, refusing to start when a file differs")
      ->type_name("ARCH=SHA256");
  c.serve_command
      ->add_option("--idle-timeout", c.serve.idle_timeout_seconds,
                   "Seconds after which a connection that makes no progress is dropped")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
}

int run_ca_hash_command(const CaHashOptions& options, const cli::GlobalOptions& global) {
  const bool default_ca = options.certificate.empty();
  std::string name;
  const Host host =
      default_ca ? Host(global.root) : Host::for_operator_file(options.certificate, name);
  if (default_ca) name = std::string(kCaCertPath);
  const std::string where = default_ca ? host.path(name).string() : options.certificate;
  auto pem = host.read_file(name);
  if (!pem) return failed("ca-hash", pem.error());
  if (!pem->has_value()) {
    return failed("ca-hash", Error{"read the CA certificate", where, "No such file or directory",
                                   "give the certificate: kc-leader ca-hash FILE"});
  }
  auto hash = ca_cert_hash(**pem, where);
  if (!hash) return failed("ca-hash", hash.error());
  std::printf("%s\n", hash->c_str());
  return exit_code::ok;
}

int run_user_data_command(const UserDataOptions& options, const cli::GlobalOptions& global) {
  const Host host(global.root);
  auto join = read_leader_join_file(host);
  if (!join) return failed("user-data", join.error());
  auto data = make_host_user_data(host, *join, *join::parse_user_data_format(options.format),
                                  options.arch, options.worker_binary_url, options.worker_args);
  if (!data) return failed("user-data", data.error());
  std::fwrite(data->data(), 1, data->size(), stdout);
  return exit_code::ok;
}

int run_token_rotate_command(const TokenRotateOptions& options, const cli::GlobalOptions& global) {
  const std::string command = "token rotate";
  const Host host(global.root);
  auto join = read_leader_join_file(host);
  if (!join) return failed(command, join.error());
  const std::string old_id = token_id(join->token);
  if (global.dry_run) {
    std::printf("would create a bootstrap token (kubeadm token create --ttl %s)\n",
                options.token_ttl.c_str());
    std::printf(
        "would write %s (0600), %s and %s (0600)\n", std::string(join::kJoinFilePath).c_str(),
        std::string(kIgnitionUserDataPath).c_str(), std::string(kShellUserDataPath).c_str());
    if (!options.keep_old_token) std::printf("would delete bootstrap token %s\n", old_id.c_str());
    return exit_code::ok;
  }
  std::string holder;
  auto lock = HostLock::try_acquire(host, &holder);
  if (!lock) return failed(command, lock.error());
  if (!*lock) {
    spdlog::error("{}: another kc{} holds the lock {}; nothing was changed", command,
                  holder.empty() ? "" : " (pid " + holder + ")",
                  host.path(HostLock::kPath).string());
    return exit_code::locked;
  }
  auto token = create_bootstrap_token(host, options.token_ttl);
  if (!token) return failed(command, token.error());
  join->token = *token;
  // The user data first (it checks everything), then the files, so an error leaves the old ones.
  std::vector<std::pair<std::string_view, std::string>> copies;
  for (auto [format, path] : {std::pair{join::UserDataFormat::ignition, kIgnitionUserDataPath},
                              std::pair{join::UserDataFormat::shell, kShellUserDataPath}}) {
    auto data = make_host_user_data(host, *join, format, "", "");
    if (!data) return failed(command, data.error());
    copies.emplace_back(path, std::move(*data));
  }
  if (auto written = join::write_join_file(host, *join); !written) {
    return failed(command, written.error());
  }
  for (const auto& [path, data] : copies) {
    if (auto written = host.replace_atomically(path, data, 0600); !written) {
      return failed(command, written.error());
    }
  }
  spdlog::info("token rotate: created bootstrap token {}; wrote {}, {} and {}", token_id(*token),
               join::kJoinFilePath, kIgnitionUserDataPath, kShellUserDataPath);
  const std::string& printed =
      copies[*join::parse_user_data_format(options.format) == join::UserDataFormat::ignition ? 0
                                                                                             : 1]
          .second;
  std::fwrite(printed.data(), 1, printed.size(), stdout);
  std::fflush(stdout);
  if (!options.keep_old_token && old_id != token_id(*token)) {
    if (auto deleted = delete_bootstrap_token(host, old_id); !deleted) {
      return failed(command, deleted.error());
    }
    spdlog::info(
        "token rotate: deleted bootstrap token {}: workers launched with the old user "
        "data can no longer join; put the new user data in the launch template",
        old_id);
  }
  return exit_code::ok;
}

int run_serve_command(const ServeOptions& options, const cli::GlobalOptions& global) {
  return run_serve(options, global.root);
}

int print_init_user_data(const cli::GlobalOptions& global) {
  const Host host(global.root);
  for (auto [title, path] : {std::pair{"Ignition 3.5", kIgnitionUserDataPath},
                             std::pair{"shell script", kShellUserDataPath}}) {
    auto data = host.read_file(path);
    if (!data) return failed("init", data.error());
    if (!data->has_value()) continue;
    std::printf("# ---- worker user data (%s; also in %s, mode 0600) ----\n", title,
                host.path(path).c_str());
    std::fwrite((*data)->data(), 1, (*data)->size(), stdout);
  }
  std::fflush(stdout);
  return exit_code::ok;
}

}  // namespace kc::leader
