#include "common/assets/tar_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "common/core/sha256.h"

namespace kc {

namespace fs = std::filesystem;

namespace {

// As many symlinks as the kernel follows in one path lookup (MAXSYMLINKS).
constexpr int kMaxLinkHops = 40;

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view part = path.substr(pos, next - pos);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    pos = next + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string host_join(const std::string& dest, const std::string& rel) {
  return rel.empty() ? dest : join({dest, rel});
}

Error unsafe(const std::string& label, const std::string& source, const std::string& why) {
  return Error{"extract " + label, source, why, "nothing was installed for " + label};
}

// libarchive may have no message to give.
std::string archive_why(archive* ar) {
  const char* why = archive_error_string(ar);
  return why != nullptr ? why : "unknown libarchive error";
}

// What the archive makes at each member path.
enum class Kind { directory, file, symlink };

struct Model {
  std::map<std::string, Kind> kinds;
  std::map<std::string, std::string> link_targets;
};

// Checks the archive as a whole against itself and the host, before anything is put in place.
class ArchiveCheck {
 public:
  ArchiveCheck(const Host& host, const std::string& dest, const Model& model)
      : host_(host), dest_(dest), model_(model) {}

  // What the host has at a member path ("" if nothing), looked at once.
  Result<std::optional<struct stat>> on_host(const std::string& rel) {
    auto it = host_cache_.find(rel);
    if (it != host_cache_.end()) return it->second;
    auto st = host_.lstat(host_join(dest_, rel));
    if (!st) return std::move(st).error();
    host_cache_.emplace(rel, *st);
    return *st;
  }

  // Every directory above a member must be a directory: one of the archive's, or one on the
  // host, or missing (commit() creates it). Never a symlink, which could lead anywhere.
  Result<std::string> check_parents(const std::string& rel) {
    auto parts = split(rel);
    parts.pop_back();
    std::string prefix;
    for (const auto& part : parts) {
      prefix = prefix.empty() ? part : prefix + "/" + part;
      auto in_archive = model_.kinds.find(prefix);
      if (in_archive != model_.kinds.end() && in_archive->second == Kind::symlink) {
        return std::string("its directory \"" + prefix + "\" is a symlink in the archive");
      }
      if (in_archive != model_.kinds.end() && in_archive->second == Kind::file) {
        return std::string("its directory \"" + prefix + "\" is a file in the archive");
      }
      auto st = on_host(prefix);
      if (!st) return std::move(st).error();
      if (*st && S_ISLNK((*st)->st_mode)) return std::string("its directory is a symlink");
      if (*st && !S_ISDIR((*st)->st_mode)) {
        return std::string("its directory \"" + prefix + "\" is not a directory on the host");
      }
    }
    return std::string();
  }

  // Follows a symlink's target through the links the archive makes, as the kernel will once
  // they all exist; "" if it stays inside the destination, else why not.
  Result<std::string> check_link(const std::string& rel, const std::string& target) {
    auto stack = split(rel);
    stack.pop_back();
    std::deque<std::string> pending;
    for (const auto& part : split(target)) pending.push_back(part);
    int hops = 0;
    while (!pending.empty()) {
      std::string part = std::move(pending.front());
      pending.pop_front();
      if (part == "..") {
        if (stack.empty()) return std::string("it points outside " + dest_);
        stack.pop_back();
        continue;
      }
      stack.push_back(part);
      const std::string at = join(stack);
      auto in_archive = model_.kinds.find(at);
      if (in_archive != model_.kinds.end()) {
        if (in_archive->second != Kind::symlink) continue;
        if (++hops > kMaxLinkHops) return std::string("it is part of a symlink loop");
        const std::string& next = model_.link_targets.at(at);
        if (next.empty() || next[0] == '/') return std::string("it points outside " + dest_);
        stack.pop_back();
        auto parts = split(next);
        pending.insert(pending.begin(), parts.begin(), parts.end());
        continue;
      }
      auto st = on_host(at);
      if (!st) return std::move(st).error();
      if (*st && S_ISLNK((*st)->st_mode)) {
        return std::string("it passes through \"" + at + "\", a symlink already on the host");
      }
      if (!*st) {
        // Nothing there: what follows is resolved lexically (it cannot pass through a link).
        for (const auto& rest : pending) {
          if (rest == "..") {
            if (stack.empty()) return std::string("it points outside " + dest_);
            stack.pop_back();
          } else {
            stack.push_back(rest);
          }
        }
        break;
      }
    }
    return std::string();
  }

