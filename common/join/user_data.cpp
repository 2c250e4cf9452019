#include "common/join/user_data.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/kube/kubeconfig.h"
#include "common/storage/storage_units.h"
#include "common/systemd/units.h"

namespace kc::join {

using nlohmann::json;

namespace {

constexpr std::string_view kKcWorkerPath = "/opt/bin/kc-worker";
constexpr std::string_view kKcWorkerUnit = "kc-worker.service";

// A URL safe to put between single quotes in a shell script and in Ignition.
bool is_plain_url(std::string_view url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return false;
  for (const char c : url) {
    if (c <= ' ' || c > '~' || c == '\'' || c == '"' || c == '\\' || c == '`') return false;
  }
  return true;
}

Status check_inputs(const JoinFile& join, const WorkerBinary& kc_worker) {
  KC_TRY(validate(join, "the join data"));
  if (!is_plain_url(kc_worker.url)) {
    return Error{"make worker user data", kc_worker.url,
                 "the kc-worker URL must be http:// or https:// without spaces or quotes", ""};
  }
  const bool lower_hex =
      kc_worker.sha256.size() == 64 &&
      kc_worker.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!lower_hex) {
    return Error{"make worker user data", kc_worker.url,
                 "the kc-worker digest is not 64 lower-case hex digits", ""};
  }
  return {};
}

// The words of KC_WORKER_ARGS: safe unquoted in a shell script and in a systemd
// EnvironmentFile, which both split the value on spaces.
bool is_plain_word(std::string_view word) {
  return !word.empty() && word.find_first_not_of(
                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "0123456789_./:=,@%+-") == std::string_view::npos;
}

std::string worker_env(const std::string& worker_args) {
  return "# Written by the kc worker user data: flags of every kc-worker join "
         "(kc-worker.service).\n"
         "KC_WORKER_ARGS=" +
         worker_args + "\n";
}

std::string ignition(const JoinFile& join, const WorkerBinary& kc_worker,
                     const std::string& worker_args) {
  const auto unit = embedded_unit(kKcWorkerUnit);
  if (!unit) std::abort();  // built in: a missing one is a build error
  json files = json::array();
  files.push_back(
      {{"path", kKcWorkerPath},
       {"mode", 0755},
       {"overwrite", true},
       {"contents",
        {{"source", kc_worker.url}, {"verification", {{"hash", "sha256-" + kc_worker.sha256}}}}}});
  files.push_back({{"path", kJoinFilePath},
                   {"mode", kJoinFileMode},
                   {"overwrite", true},
                   {"contents", {{"source", "data:;base64," + base64_encode(to_json(join))}}}});
  if (!worker_args.empty()) {
    files.push_back(
        {{"path", kWorkerEnvPath},
         {"mode", 0644},
         {"overwrite", true},
         {"contents", {{"source", "data:;base64," + base64_encode(worker_env(worker_args))}}}});
  }
  json config = {
      {"ignition", {{"version", "3.5.0"}}},
      {"storage", {{"files", files}}},
      {"systemd",
       {{"units",
         json::array(
             {{{"name", kKcWorkerUnit}, {"enabled", true}, {"contents", std::string(*unit)}},
              // Runs before containerd first starts, so its data are on the instance store
              // from the start (kc-worker.service needs containerd running).
              {{"name", "kc-storage.service"},
               {"enabled", true},
               {"contents", storage::storage_service_unit({})}}})}}},
  };
  return config.dump() + "\n";
}

std::string shell(const JoinFile& join, const WorkerBinary& kc_worker,
                  const std::string& worker_args) {
  // KC_ROOT is for tests only: install under a scratch directory and stop before joining.
  const std::string env = worker_args.empty()
                              ? ""
                              : fmt::format(
                                    "cat >\"$root{0}\" <<'KC_WORKER_ENV'\n{1}KC_WORKER_ENV\n"
                                    "chmod 0644 \"$root{0}\"\n",
                                    kWorkerEnvPath, worker_env(worker_args));
  return fmt::format(R"(#!/bin/bash
# kc worker user data: install kc-worker (SHA-256 pinned) and the join file, then join.
# (KC_ROOT=DIR, for tests: write under DIR and stop before joining.)
set -euo pipefail
root=${{KC_ROOT:-}}
url='{url}'
sha256='{sha256}'
mkdir -p "$root/opt/bin" "$root/etc/kc"
tmp=$(mktemp "$root/opt/bin/.kc-worker.XXXXXX")
trap 'rm -f "$tmp"' EXIT
curl -fsSL --retry 30 --retry-all-errors --retry-delay 5 --connect-timeout 10 -o "$tmp" "$url"
if ! echo "$sha256  $tmp" | sha256sum -c --status; then
  echo "kc: kc-worker from $url does not have SHA-256 $sha256" >&2
  exit 1
fi
chmod 0755 "$tmp"
mv -f "$tmp" "$root/opt/bin/kc-worker"
umask 077
cat >"$root/etc/kc/.join.json.tmp" <<'KC_JOIN_FILE'
{join}KC_JOIN_FILE
chmod 0600 "$root/etc/kc/.join.json.tmp"
mv -f "$root/etc/kc/.join.json.tmp" "$root/etc/kc/join.json"
{env}[ -z "$root" ] || exit 0
# containerd's and kubelet's data go on the instance store before containerd writes any.
containerd=$(systemctl is-active containerd.service || true)
[ "$containerd" != active ] || systemctl stop containerd.service
/opt/bin/kc-worker storage || echo "kc: kc-worker storage failed; kc-worker join tries again" >&2
[ "$containerd" != active ] || systemctl start containerd.service
exec /opt/bin/kc-worker join{args}
)",
                     fmt::arg("url", kc_worker.url), fmt::arg("sha256", kc_worker.sha256),
                     fmt::arg("join", to_json(join)), fmt::arg("env", env),
                     fmt::arg("args", worker_args.empty() ? "" : " " + worker_args));
}

}  // namespace

