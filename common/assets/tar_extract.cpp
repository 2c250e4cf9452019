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

#include "common/core/fd.h"
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

Error unsafe(const std::string& label, const fs::path& tarball, const std::string& why) {
  return Error{"extract " + label, tarball.string(), why, "nothing was installed for " + label};
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

StagedExtraction::~StagedExtraction() {
  for (const auto& f : files_) {
    if (!f.temp_path.empty()) ::unlink(f.temp_path.c_str());
  }
}

Status StagedExtraction::commit() {
  std::set<fs::path> dirs;
  for (auto& f : files_) {
    if (::rename(f.temp_path.c_str(), f.final_path.c_str()) != 0) {
      return errno_error("rename into place", f.final_path);
    }
    f.temp_path.clear();
    dirs.insert(fs::path(f.final_path).parent_path());
  }
  for (const auto& d : dirs) KC_TRY(fsync_dir(d));
  return {};
}

Result<StagedExtraction> stage_tarball(const fs::path& tarball, const fs::path& dest, mode_t mode,
                                       const std::string& label) {
  std::unique_ptr<archive, decltype(&archive_read_free)> ar(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(ar.get());
  archive_read_support_format_tar(ar.get());
  if (archive_read_open_filename(ar.get(), tarball.c_str(), 1 << 16) != ARCHIVE_OK) {
    return unsafe(label, tarball, archive_error_string(ar.get()));
  }
  StagedExtraction staged;
  std::set<std::string> seen;
  archive_entry* entry = nullptr;
  for (;;) {
    int rc = archive_read_next_header(ar.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      return unsafe(label, tarball,
                    std::string("not a valid .tar.gz: ") + archive_error_string(ar.get()));
    }
    const char* raw = archive_entry_pathname(entry);
    const std::string name = raw ? raw : "";
    auto rel = safe_member_path(name);
    if (!rel) return unsafe(label, tarball, "refused entry \"" + name + "\": " + rel.error().why);
    const fs::path final_path = dest / *rel;
    const mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (rel->empty() || type == AE_IFDIR) {
      if (!rel->empty()) {
        std::error_code ec;
        fs::create_directories(final_path, ec);
        if (ec)
          return unsafe(label, tarball,
                        "cannot create " + final_path.string() + ": " + ec.message());
      }
      continue;
    }
    if (!seen.insert(*rel).second) {
      return unsafe(label, tarball, "entry \"" + name + "\" appears twice");
    }
    // A parent that is a symlink could lead outside the destination.
    for (fs::path p = final_path.parent_path();
         p != dest && p.string().size() > dest.string().size(); p = p.parent_path()) {
      struct stat st {};
      if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        return unsafe(label, tarball, "refused entry \"" + name + "\": its directory is a symlink");
      }
    }
    if (rel->find('/') != std::string::npos) {
      std::error_code ec;
      fs::create_directories(final_path.parent_path(), ec);
      if (ec) return unsafe(label, tarball, "cannot create " + final_path.parent_path().string());
    }
    StagedFile file;
    file.rel_path = *rel;
    file.final_path = final_path.string();
    std::string tmpl =
        (final_path.parent_path() / ("." + final_path.filename().string() + ".kc-tmp-XXXXXX"))
            .string();
    if (hardlink != nullptr) {
      auto target = safe_member_path(hardlink);
      const StagedFile* source = nullptr;
      if (target) {
        for (const auto& f : staged.files()) {
          if (f.rel_path == *target && !f.symlink) source = &f;
        }
      }
      if (source == nullptr) {
        return unsafe(label, tarball,
                      "refused hard link \"" + name + "\" -> \"" + hardlink +
                          "\": not a file earlier in the archive");
      }
      // Link the staged file under a temporary name of its own.
      UniqueFd probe(::mkostemp(tmpl.data(), O_CLOEXEC));
      if (!probe) return errno_error("create temporary file", tmpl);
      ::unlink(tmpl.c_str());
      if (::link(source->temp_path.c_str(), tmpl.c_str()) != 0) return errno_error("link", tmpl);
      file.temp_path = tmpl;
      file.sha256 = source->sha256;
      staged.files().push_back(std::move(file));
      continue;
    }
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (target == nullptr || !link_stays_inside(*rel, target)) {
        return unsafe(label, tarball,
                      "refused symlink \"" + name + "\" -> \"" + (target ? target : "") +
                          "\": it points outside " + dest.string());
      }
      UniqueFd probe(::mkostemp(tmpl.data(), O_CLOEXEC));
      if (!probe) return errno_error("create temporary file", tmpl);
      ::unlink(tmpl.c_str());
      if (::symlink(target, tmpl.c_str()) != 0) return errno_error("symlink", tmpl);
      file.temp_path = tmpl;
      file.symlink = true;
      staged.files().push_back(std::move(file));
      continue;
    }
    if (type != AE_IFREG) {
      return unsafe(label, tarball,
                    "refused entry \"" + name + "\": not a file, directory or link");
    }
    UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
    if (!fd) return errno_error("create temporary file", tmpl);
    file.temp_path = tmpl;
    staged.files().push_back(file);
    Sha256 hash;
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    la_int64_t written = 0;
    for (;;) {
      rc = archive_read_data_block(ar.get(), &block, &size, &offset);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
        return unsafe(label, tarball,
                      "cannot read \"" + name + "\": " + archive_error_string(ar.get()));
      }
      if (offset > written) {  // a sparse hole: zeros
        std::string zeros(static_cast<size_t>(offset - written), '\0');
        hash.update(zeros);
        if (::pwrite(fd.get(), zeros.data(), zeros.size(), written) !=
            static_cast<ssize_t>(zeros.size())) {
          return errno_error("write", tmpl);
        }
        written = offset;
      }
      const char* p = static_cast<const char*>(block);
      size_t done = 0;
      while (done < size) {
        ssize_t n =
            ::pwrite(fd.get(), p + done, size - done, written + static_cast<la_int64_t>(done));
        if (n < 0) {
          if (errno == EINTR) continue;
          return unsafe(label, tarball, "cannot write " + tmpl + ": " + std::strerror(errno));
        }
        done += static_cast<size_t>(n);
      }
      hash.update(block, size);
      written += static_cast<la_int64_t>(size);
    }
    if (::fchmod(fd.get(), mode) != 0) return errno_error("chmod", tmpl);
    if (::fsync(fd.get()) != 0) {
      return unsafe(label, tarball, "cannot write " + tmpl + ": " + std::strerror(errno));
    }
    staged.files().back().sha256 = hash.hex_digest();
  }
  return staged;
}

}  // namespace kc