 private:
  const Host& host_;
  const std::string& dest_;
  const Model& model_;
  std::map<std::string, std::optional<struct stat>> host_cache_;
};

Status write_at(int fd, const char* p, size_t n, la_int64_t at, const std::string& where) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd, p + done, n - done, at + static_cast<la_int64_t>(done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", where);
    }
    done += static_cast<size_t>(w);
  }
  return {};
}

// A member's data is flushed (to the device, through its cache) while the rest of the archive is
// read: at its end and every kFlushEvery bytes of a large one, so that commit()'s fsync finds
// nothing left. Only starting writeback (sync_file_range) left the device's cache flush of every
// member to that fsync, after the tarball's last byte. A writeback error is reported once per
// descriptor, so it fails the extraction here.
constexpr std::uint64_t kFlushEvery = 8 << 20;

Status flush(int fd, const std::string& where) {
  if (::fdatasync(fd) != 0) return errno_error("fsync", where);
  return {};
}

// A sparse hole's zeros go into the digest in bounded pieces; the file keeps the hole.
void hash_zeros(Sha256& hash, std::uint64_t n) {
  static const char zeros[1 << 16] = {};
  while (n > 0) {
    const size_t piece = static_cast<size_t>(std::min<std::uint64_t>(n, sizeof zeros));
    hash.update(zeros, piece);
    n -= piece;
  }
}

// libarchive's read callback over an ArchiveReader; the reader's own error is kept.
struct ReadState {
  const ArchiveReader* read = nullptr;
  std::vector<char> buffer = std::vector<char>(1 << 16);
  std::optional<Error> error = std::nullopt;
};

la_ssize_t read_block(archive* ar, void* client, const void** block) {
  auto* state = static_cast<ReadState*>(client);
  auto got = (*state->read)(state->buffer.data(), state->buffer.size());
  if (!got) {
    state->error = got.error();
    archive_set_error(ar, EIO, "%s", got.error().why.c_str());
    return ARCHIVE_FATAL;
  }
  *block = state->buffer.data();
  return static_cast<la_ssize_t>(*got);
}

}  // namespace

Result<std::string> safe_member_path(std::string_view name) {
  if (!name.empty() && name[0] == '/') {
    return Error{"check archive entry", std::string(name), "absolute path", ""};
  }
  auto parts = split(name);
  for (const auto& p : parts) {
    if (p == "..")
      return Error{"check archive entry", std::string(name), "path contains \"..\"", ""};
  }
  return join(parts);
}

bool link_stays_inside(std::string_view link, std::string_view target) {
  if (target.empty() || target[0] == '/') return false;
  auto stack = split(link);
  if (stack.empty()) return false;
  stack.pop_back();  // the link's own name; the target is relative to its directory
  for (const auto& part : split(target)) {
    if (part == "..") {
      if (stack.empty()) return false;
      stack.pop_back();
    } else {
      stack.push_back(part);
    }
  }
  return true;
}

Status StagedExtraction::commit_all(mode_t mode, std::vector<std::string>& made_dirs,
                                    std::vector<std::pair<std::string, StagedFile>>& replaced) {
  for (const auto& d : directories_) {
    auto st = host_->lstat(d);
    if (!st) return std::move(st).error();
    if (*st) continue;
    KC_TRY(host_->make_dirs(d));
    made_dirs.push_back(d);
  }
  for (auto& e : entries_) {
    auto previous = host_->stage_previous(e.host_path);
    if (!previous) return std::move(previous).error();
    if (e.symlink) {
      auto link = host_->stage_symlink(e.host_path, e.link_target);
      if (!link) return std::move(link).error();
      e.file = std::move(*link);
    } else if (e.hardlink_of >= 0) {
      auto link =
          host_->stage_hardlink(e.host_path, entries_[static_cast<size_t>(e.hardlink_of)].file);
      if (!link) return std::move(link).error();
      e.file = std::move(*link);
    }
    KC_TRY(e.file.commit(mode, /*sync_dir=*/false));
    replaced.emplace_back(e.host_path, std::move(*previous));
  }
  std::set<std::string> dirs;
  for (const auto& e : entries_) dirs.insert(fs::path(e.host_path).parent_path().string());
  for (const auto& d : dirs) KC_TRY(host_->sync_dir(d));
  return {};
}

