#include "common/assets/assets_step.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "common/assets/asset_state.h"
#include "common/assets/catalog.h"
#include "common/assets/early_flush.h"
#include "common/assets/progress.h"
#include "common/assets/tar_extract.h"
#include "common/assets/tar_extract_follow.h"
#include "common/core/platform.h"
#include "common/core/version.h"
#include "common/net/downloader.h"

namespace kc {

// What check() observed, kept for apply(): the same plan, not a second look.
struct AssetsStep::Observed {
  std::vector<Artifact> artifacts;              // in catalog order
  std::map<std::string, std::string> expected;  // name -> digest
  AssetState state;
  std::vector<const Artifact*> to_install, in_place;
  std::vector<std::string> refreshed;  // records brought up to date (re-verified, adopted)
};

namespace {

constexpr mode_t kMode = 0755;

// Change::item: what a change is about.
enum Item : std::size_t { kLeftover, kInstall, kRecord };

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

DownloadOptions download_options(const AssetOptions& options) {
  DownloadOptions download;
  if (!options.ca_file.empty()) download.tls.ca_file = options.ca_file;
  download.max_connections = options.max_connections;
  download.retries = options.retries;
  download.stall_seconds = options.stall_timeout;
  return download;
}

// True if every recorded file is still what was installed. Files whose stat changed are hashed;
// a match refreshes the record (refreshed = true).
Result<bool> still_installed(const StepContext& context, InstalledArtifact& record, bool verify_all,
                             bool& refreshed) {
  const Host& host = context.host;
  for (auto& f : record.files) {
    auto st = host.lstat(f.path);
    if (!st) return std::move(st).error();
    if (!*st) return false;
    if (!verify_all && stat_matches(f, **st)) continue;
    if (!S_ISREG((*st)->st_mode) || ((*st)->st_mode & 07777) != kMode) return false;
    auto digest = host.sha256(f.path);
    if (!digest) return std::move(digest).error();
    if (!*digest || **digest != f.sha256) {
      context.warn(f.path + " was changed since kc installed it");
      return false;
    }
    InstalledFile before = f;
    record_stat(f, **st);
    if (before.inode != f.inode || before.size != f.size || before.mtime_ns != f.mtime_ns ||
        before.ctime_ns != f.ctime_ns) {
      refreshed = true;
    }
  }
  return !record.files.empty();
}

// A binary already at its final path with the expected digest (a run killed after the rename
// and before the state was written) is recorded instead of downloaded again.
Result<std::optional<InstalledArtifact>> adopt_binary(const Host& host, const Artifact& a,
                                                      const std::string& expected) {
  const std::string host_path = host_join(a.destination, a.name);
  auto st = host.lstat(host_path);
  if (!st) return std::move(st).error();
  if (!*st || !S_ISREG((*st)->st_mode) || ((*st)->st_mode & 07777) != kMode) {
    return std::optional<InstalledArtifact>();
  }
  auto digest = host.sha256(host_path);
  if (!digest) return std::move(digest).error();
  if (!*digest || **digest != expected) return std::optional<InstalledArtifact>();
  InstalledFile file{host_path, **digest, 0, 0, 0, 0};
  record_stat(file, **st);
  return std::optional<InstalledArtifact>(InstalledArtifact{a.url, expected, {file}});
}

Error install_error(Error e, const Artifact& a) {
  e.context("install " + a.name);
  e.hint = "nothing was installed for " + a.name;
  return e;
}

// What runs beside one artifact's download, fed its written prefix (DownloadRequest::on_prefix):
// a tarball's extraction (into the staging area only), or a binary's early flush to disk.
struct Follower {
  std::unique_ptr<FollowingExtraction> extraction;
  std::unique_ptr<EarlyFlush> flush;
  // The download failed or is installed: nothing is read or flushed any more.
  void stop() {
    if (extraction) extraction->abandon();  // removes what it staged
    if (flush) (void)flush->wait();
  }
};

Follower follow(const Host& host, const Artifact& a, const StagedFile& download_file,
                DownloadRequest& request) {
  Follower f;
  if (a.kind == ArtifactKind::binary) {
    f.flush = std::make_unique<EarlyFlush>(download_file.fd(), request.destination);
    request.on_prefix = [flush = f.flush.get()](uint64_t, bool whole) {
      if (whole) {
        flush->start();
      } else {
        flush->wrote();
      }
    };
  } else {
    f.extraction = std::make_unique<FollowingExtraction>(host, download_file.fd(), a.destination,
                                                         a.name, a.url);
    request.on_prefix = [extraction = f.extraction.get()](uint64_t prefix, bool) {
      extraction->grew(prefix);
    };
  }
  return f;
}

Result<InstalledArtifact> install_binary(const Artifact& a, StagedFile& staged, EarlyFlush& flush,
                                         const DownloadedFile& download) {
  if (auto flushed = flush.wait(); !flushed) return install_error(std::move(flushed).error(), a);
  if (auto committed = staged.commit(kMode); !committed) {
    return install_error(std::move(committed).error(), a);
  }
  auto st = staged.stat();
  if (!st) return std::move(st).error();
  InstalledFile file{staged.host_path(), download.sha256, 0, 0, 0, 0};
  record_stat(file, *st);
  return InstalledArtifact{a.url, download.sha256, {file}};
}

// The download is verified: the extraction that followed it is put in place.
Result<InstalledArtifact> install_tarball(const Host& host, const Artifact& a,
                                          FollowingExtraction& following,
                                          const DownloadedFile& download) {
  auto staged = following.finish(download.bytes);
  if (!staged) return std::move(staged).error();
  KC_TRY(staged->commit(kMode));
  InstalledArtifact record{a.url, download.sha256, {}};
  for (const auto& e : staged->entries()) {
    if (e.symlink) continue;
    auto st = host.lstat(e.host_path);
    if (!st) return std::move(st).error();
    if (!*st) return Error{"stat", host.path(e.host_path).string(), "missing after install", ""};
    InstalledFile file{e.host_path, e.sha256, 0, 0, 0, 0};
    record_stat(file, **st);
    record.files.push_back(std::move(file));
  }
  return record;
}

std::string names(const std::vector<const Artifact*>& list) {
  std::string out;
  for (const Artifact* a : list) out += (out.empty() ? "" : ", ") + a->name + " " + a->version;
  return out;
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

AssetOptions default_asset_options() {
  AssetOptions o;
  o.kubernetes_version = kDefaultKubernetesVersion;
  o.arch = host_arch().value_or("amd64");
  return o;
}

AssetsStep::AssetsStep(AssetOptions options) : options_(std::move(options)) {}
AssetsStep::~AssetsStep() = default;

std::string AssetsStep::describe() const {
  const bool kubectl = std::find(options_.exclude.begin(), options_.exclude.end(), "kubectl") ==
                       options_.exclude.end();
  return fmt::format(
      "install kubeadm, kubelet{} {} ({}), crictl and the CNI plugins to "
      "{} and {}, verified against SHA-256 digests",
      kubectl ? " and kubectl" : "", options_.kubernetes_version, options_.arch, paths::opt_bin,
      paths::cni_bin);
}

Result<Findings> AssetsStep::check(const StepContext& context) {
  const Host& host = context.host;
  auto seen = std::make_unique<Observed>();
  auto catalog = load_catalog(options_);
  if (!catalog) return std::move(catalog).error();
  auto artifacts = resolve(*catalog, {options_.kubernetes_version, options_.arch, options_.mirror,
                                      options_.allow_unpinned});
  if (!artifacts) return std::move(artifacts).error();
  std::erase_if(*artifacts, [&](const Artifact& a) {
    return std::find(options_.exclude.begin(), options_.exclude.end(), a.name) !=
           options_.exclude.end();
  });
  seen->artifacts = std::move(*artifacts);
  for (const Artifact& a : seen->artifacts) {
    if (!http::is_plain_http_off_host(a.url)) continue;
    context.warn("downloading over plain http (" + a.url +
                 "): the pinned digests keep the files intact, but not private");
    break;  // once per run
  }

  auto state_text = host.read_file(kAssetStatePath);
  if (!state_text) return std::move(state_text).error();
  if (*state_text) {
    auto parsed = parse_asset_state(**state_text);
    if (parsed) {
      seen->state = std::move(*parsed);
    } else {
      context.warn(parsed.error().message());
    }
  }

  const DownloadOptions download = download_options(options_);
  for (const Artifact& a : seen->artifacts) {
    std::string& expected = seen->expected[a.name];
    if (a.sha256) {
      expected = *a.sha256;
    } else {
      const std::string digest_url = a.url + ".sha256";
      context.warn(
          fmt::format("{} {} ({}) has no pinned digest; verifying it against {}, which comes "
                      "from the same server and is a weaker check",
                      a.name, a.version, a.arch, digest_url));
      auto text = fetch_text(digest_url, download);
      if (!text) {
        Error e = std::move(text).error();
        e.context("fetch the published digest of " + a.name);
        e.hint = "nothing was installed for " + a.name;
        return e;
      }
      auto digest = parse_sha256_file(*text, digest_url);
      if (!digest) return std::move(digest).error();
      expected = *digest;
    }
    auto record = seen->state.artifacts.find(a.name);
    if (record != seen->state.artifacts.end() && record->second.sha256 == expected) {
      bool refreshed = false;
      auto intact = still_installed(context, record->second, options_.verify_installed, refreshed);
      if (!intact) return std::move(intact).error();
      if (*intact) {
        if (refreshed) seen->refreshed.push_back(a.name + " " + a.version);
        seen->in_place.push_back(&a);
        continue;
      }
    }
    if (a.kind == ArtifactKind::binary) {
      auto adopted = adopt_binary(host, a, expected);
      if (!adopted) return std::move(adopted).error();
      if (*adopted) {
        seen->state.artifacts[a.name] = std::move(**adopted);
        seen->refreshed.push_back(a.name + " " + a.version);
        seen->in_place.push_back(&a);
        continue;
      }
    }
    seen->to_install.push_back(&a);
  }

  Findings findings{{}, names(seen->in_place)};
  std::set<std::string> dirs;
  for (const auto& a : seen->artifacts) dirs.insert(a.destination);
  for (const auto& d : dirs) {
    auto left = host.leftovers(d);
    if (!left) return std::move(left).error();
    for (const auto& f : *left) {
      findings.changes.push_back({Verb::remove, f, "(left by an interrupted run)", kLeftover});
    }
  }
  if (!seen->to_install.empty()) {
    std::string what = fmt::format("download, verify and install for Kubernetes {} ({}):",
                                   options_.kubernetes_version, options_.arch);
    for (const Artifact* a : seen->to_install) {
      what += fmt::format("\n    {} {} ({}, {}) from {} to {}", a->name, a->version, a->arch,
                          to_string(a->kind), a->url, a->destination);
      what += a->sha256 ? "" : " (verified against the upstream .sha256, a weaker check)";
    }
    if (!seen->in_place.empty()) what += "\n    already in place: " + names(seen->in_place);
    findings.changes.push_back({Verb::perform, what, "", kInstall});
  } else if (!seen->refreshed.empty()) {
    findings.changes.push_back({Verb::write, std::string(kAssetStatePath),
                                "(recorded " + join(seen->refreshed) + ", found in place)",
                                kRecord});
  }
  observed_ = std::move(seen);
  return findings;
}

Status AssetsStep::apply(const StepContext& context, std::vector<Change>& changes) {
  if (!observed_) return Error{"install assets", "", "apply() without check()", ""};
  Observed& seen = *observed_;
  const Host& host = context.host;
  const auto started = std::chrono::steady_clock::now();
  auto save_state = [&]() -> Status {
    return host.replace_atomically(kAssetStatePath, to_json(seen.state), 0644);
  };
  Change* install = nullptr;
  for (Change& change : changes) {
    if (change.item == kLeftover) KC_TRY(host.remove(change.object));
    if (change.item == kRecord) KC_TRY(save_state());
    if (change.item == kInstall) install = &change;
  }
  if (install == nullptr) return {};

  std::set<std::string> dirs;
  for (const auto& a : seen.artifacts) dirs.insert(a.destination);
  for (const auto& d : dirs) KC_TRY(host.make_dirs(d));

  const std::vector<const Artifact*>& to_install = seen.to_install;
  // Each download goes into a file staged beside its final path: a binary is committed there,
  // a tarball's staged download is read back by the extractor and then discarded.
  std::vector<StagedFile> staged(to_install.size());
  // Destroyed before `staged`: followers stop reading before their files go.
  std::vector<Follower> following(to_install.size());
  std::vector<DownloadRequest> requests;
  for (size_t i = 0; i < to_install.size(); ++i) {
    const Artifact& a = *to_install[i];
    const std::string host_path = host_join(a.destination, a.name);
    auto file = host.stage(host_path);
    if (!file) {
      Error e = std::move(file).error();
      e.context("download " + a.name);
      e.hint = "nothing was installed for " + a.name;
      return e;
    }
    staged[i] = std::move(*file);
    const bool binary = a.kind == ArtifactKind::binary;
    requests.push_back(DownloadRequest{a.name, a.url, seen.expected[a.name], staged[i].fd(),
                                       host_path, binary, !binary});
    if (a.max_size) requests.back().max_bytes = *a.max_size;
    following[i] = follow(host, a, staged[i], requests.back());
  }
  DownloadOptions download = download_options(options_);
  std::mutex mutex;  // guards what follows; files are installed from the downloader's threads
  std::vector<Error> errors;
  uint64_t bytes = 0;
  int connections = 0;
  std::vector<const Artifact*> installed;
  // Each file is installed as soon as it is verified, while the others still download.
  download.on_done = [&](size_t i, const Result<DownloadedFile>& result) {
    const Artifact& a = *to_install[i];
    if (!result) {
      following[i].stop();
      staged[i].discard();
      std::lock_guard<std::mutex> hold(mutex);
      errors.push_back(result.error());
      return;
    }
    const DownloadedFile& file = *result;
    auto record = a.kind == ArtifactKind::binary
                      ? install_binary(a, staged[i], *following[i].flush, file)
                      : install_tarball(host, a, *following[i].extraction, file);
    following[i].stop();
    staged[i].discard();
    std::lock_guard<std::mutex> hold(mutex);
    bytes += file.bytes;
    connections += file.connections;
    if (!record) {
      errors.push_back(record.error());
      return;
    }
    seen.state.artifacts[a.name] = std::move(*record);
    if (auto saved = save_state(); !saved) errors.push_back(saved.error());
    installed.push_back(&a);
  };
  if (options_.progress)
    download.progress = make_progress_display(
        ::isatty(STDERR_FILENO) == 1, [&context](const std::string& line) { context.info(line); });
  context.info("downloading " + names(to_install));
  download_all(requests, download);
  if (!seen.refreshed.empty() && installed.empty()) {
    if (auto saved = save_state(); !saved) errors.push_back(saved.error());
  }
  // Artifacts point into one vector, in catalog order.
  std::sort(installed.begin(), installed.end());

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!errors.empty()) {
    std::string failed;
    for (const auto& e : errors) failed += (failed.empty() ? "" : "; ") + e.message();
    return Error{"install assets", "", failed,
                 installed.empty() ? "" : "installed: " + names(installed)};
  }
  // The plan said where each artifact comes from; the report says what was installed.
  std::string detail =
      fmt::format("({} in {:.1f} s, {} transfer(s))", format_bytes(bytes), seconds, connections);
  if (!seen.in_place.empty()) detail += "; already in place: " + names(seen.in_place);
  *install = Change{Verb::install, names(installed), detail, kInstall};
  return {};
}

}  // namespace kc