Result<UserDataFormat> parse_user_data_format(std::string_view name) {
  if (name == "ignition") return UserDataFormat::ignition;
  if (name == "shell") return UserDataFormat::shell;
  return Error{"--format", std::string(name), "expected ignition or shell", ""};
}

std::string_view format_name(UserDataFormat format) {
  return format == UserDataFormat::ignition ? "ignition" : "shell";
}

Result<std::string> normalize_worker_args(std::string_view worker_args) {
  std::string out;
  size_t at = 0;
  while (at < worker_args.size()) {
    const size_t start = worker_args.find_first_not_of(" \t", at);
    if (start == std::string_view::npos) break;
    size_t end = worker_args.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = worker_args.size();
    const std::string word(worker_args.substr(start, end - start));
    at = end;
    if (!is_plain_word(word)) {
      return Error{"make worker user data", "--worker-args",
                   "'" + word + "' has a character other than letters, digits and _./:=,@%+-",
                   "give kc-worker join flags separated by spaces, e.g. --mirror "
                   "https://mirror.example.com"};
    }
    for (const char* joined : {"--token", "--discovery-token-ca-cert-hash", "--api-server"}) {
      if (word == joined || word.rfind(std::string(joined) + "=", 0) == 0) {
        return Error{"make worker user data", "--worker-args",
                     std::string(joined) + " belongs in the join file, which the user data writes",
                     "leave it out of --worker-args"};
      }
    }
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

Result<std::string> make_user_data(UserDataFormat format, const JoinFile& join,
                                   const WorkerBinary& kc_worker, std::string_view worker_args) {
  KC_TRY(check_inputs(join, kc_worker));
  auto args = normalize_worker_args(worker_args);
  if (!args) return std::move(args).error();
  std::string data = format == UserDataFormat::ignition ? ignition(join, kc_worker, *args)
                                                        : shell(join, kc_worker, *args);
  if (data.size() > kUserDataLimit) {
    return Error{"make worker user data", std::string(format_name(format)),
                 fmt::format("{} bytes, over EC2's limit of {} bytes", data.size(), kUserDataLimit),
                 "shorten the kc-worker URL"};
  }
  return data;
}

}  // namespace kc::join
