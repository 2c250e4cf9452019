#include "common/assets/assets_step.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "common/assets/asset_prefetch.h"
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

}  // namespace

// Downloads in flight, each into a file staged beside its final path: a binary is committed
// there, a tarball's staged download is read back by the extractor and then discarded. Each file
// is installed as soon as it is verified (after release, when started ahead by prefetch()).
struct AssetsStep::Downloads {
  using Clock = std::chrono::steady_clock;
  Downloads(const StepContext& c, Observed& s) : context(c), seen(s) {}
  Downloads(const Downloads&) = delete;
  Downloads& operator=(const Downloads&) = delete;
  // Cancels what is still running, removes the staged files and the directories made for them
  // (none once apply() took the downloads).
  ~Downloads();

  StepContext context;  // the phase's, for the progress lines
  Observed& seen;
  std::vector<StagedFile> staged;
  std::vector<Follower> following;  // per staged file; stopped before its file goes
  std::vector<DownloadRequest> requests;
  DownloadOptions options;
  std::vector<std::string> made_dirs;  // made for the staged files, deepest last
  Prefetch prefetch;                   // started: downloading ahead of the step

  std::mutex mutex;  // guards what follows; files are installed from the downloader's threads
  std::vector<Error> errors;
  uint64_t bytes = 0;
  int connections = 0;
  std::vector<const Artifact*> installed;
  Clock::time_point last_verified{};
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
  if (prefetched_) {
    Findings findings = std::move(*prefetched_);
    prefetched_.reset();
    return findings;
  }
  // A second look: what was downloaded ahead may no longer be what is missing.
  cancel_prefetch();
  return observe(context);
}

Result<Findings> AssetsStep::observe(const StepContext& context) {
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

AssetsStep::Downloads::~Downloads() {
  prefetch.cancel();
  for (auto& f : following) f.stop();  // removes what an extraction staged
  following.clear();
  staged.clear();
  for (auto dir = made_dirs.rbegin(); dir != made_dirs.rend(); ++dir) {
    (void)context.host.remove_dir(*dir);  // only while empty: nothing of ours is left in it
  }
}

// Stages every missing artifact and sets up its request; with `ahead`, verified files wait for
// the step's turn (Downloads::prefetch) before they are installed.
Result<std::unique_ptr<AssetsStep::Downloads>> AssetsStep::stage_downloads(
    const StepContext& context, bool ahead) {
  auto d = std::make_unique<Downloads>(context, *observed_);
  const Observed& seen = *observed_;
  const Host& host = context.host;
  std::set<std::string> dirs;
  for (const auto& a : seen.artifacts) dirs.insert(a.destination);
  for (const auto& dir : dirs) {
    std::string prefix;
    for (const auto& part : std::filesystem::path(dir).relative_path()) {
      prefix += "/" + part.string();
      auto st = host.lstat(prefix);
      if (!st) return std::move(st).error();
      if (!*st &&
          std::find(d->made_dirs.begin(), d->made_dirs.end(), prefix) == d->made_dirs.end()) {
        d->made_dirs.push_back(prefix);
      }
    }
    KC_TRY(host.make_dirs(dir));
  }

  const std::vector<const Artifact*>& to_install = seen.to_install;
  d->staged.resize(to_install.size());
  d->following.resize(to_install.size());
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
    d->staged[i] = std::move(*file);
    const bool binary = a.kind == ArtifactKind::binary;
    d->requests.push_back(
        DownloadRequest{.label = a.name,
                        .url = a.url,
                        .sha256 = seen.expected.at(a.name),  // observe() set every one
                        .fd = d->staged[i].fd(),
                        .destination = host_path,
                        .finish_early = !binary});
    if (a.max_size) d->requests.back().max_bytes = *a.max_size;
    d->requests.back().size = a.size;
    d->following[i] = follow(host, a, d->staged[i], d->requests.back());
  }
  d->options = download_options(options_);
  if (ahead) d->options.cancel = &d->prefetch.cancelled();
  Downloads* downloads = d.get();
  const auto save_state = [downloads]() -> Status {
    return downloads->context.host.replace_atomically(kAssetStatePath,
                                                      to_json(downloads->seen.state), 0644);
  };
  // Each file is installed as soon as it is verified, while the others still download.
  d->options.on_done = [downloads, ahead, save_state](size_t i,
                                                      const Result<DownloadedFile>& result) {
    Downloads& d = *downloads;
    const Host& host = d.context.host;
    const Artifact& a = *d.seen.to_install[i];
    {
      std::lock_guard<std::mutex> hold(d.mutex);
      d.last_verified = std::max(d.last_verified, Downloads::Clock::now());
    }
    if (!result) {
      d.following[i].stop();
      d.staged[i].discard();
      std::lock_guard<std::mutex> hold(d.mutex);
      d.errors.push_back(result.error());
      return;
    }
    if (ahead && !d.prefetch.wait_for_release()) {
      d.following[i].stop();
      d.staged[i].discard();  // cancelled: an earlier phase failed
      return;
    }
    const DownloadedFile& file = *result;
    auto record = a.kind == ArtifactKind::binary
                      ? install_binary(a, d.staged[i], *d.following[i].flush, file)
                      : install_tarball(host, a, *d.following[i].extraction, file);
    d.following[i].stop();
    d.staged[i].discard();
    std::lock_guard<std::mutex> hold(d.mutex);
    d.bytes += file.bytes;
    d.connections += file.connections;
    if (!record) {
      d.errors.push_back(record.error());
      return;
    }
    d.seen.state.artifacts[a.name] = std::move(*record);
    if (auto saved = save_state(); !saved) d.errors.push_back(saved.error());
    d.installed.push_back(&a);
  };
  if (options_.progress) {
    // Ahead of the step, other phases print meanwhile: progress lines, not a live display.
    const bool live = !ahead && ::isatty(STDERR_FILENO) == 1;
    d->options.progress = make_progress_display(
        live, [downloads](const std::string& line) { downloads->context.info(line); });
  }
  return d;
}