Status StagedExtraction::commit(mode_t mode) {
  std::vector<std::string> made_dirs;
  std::vector<std::pair<std::string, StagedFile>> replaced;
  Status done = commit_all(mode, made_dirs, replaced);
  if (done) return done;
  // Undo, newest first: put back what was replaced, remove what was new.
  for (auto it = replaced.rbegin(); it != replaced.rend(); ++it) {
    if (it->second.empty()) {
      (void)host_->remove(it->first);
    } else {
      (void)it->second.commit(0, /*sync_dir=*/false);
    }
  }
  for (auto it = made_dirs.rbegin(); it != made_dirs.rend(); ++it) (void)host_->remove_dir(*it);
  Error e = std::move(done).error();
  e.hint = "nothing was installed from this archive; what it had replaced was restored";
  return e;
}

Result<StagedExtraction> stage_tarball(const Host& host, int tarball_fd, const std::string& dest,
                                       const std::string& label, const std::string& source,
                                       std::uint64_t max_bytes) {
  if (::lseek(tarball_fd, 0, SEEK_SET) != 0) return errno_error("read " + label, source);
  const ArchiveReader read = [&](char* buf, size_t n) -> Result<size_t> {
    for (;;) {
      const ssize_t got = ::read(tarball_fd, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno != EINTR) return errno_error("read " + label, source);
    }
  };
  return stage_tarball(host, read, dest, label, source, max_bytes);
}

