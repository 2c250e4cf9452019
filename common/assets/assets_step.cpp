#include "common/assets/assets_step.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "common/assets/asset_state.h"
#include "common/assets/catalog.h"
#include "common/assets/progress.h"
#include "common/assets/tar_extract.h"
#include "common/core/fd.h"
#include "common/core/platform.h"
#include "common/core/sha256.h"
#include "common/core/version.h"
#include "common/net/downloader.h"

namespace kc {
namespace {

namespace fs = std::filesystem;
constexpr mode_t kMode = 0755;

Result<Catalog> load_catalog(const AssetOptions& options) {
  if (options.catalog_file.empty()) return builtin_catalog();
  std::ifstream in(options.catalog_file, std::ios::binary);
  if (!in) {
    return Error{"read catalog", options.catalog_file, "cannot open the file", ""};
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_catalog(text.str(), options.catalog_file);
}

std::string host_join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  return out + std::string(name);
}

// Removes temporary files a killed kc left in a destination directory (we hold the lock).
void remove_stale_temporaries(const fs::path& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() > 1 && name[0] == '.' && name.find(".kc-tmp-") != std::string_view::npos) {
      spdlog::debug("removing {} left by an interrupted run", (dir / name).string());
      ::unlinkat(::dirfd(d), e->d_name, 0);
    }
  }
  ::closedir(d);
}

// True if every recorded file is still what was installed. Files whose stat changed are hashed;
// a match refreshes the record (dirty = true).
bool still_installed(const Host& host, InstalledArtifact& record, bool verify_all, bool& dirty) {
  for (auto& f : record.files) {
    const fs::path p = host.path(f.path);
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return false;
    if (!verify_all && stat_matches(f, st)) continue;
    if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != kMode) return false;
    auto digest = sha256_file(p);
    if (!digest || *digest != f.sha256) {
      spdlog::warn("{} was changed since kc installed it; reinstalling it", f.path);
      return false;
    }
    record_stat(f, st);
    dirty = true;
  }
  return !record.files.empty();
}

// A binary already at its final path with the expected digest (a run killed after the rename
// and before the state was written) is recorded instead of downloaded again.
std::optional<InstalledArtifact> adopt_binary(const Host& host, const Artifact& a,
                                              const std::string& expected) {
  const std::string host_path = host_join(a.destination, a.name);
  const fs::path p = host.path(host_path);
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != kMode) {
    return std::nullopt;
  }
  auto digest = sha256_file(p);
  if (!digest || *digest != expected) return std::nullopt;
  InstalledFile file{host_path, *digest, 0, 0, 0, 0};
  record_stat(file, st);
  return InstalledArtifact{a.url, expected, {file}};
}

Result<InstalledArtifact> install_binary(const Host& host, const Artifact& a,
                                         const DownloadedFile& download) {
  const std::string host_path = host_join(a.destination, a.name);
  const fs::path final_path = host.path(host_path);
  const auto fail = [&](const std::string& step) {
    Error e = errno_error(step, download.temp_path.string());
    e.what = "install " + a.name + ": " + e.what;
    e.hint = "nothing was installed for " + a.name;
    return e;
  };
  UniqueFd fd(::open(download.temp_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd) return fail("open");
  if (::fchmod(fd.get(), kMode) != 0) return fail("chmod");
  if (::fsync(fd.get()) != 0) return fail("fsync");
  if (::rename(download.temp_path.c_str(), final_path.c_str()) != 0)
    return fail("rename into place");
  KC_TRY(fsync_dir(final_path.parent_path()));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail("stat");
  InstalledFile file{host_path, download.sha256, 0, 0, 0, 0};
  record_stat(file, st);
  return InstalledArtifact{a.url, download.sha256, {file}};
}

Result<InstalledArtifact> install_tarball(const Host& host, const Artifact& a,
                                          const DownloadedFile& download) {
  auto staged = stage_tarball(download.temp_path, host.path(a.destination), kMode, a.name);
  if (!staged) return std::move(staged).error();
  KC_TRY(staged->commit());
  InstalledArtifact record{a.url, download.sha256, {}};
  for (const auto& f : staged->files()) {
    if (f.symlink) continue;
    struct stat st {};
    if (::lstat(f.final_path.c_str(), &st) != 0) return errno_error("stat", f.final_path);
    InstalledFile file{host_join(a.destination, f.rel_path), f.sha256, 0, 0, 0, 0};
    record_stat(file, st);
    record.files.push_back(std::move(file));
  }
  return record;
}

std::string names(const std::vector<const Artifact*>& list) {
  std::string out;
  for (const Artifact* a : list) out += (out.empty() ? "" : ", ") + a->name + " " + a->version;
  return out;
}

}  // namespace

AssetOptions default_asset_options() {
  AssetOptions o;
  o.kubernetes_version = kDefaultKubernetesVersion;
  o.arch = host_arch().value_or("amd64");
  return o;
}

std::string AssetsStep::describe() const {
  return fmt::format(
      "install kubeadm, kubelet and kubectl {} ({}), crictl and the CNI plugins to "
      "{} and {}, verified against SHA-256 digests",
      options_.kubernetes_version, options_.arch, paths::opt_bin, paths::cni_bin);
}

