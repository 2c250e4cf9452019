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

std::string ignition(const JoinFile& join, const WorkerBinary& kc_worker) {
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

std::string shell(const JoinFile& join, const WorkerBinary& kc_worker) {
  // KC_ROOT is for tests only: install under a scratch directory and stop before joining.
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
[ -z "$root" ] || exit 0
# containerd's and kubelet's data go on the instance store before containerd writes any.
containerd=$(systemctl is-active containerd.service || true)
[ "$containerd" != active ] || systemctl stop containerd.service
/opt/bin/kc-worker storage || echo "kc: kc-worker storage failed; kc-worker join tries again" >&2
[ "$containerd" != active ] || systemctl start containerd.service
exec /opt/bin/kc-worker join
)",
                     fmt::arg("url", kc_worker.url), fmt::arg("sha256", kc_worker.sha256),
                     fmt::arg("join", to_json(join)));
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

Result<std::string> make_user_data(UserDataFormat format, const JoinFile& join,
                                   const WorkerBinary& kc_worker) {
  KC_TRY(check_inputs(join, kc_worker));
  std::string data =
      format == UserDataFormat::ignition ? ignition(join, kc_worker) : shell(join, kc_worker);
  if (data.size() > kUserDataLimit) {
    return Error{"make worker user data", std::string(format_name(format)),
                 fmt::format("{} bytes, over EC2's limit of {} bytes", data.size(), kUserDataLimit),
                 "shorten the kc-worker URL"};
  }
  return data;
}

}  // namespace kc::join
