#include "agent/join_data.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <regex>
#include <sstream>

#include "agent/serve.h"
#include "common/core/process.h"
#include "common/core/yaml.h"
#include "common/join/kc_serve.h"
#include "common/join/user_data.h"
#include "common/pki/certificate.h"

namespace kc::leader {

namespace {

constexpr std::chrono::seconds kKubeadmTimeout{60};

struct KubeadmRun {
  ProcessResult result;
  std::string last_error_line;  // kubeadm's reason, from standard error only (standard
                                // output may hold a token)
};

// Runs "kubeadm token ..." with admin.conf; standard error goes to kc's debug log, standard
// output is captured and never logged.
Result<KubeadmRun> run_kubeadm_token(const Host& host, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {host.path(kKubeadmPath).string(), "token"};
  for (auto& a : args) spec.argv.push_back(std::move(a));
  spec.argv.push_back("--kubeconfig");
  spec.argv.push_back(host.path(kAdminKubeconfigPath).string());
  spec.capture_stdout = true;
  spec.timeout = kKubeadmTimeout;
  KubeadmRun run;
  spec.on_line = [&run](ProcessStream stream, std::string_view line) {
    if (stream != ProcessStream::err || line.empty()) return;
    spdlog::debug("kubeadm: {}", line);
    // kubeadm ends with "To see the stack trace ..."; its reason is the "error: " line.
    if (run.last_error_line.rfind("error", 0) != 0 || line.rfind("error", 0) == 0) {
      run.last_error_line = std::string(line);
    }
  };
  auto result = run_process(spec);
  if (!result) return std::move(result).error().context("kubeadm token");
  run.result = std::move(*result);
  return run;
}

Error kubeadm_failed(const std::string& what, const std::string& command, const KubeadmRun& run) {
  std::string why = run.result.describe_end();
  if (!run.last_error_line.empty()) why += ": " + run.last_error_line;
  return Error{what, command, why,
               "check that the control plane is up: kubectl --kubeconfig "
               "/etc/kubernetes/admin.conf get nodes"};
}

}  // namespace

Result<std::string> ca_cert_hash(std::string_view pem, const std::string& where) {
  auto certificate = pki::Certificate::parse(pem, where);
  if (!certificate) return std::move(certificate).error().context("CA hash");
  return pki::public_key_sha256(*certificate);
}

Result<std::string> api_server_endpoint(const Host& host) {
  const std::string where = host.path(kAdminKubeconfigPath).string();
  auto text = host.read_file(kAdminKubeconfigPath);
  if (!text) return std::move(text).error().context("API server endpoint");
  if (!text->has_value()) {
    return Error{"API server endpoint", where, "No such file or directory",
                 "kubeadm init writes it: run kc-leader init first"};
  }
  auto config = parse_yaml(**text, where);
  if (!config) return std::move(config).error().context("API server endpoint");
  const auto& clusters = (*config)["clusters"];
  std::string server;
  if (clusters.is_array() && !clusters.empty() && clusters[0].contains("cluster") &&
      clusters[0]["cluster"].contains("server") && clusters[0]["cluster"]["server"].is_string()) {
    server = clusters[0]["cluster"]["server"].get<std::string>();
  }
  const std::string prefix = "https://";
  std::string endpoint = server.rfind(prefix, 0) == 0 ? server.substr(prefix.size()) : "";
  if (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (!join::is_host_port(endpoint)) {
    return Error{"API server endpoint", where,
                 "clusters[0].cluster.server is not https://HOST:PORT: \"" + server + "\"", ""};
  }
  return endpoint;
}

bool is_token_ttl(std::string_view text) {
  static const std::regex ttl("0|([0-9]+(\\.[0-9]+)?(h|m|s))+");
  return std::regex_match(text.begin(), text.end(), ttl);
}

std::string token_id(const Secret& token) {
  return token.reveal().substr(0, 6);
}

Result<Secret> create_bootstrap_token(const Host& host, const std::string& ttl) {
  auto run = run_kubeadm_token(
      host, {"create", "--ttl", ttl, "--description", std::string(kTokenDescription)});
  if (!run) return std::move(run).error().context("create a bootstrap token");
  if (!run->result.succeeded()) {
    return kubeadm_failed("create a bootstrap token", "kubeadm token create", *run);
  }
  // The token is the last line of standard output; nothing of it is repeated in an error.
  std::istringstream lines(run->result.standard_output);
  std::string line, last;
  while (std::getline(lines, line)) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    if (!line.empty()) last = line;
  }
  if (!join::is_bootstrap_token(last)) {
    return Error{"create a bootstrap token", "kubeadm token create",
                 "its output does not end with a bootstrap token", ""};
  }
  return Secret(std::move(last));
}

Result<std::vector<std::string>> list_bootstrap_token_ids(const Host& host) {
  auto run = run_kubeadm_token(host, {"list"});
  if (!run) return std::move(run).error().context("list bootstrap tokens");
  if (!run->result.succeeded()) {
    return kubeadm_failed("list bootstrap tokens", "kubeadm token list", *run);
  }
  // Text output: a header, then one row per token whose first column is the token.
  std::vector<std::string> ids;
  std::istringstream lines(run->result.standard_output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string first;
    fields >> first;
    if (join::is_bootstrap_token(first)) ids.push_back(first.substr(0, 6));
  }
  return ids;
}

Status delete_bootstrap_token(const Host& host, const std::string& id) {
  auto run = run_kubeadm_token(host, {"delete", id});
  if (!run) return std::move(run).error().context("delete bootstrap token " + id);
  if (!run->result.succeeded()) {
    return kubeadm_failed("delete bootstrap token " + id, "kubeadm token delete", *run);
  }
  return {};
}

Result<std::string> elf_arch(std::string_view content, const std::string& where) {
  // e_ident: "\x7fELF", class 2 (64-bit), data 1 (little-endian); e_machine at offset 18.
  if (content.size() < 20 ||
      content.substr(0, 4) !=
          "\x7f"
          "ELF" ||
      content[4] != 2 || content[5] != 1) {
    return Error{"kc-worker binary", where, "not a 64-bit little-endian ELF executable",
                 "give the kc-worker of a release (packaging/release.sh builds it)"};
  }
  const unsigned machine = static_cast<unsigned char>(content[18]) |
                           (static_cast<unsigned>(static_cast<unsigned char>(content[19])) << 8);
  if (machine == 62) return std::string("amd64");   // EM_X86_64
  if (machine == 183) return std::string("arm64");  // EM_AARCH64
  return Error{"kc-worker binary", where,
               fmt::format("ELF machine {} is neither x86-64 nor AArch64", machine), ""};
}

std::string kc_serve_url(std::string_view api_server_endpoint, std::string_view arch) {
  const std::string_view host = api_server_endpoint.substr(0, api_server_endpoint.rfind(':'));
  return fmt::format("http://{}:{}{}", host, join::kServePort, join::kc_worker_url_path(arch));
}

Result<join::WorkerBinary> worker_binary(const Host& host, std::string_view api_server_endpoint,
                                         std::string_view arch, const std::string& url_template) {
  const std::string served = served_kc_worker_path(arch);
  auto digest = host.sha256(served);
  if (!digest) return std::move(digest).error().context("kc-worker for " + std::string(arch));
  if (!digest->has_value()) {
    return Error{"kc-worker for " + std::string(arch), host.path(served).string(),
                 "No such file or directory",
                 "kc-leader init --kc-worker FILE installs it (a kc-worker built for " +
                     std::string(arch) + ")"};
  }
  join::WorkerBinary binary;
  binary.sha256 = **digest;
  if (url_template.empty()) {
    binary.url = kc_serve_url(api_server_endpoint, arch);
  } else {
    binary.url = url_template;
    for (size_t at; (at = binary.url.find("{arch}")) != std::string::npos;) {
      binary.url.replace(at, 6, arch);
    }
  }
  return binary;
}

namespace {

Result<std::string> saved_line(const Host& host, std::string_view path) {
  auto text = host.read_file(path);
  if (!text) return std::move(text).error();
  if (!text->has_value()) return std::string();
  std::string line = **text;
  line.erase(line.find_last_not_of(" \t\r\n") + 1);
  return line;
}

}  // namespace

Result<std::string> saved_worker_binary_url(const Host& host) {
  return saved_line(host, kWorkerBinaryUrlPath);
}

Result<std::string> saved_worker_args(const Host& host) {
  auto args = saved_line(host, kWorkerArgsPath);
  if (!args) return std::move(args).error();
  auto normalized = join::normalize_worker_args(*args);
  if (!normalized) {
    Error e = std::move(normalized).error();
    e.where = host.path(kWorkerArgsPath).string();
    e.hint = "run kc-leader init --worker-args again, or give user-data --worker-args";
    return e;
  }
  return normalized;
}

}  // namespace kc::leader