void AssetsStep::prefetch(const StepContext& context) {
  cancel_prefetch();
  auto findings = observe(context);
  if (!findings) return;  // check() observes again and reports it in its phase
  if (!observed_->to_install.empty()) {
    auto downloads = stage_downloads(context, true);
    if (!downloads) return;  // check() observes again, apply() reports it
    downloads_ = std::move(*downloads);
    Downloads* d = downloads_.get();
    context.info("downloading " + names(observed_->to_install) +
                 " while the phases before the assets phase run");
    d->prefetch.start([d] { download_all(d->requests, d->options); });
  }
  prefetched_ = std::move(*findings);
}

void AssetsStep::cancel_prefetch() {
  downloads_.reset();
  prefetched_.reset();
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

  const bool ahead = downloads_ && downloads_->prefetch.started();
  if (!ahead) {
    auto staged = stage_downloads(context, false);
    if (!staged) return std::move(staged).error();
    downloads_ = std::move(*staged);
    context.info("downloading " + names(seen.to_install));
  }
  std::unique_ptr<Downloads> taken = std::move(downloads_);
  Downloads& d = *taken;
  d.made_dirs.clear();  // the directories stay: they hold what is installed
  if (ahead) {
    d.prefetch.release_and_join();
  } else {
    download_all(d.requests, d.options);
  }
  std::vector<Error>& errors = d.errors;
  std::vector<const Artifact*>& installed = d.installed;
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
  std::string detail;
  if (ahead) {
    // Downloaded from the run's start; this phase waited only for what was still missing.
    const double downloading =
        std::chrono::duration<double>(d.last_verified - d.prefetch.started_at()).count();
    const double waited =
        std::chrono::duration<double>(std::max(d.last_verified, started) - started).count();
    detail = fmt::format("({} in {:.1f} s, {} transfer(s), started with the run; waited {:.1f} s)",
                         format_bytes(d.bytes), downloading, d.connections, waited);
  } else {
    detail = fmt::format("({} in {:.1f} s, {} transfer(s))", format_bytes(d.bytes), seconds,
                         d.connections);
  }
  if (!seen.in_place.empty()) detail += "; already in place: " + names(seen.in_place);
  *install = Change{Verb::install, names(installed), detail, kInstall};
  return {};
}

}  // namespace kc
