// What the leader gives a worker to join: the CA's discovery hash, bootstrap tokens (created,
// listed and deleted through kubeadm; a token is only ever on kubeadm's standard output and in
// 0600 files), the API server endpoint, and where a worker fetches kc-worker from.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"
#include "common/core/secret.h"
#include "common/join/join_file.h"
#include "common/join/user_data.h"

namespace kc::leader {

inline constexpr std::string_view kCaCertPath = "/etc/kubernetes/pki/ca.crt";
inline constexpr std::string_view kAdminKubeconfigPath = "/etc/kubernetes/admin.conf";
inline constexpr std::string_view kKubeadmPath = "/opt/bin/kubeadm";
// The 0600 copies of the user data init keeps, and the --worker-binary-url it was given.
inline constexpr std::string_view kIgnitionUserDataPath = "/etc/kc/user-data.ign";
inline constexpr std::string_view kShellUserDataPath = "/etc/kc/user-data.sh";
inline constexpr std::string_view kWorkerBinaryUrlPath = "/etc/kc/worker-binary-url";
// init --worker-args, for the user data that user-data and token rotate print later.
inline constexpr std::string_view kWorkerArgsPath = "/etc/kc/worker-args";
inline constexpr std::string_view kTokenDescription =
    "kc: joins the workers the Auto Scaling Group launches";

// "sha256:<hex>" of a PEM CA certificate's SubjectPublicKeyInfo; `where` names it in errors.
Result<std::string> ca_cert_hash(std::string_view pem, const std::string& where);

// "HOST:PORT" of the API server, from the server URL of admin.conf.
Result<std::string> api_server_endpoint(const Host& host);

// A Go duration as kubeadm's --ttl takes it: "0" (never expires), "24h", "1h30m", "90s".
bool is_token_ttl(std::string_view text);

// kubeadm token create --ttl TTL --description ...: the token, read from its standard output.
Result<Secret> create_bootstrap_token(const Host& host, const std::string& ttl);
// The IDs (the public half, "abcdef") of the bootstrap tokens kubeadm token list shows.
Result<std::vector<std::string>> list_bootstrap_token_ids(const Host& host);
// kubeadm token delete ID.
Status delete_bootstrap_token(const Host& host, const std::string& token_id);
std::string token_id(const Secret& token);

// "amd64" or "arm64" from an ELF header; an error for anything else.
Result<std::string> elf_arch(std::string_view content, const std::string& where);

// The URL kc-serve serves kc-worker at, on the API server's host.
std::string kc_serve_url(std::string_view api_server_endpoint, std::string_view arch);

// Where workers of `arch` fetch kc-worker (url_template, "{arch}" substituted, or kc-serve) and
// the digest of the kc-worker this leader serves for that arch.
Result<join::WorkerBinary> worker_binary(const Host& host, std::string_view api_server_endpoint,
                                         std::string_view arch, const std::string& url_template);

// The URL template given to init (--worker-binary-url), or "" for kc-serve.
Result<std::string> saved_worker_binary_url(const Host& host);
// What init was given as --worker-args ("" when none).
Result<std::string> saved_worker_args(const Host& host);

}  // namespace kc::leader
