#include "common/assets/tar_extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

#include "common/core/sha256.h"

namespace kc {

namespace fs = std::filesystem;

namespace {

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

Error unsafe(const std::string& label, const std::string& source, const std::string& why) {
  return Error{"extract " + label, source, why, "nothing was installed for " + label};
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

Status StagedExtraction::commit(mode_t mode) {
  std::set<std::string> dirs;
  for (auto& e : entries_) {
    KC_TRY(e.file.commit(mode, /*sync_dir=*/false));
    dirs.insert(fs::path(e.host_path).parent_path().string());
  }
  for (const auto& d : dirs) KC_TRY(host_->sync_dir(d));
  return {};
}

Result<StagedExtraction> stage_tarball(const Host& host, int tarball_fd, const std::string& dest,
                                       const std::string& label, const std::string& source) {
  const auto refuse = [&](const std::string& why) { return unsafe(label, source, why); };
  if (::lseek(tarball_fd, 0, SEEK_SET) != 0) return errno_error("read " + label, source);
  std::unique_ptr<archive, decltype(&archive_read_free)> ar(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(ar.get());
  archive_read_support_format_tar(ar.get());
  if (archive_read_open_fd(ar.get(), tarball_fd, 1 << 16) != ARCHIVE_OK) {
    return refuse(archive_error_string(ar.get()));
  }
  StagedExtraction staged(host);
  std::set<std::string> seen;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(ar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return refuse(std::string("not a valid .tar.gz: ") + archive_error_string(ar.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    auto rel = safe_member_path(name);
    if (!rel) return refuse("refused entry \"" + name + "\": " + rel.error().why);
    const std::string host_path = join({dest, *rel});
    const mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (rel->empty() || type == AE_IFDIR) {
      if (!rel->empty()) KC_TRY(host.make_dirs(host_path));
      continue;
    }
    if (!seen.insert(*rel).second) return refuse("entry \"" + name + "\" appears twice");
    // A parent that is a symlink could lead outside the destination.
    auto parts = split(*rel);
    parts.pop_back();
    std::string parent = dest;
    for (const auto& part : parts) {
      parent = join({parent, part});
      auto st = host.lstat(parent);
      if (!st) return std::move(st).error();
      if (*st && S_ISLNK((*st)->st_mode)) {
        return refuse("refused entry \"" + name + "\": its directory is a symlink");
      }
    }
    if (!parts.empty()) KC_TRY(host.make_dirs(parent));
    StagedEntry e;
    e.rel_path = *rel;
    e.host_path = host_path;
    if (hardlink != nullptr) {
      auto target = safe_member_path(hardlink);
      const StagedEntry* origin = nullptr;
      if (target) {
        for (const auto& f : staged.entries()) {
          if (f.rel_path == *target && !f.symlink) origin = &f;
        }
      }
      if (origin == nullptr) {
        return refuse("refused hard link \"" + name + "\" -> \"" + hardlink +
                      "\": not a file earlier in the archive");
      }
      auto file = host.stage_hardlink(host_path, origin->file);
      if (!file) return std::move(file).error();
      e.file = std::move(*file);
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
      auto file = host.stage_symlink(host_path, target);
      if (!file) return std::move(file).error();
      e.file = std::move(*file);
      e.symlink = true;
      staged.entries().push_back(std::move(e));
      continue;
    }
    if (type != AE_IFREG) {
      return refuse("refused entry \"" + name + "\": not a file, directory or link");
    }
    auto file = host.stage(host_path);
    if (!file) return std::move(file).error();
    const int fd = file->fd();
    e.file = std::move(*file);
    staged.entries().push_back(std::move(e));
    Sha256 hash;
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    la_int64_t written = 0;
    const auto write_at = [&](const char* p, size_t n, la_int64_t at) -> Status {
      size_t done = 0;
      while (done < n) {
        ssize_t w = ::pwrite(fd, p + done, n - done, at + static_cast<la_int64_t>(done));
        if (w < 0) {
          if (errno == EINTR) continue;
          return refuse("cannot write " + host_path + ": " + std::strerror(errno));
        }
        done += static_cast<size_t>(w);
      }
      return {};
    };
    for (;;) {
      rc = archive_read_data_block(ar.get(), &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        return refuse("cannot read \"" + name + "\": " + archive_error_string(ar.get()));
      }
      if (offset > written) {  // a sparse hole: zeros
        std::string zeros(static_cast<size_t>(offset - written), '\0');
        hash.update(zeros);
        KC_TRY(write_at(zeros.data(), zeros.size(), written));
        written = offset;
      }
      KC_TRY(write_at(static_cast<const char*>(block), size, written));
      hash.update(block, size);
      written += static_cast<la_int64_t>(size);
    }
    staged.entries().back().sha256 = hash.hex_digest();
  }
  return staged;
}

}  // namespace kc