Result<StagedExtraction> stage_tarball(const Host& host, const ArchiveReader& read,
                                       const std::string& dest, const std::string& label,
                                       const std::string& source, std::uint64_t max_bytes) {
  ReadState reading{&read};
  // The reader's own error (a failed download) wins over what libarchive makes of it.
  const auto refuse = [&](const std::string& why) -> Error {
    if (reading.error) return *reading.error;
    return unsafe(label, source, why);
  };
  std::unique_ptr<archive, decltype(&archive_read_free)> ar(archive_read_new(), archive_read_free);
  if (!ar) return refuse("cannot start libarchive");
  archive_read_support_filter_gzip(ar.get());
  archive_read_support_format_tar(ar.get());
  if (archive_read_open(ar.get(), &reading, nullptr, read_block, nullptr) != ARCHIVE_OK) {
    return refuse("not a valid .tar.gz: " + archive_why(ar.get()));
  }
  StagedExtraction staged(host);
  Model model;
  std::uint64_t total = 0;
  const auto too_large = [&]() {
    return refuse("it extracts to more than " + std::to_string(max_bytes) + " bytes");
  };
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(ar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return refuse("not a valid .tar.gz: " + archive_why(ar.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    auto rel = safe_member_path(name);
    if (!rel) return refuse("refused entry \"" + name + "\": " + rel.error().why);
    if (rel->empty()) continue;  // the destination itself
    const std::string host_path = join({dest, *rel});
    const mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    const Kind kind = hardlink != nullptr ? Kind::file
                      : type == AE_IFDIR  ? Kind::directory
                      : type == AE_IFLNK  ? Kind::symlink
                                          : Kind::file;
    auto [it, inserted] = model.kinds.emplace(*rel, kind);
    if (!inserted) {
      if (kind == Kind::directory && it->second == Kind::directory) continue;
      return refuse("entry \"" + name + "\" appears twice");
    }
    if (kind == Kind::directory) continue;
    StagedEntry e;
    e.rel_path = *rel;
    e.host_path = host_path;
    if (hardlink != nullptr) {
      auto target = safe_member_path(hardlink);
      const auto& entries = staged.entries();
      auto origin = entries.end();
      if (target) {
        origin = std::find_if(entries.begin(), entries.end(), [&](const StagedEntry& f) {
          return f.rel_path == *target && !f.symlink;
        });
      }
      if (origin == entries.end()) {
        return refuse("refused hard link \"" + name + "\" -> \"" + hardlink +
                      "\": not a file earlier in the archive");
      }
      e.hardlink_of = origin->hardlink_of >= 0 ? origin->hardlink_of : origin - entries.begin();
      e.sha256 = origin->sha256;
      staged.entries().push_back(std::move(e));
      continue;
    }
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || !link_stays_inside(*rel, target)) {
        return refuse("refused symlink \"" + name + "\" -> \"" + (target ? target : "") +
                      "\": it points outside " + dest);
      }
      e.symlink = true;
      e.link_target = target;
      model.link_targets[*rel] = target;
      staged.entries().push_back(std::move(e));
      continue;
    }
    if (type != AE_IFREG) {
      return refuse("refused entry \"" + name + "\": not a file, directory or link");
    }
    // Staged in the destination itself: nothing is created below it before every check passed.
    auto file = host.stage_in(dest, host_path);
    if (!file) return std::move(file).error();
    const int fd = file->fd();
    e.file = std::move(*file);
    staged.entries().push_back(std::move(e));
    Sha256 hash;
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    std::uint64_t written = 0;
    std::uint64_t flushed = 0;
    const std::uint64_t room = max_bytes - total;
    for (;;) {
      rc = archive_read_data_block(ar.get(), &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        return refuse("cannot read \"" + name + "\": " + archive_why(ar.get()));
      }
      if (offset < 0 || static_cast<std::uint64_t>(offset) < written) {
        return refuse("cannot read \"" + name + "\": its data blocks are out of order");
      }
      const auto at = static_cast<std::uint64_t>(offset);
      if (at > room || size > room - at) return too_large();
      hash_zeros(hash, at - written);  // a sparse hole: left a hole in the file
      auto wrote = write_at(fd, static_cast<const char*>(block), size, offset, host_path);
      if (!wrote) return refuse(wrote.error().message());
      hash.update(block, size);
      written = at + size;
      if (written - flushed >= kFlushEvery) {
        if (auto synced = flush(fd, host_path); !synced) return refuse(synced.error().message());
        flushed = written;
      }
    }
    const la_int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : 0;
    if (declared > 0 && static_cast<std::uint64_t>(declared) > written) {  // a trailing hole
      if (static_cast<std::uint64_t>(declared) > room) return too_large();
      hash_zeros(hash, static_cast<std::uint64_t>(declared) - written);
      written = static_cast<std::uint64_t>(declared);
    }
    if (::ftruncate(fd, static_cast<off_t>(written)) != 0) {
      return refuse(errno_error("write", host_path).message());
    }
    if (auto synced = flush(fd, host_path); !synced) return refuse(synced.error().message());
    total += written;
    staged.entries().back().sha256 = hash.hex_digest();
  }

  // Directories the archive implies (the parents of its members) are directories it makes.
  std::vector<std::string> members;
  for (const auto& [rel, kind] : model.kinds) members.push_back(rel);
  for (const auto& rel : members) {
    auto parts = split(rel);
    parts.pop_back();
    std::string prefix;
    for (const auto& part : parts) {
      prefix = prefix.empty() ? part : prefix + "/" + part;
      model.kinds.emplace(prefix, Kind::directory);
    }
  }
  ArchiveCheck check(host, dest, model);
  for (const auto& [rel, kind] : model.kinds) {
    auto why = check.check_parents(rel);
    if (!why) return std::move(why).error();
    if (!why->empty()) return refuse("refused entry \"" + rel + "\": " + *why);
  }
  for (const auto& [rel, kind] : model.kinds) {
    auto st = check.on_host(rel);
    if (!st) return std::move(st).error();
    if (kind == Kind::directory && *st && !S_ISDIR((*st)->st_mode)) {
      return refuse("refused directory \"" + rel + "\": the host has " +
                    (S_ISLNK((*st)->st_mode) ? "a symlink" : "something else") + " there");
    }
    if (kind != Kind::directory && *st && S_ISDIR((*st)->st_mode)) {
      return refuse("refused entry \"" + rel + "\": the host has a directory there");
    }
  }
  for (const auto& [rel, target] : model.link_targets) {
    auto why = check.check_link(rel, target);
    if (!why) return std::move(why).error();
    if (!why->empty()) {
      return refuse("refused symlink \"" + rel + "\" -> \"" + target + "\": " + *why);
    }
  }
  // std::map orders "a" before "a/b": parents first.
  for (const auto& [rel, kind] : model.kinds) {
    if (kind == Kind::directory) staged.directories().push_back(join({dest, rel}));
  }
  return staged;
}

}  // namespace kc