Result<Outcome> AssetsStep::run(const StepContext& context) {
  const Host& host = context.host;
  const auto started = std::chrono::steady_clock::now();
  auto catalog = load_catalog(options_);
  if (!catalog) return std::move(catalog).error();
  auto artifacts = resolve(*catalog, {options_.kubernetes_version, options_.arch, options_.mirror,
                                      options_.allow_unpinned});
  if (!artifacts) return std::move(artifacts).error();

  DownloadOptions download;
  if (!options_.ca_file.empty()) download.tls.ca_file = options_.ca_file;
  download.max_connections = options_.max_connections;
  download.retries = options_.retries;
  download.stall_seconds = options_.stall_timeout;

  AssetState state;
  auto state_text = host.read_file(kAssetStatePath);
  if (!state_text) return std::move(state_text).error();
  if (*state_text) {
    auto parsed = parse_asset_state(**state_text);
    if (parsed) {
      state = std::move(*parsed);
    } else {
      spdlog::warn("{}", parsed.error().message());
    }
  }

  std::map<std::string, std::string> expected;  // name -> digest
  std::vector<const Artifact*> to_install, in_place;
  bool dirty = false;
  for (auto& a : *artifacts) {
    if (a.sha256) {
      expected[a.name] = *a.sha256;
    } else if (context.dry_run) {
      to_install.push_back(&a);
      continue;
    } else {
      const std::string digest_url = a.url + ".sha256";
      spdlog::warn(
          "{} {} ({}) has no pinned digest; verifying it against {}, which comes from "
          "the same server and is a weaker check",
          a.name, a.version, a.arch, digest_url);
      auto text = fetch_text(digest_url, download);
      if (!text) {
        Error e = std::move(text).error();
        e.what = "fetch the published digest of " + a.name;
        e.hint = "nothing was installed for " + a.name;
        return e;
      }
      auto digest = parse_sha256_file(*text, digest_url);
      if (!digest) return std::move(digest).error();
      expected[a.name] = *digest;
    }
    auto record = state.artifacts.find(a.name);
    if (record != state.artifacts.end() && record->second.sha256 == expected[a.name] &&
        still_installed(host, record->second, options_.verify_installed, dirty)) {
      in_place.push_back(&a);
      continue;
    }
    if (a.kind == ArtifactKind::binary) {
      if (auto adopted = adopt_binary(host, a, expected[a.name])) {
        state.artifacts[a.name] = std::move(*adopted);
        dirty = true;
        in_place.push_back(&a);
        continue;
      }
    }
    to_install.push_back(&a);
  }

  if (context.dry_run) {
    if (to_install.empty()) {
      return Outcome{false, fmt::format("up to date: {} in place", names(in_place))};
    }
    std::string summary = fmt::format("would download, verify and install for Kubernetes {} ({}):",
                                      options_.kubernetes_version, options_.arch);
    for (const Artifact* a : to_install) {
      summary += fmt::format("\n    {} {} ({}, {}) from {} to {}", a->name, a->version, a->arch,
                             to_string(a->kind), a->url, a->destination);
      summary += a->sha256 ? "" : " (verified against the upstream .sha256, a weaker check)";
    }
    if (!in_place.empty()) summary += "\n    already in place: " + names(in_place);
    return Outcome{true, summary};
  }

  std::set<std::string> dirs;
  for (const auto& a : *artifacts) dirs.insert(a.destination);
  for (const auto& d : dirs) {
    KC_TRY(host.make_dirs(d));
    remove_stale_temporaries(host.path(d));
  }
  auto save_state = [&]() -> Status {
    return host.write_file(kAssetStatePath, to_json(state), 0644);
  };
  if (to_install.empty()) {
    if (dirty) KC_TRY(save_state());
    return Outcome{false, fmt::format("up to date: {} in place", names(in_place))};
  }

  std::vector<DownloadRequest> requests;
  for (const Artifact* a : to_install) {
    const bool binary = a->kind == ArtifactKind::binary;
    requests.push_back(DownloadRequest{a->name, a->url, expected[a->name],
                                       host.path(a->destination), binary, !binary});
  }
  std::mutex mutex;  // guards what follows; files are installed from the downloader's threads
  std::vector<Error> errors;
  uint64_t bytes = 0;
  int connections = 0;
  std::vector<const Artifact*> installed;
  // Each file is installed as soon as it is verified, while the others still download.
  download.on_done = [&](size_t i, const Result<DownloadedFile>& result) {
    const Artifact& a = *to_install[i];
    if (!result) {
      std::lock_guard<std::mutex> hold(mutex);
      errors.push_back(result.error());
      return;
    }
    const DownloadedFile& file = *result;
    TempFileGuard guard(file.temp_path.string());
    auto record = a.kind == ArtifactKind::binary ? install_binary(host, a, file)
                                                 : install_tarball(host, a, file);
    std::lock_guard<std::mutex> hold(mutex);
    bytes += file.bytes;
    connections += file.connections;
    if (!record) {
      errors.push_back(record.error());
      return;
    }
    state.artifacts[a.name] = std::move(*record);
    if (auto saved = save_state(); !saved) errors.push_back(saved.error());
    installed.push_back(&a);
  };
  download.progress = make_progress_display(::isatty(STDERR_FILENO) == 1);
  spdlog::info("downloading {}", names(to_install));
  download_all(requests, download);
  if (dirty) {
    if (auto saved = save_state(); !saved) errors.push_back(saved.error());
  }
  // Artifacts point into one vector, in catalog order.
  std::sort(installed.begin(), installed.end());

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!errors.empty()) {
    for (const auto& e : errors) spdlog::error("{}", e.message());
    std::string failed;
    for (const auto& e : errors) failed += (failed.empty() ? "" : "; ") + e.message();
    return Error{"install assets", "", failed,
                 installed.empty() ? "" : "installed: " + names(installed)};
  }
  std::string summary = fmt::format("installed {} ({} in {:.1f} s, {} transfer(s))",
                                    names(installed), format_bytes(bytes), seconds, connections);
  if (!in_place.empty()) summary += "; already in place: " + names(in_place);
  return Outcome{true, summary};
}

}  // namespace kc
