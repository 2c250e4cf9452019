#include "agent/phases/binary_source.h"

#include <algorithm>
#include <filesystem>

#include "common/core/fd.h"
#include "common/core/sha256.h"

namespace kc::leader {

BinarySource::BinarySource(std::string file, std::string what, std::string hint)
    : file_(std::move(file)), what_(std::move(what)), hint_(std::move(hint)) {}

Result<UniqueFd> BinarySource::open() const {
  auto fd = Host::open_operator_file(file_, what_);
  if (!fd) {
    Error error = std::move(fd).error();
    error.hint = hint_;
    return error;
  }
  return fd;
}

Status BinarySource::hash() {
  sha256_.clear();
  head_.clear();
  auto fd = open();
  if (!fd) return std::move(fd).error();
  Sha256 digest;
  std::string first_bytes;
  const Status read =
      read_chunks(fd->get(), "read", file_, [&](const char* data, std::size_t size) {
        digest.update(data, size);
        first_bytes.append(data, std::min(size, kHeadSize - first_bytes.size()));
      });
  KC_TRY(read);
  sha256_ = digest.hex_digest();
  head_ = std::move(first_bytes);
  return {};
}

Result<std::optional<FileDifference>> BinarySource::compare(const Host& host,
                                                            const std::string& host_path,
                                                            mode_t mode) const {
  return compare_file_sha256(host, host_path, sha256_, mode);
}

Status BinarySource::install(const Host& host, const std::string& host_path, mode_t mode) const {
  auto fd = open();
  if (!fd) return std::move(fd).error();
  KC_TRY(host.make_dirs(std::filesystem::path(host_path).parent_path().string()));
  auto staged = host.stage(host_path);
  if (!staged) return std::move(staged).error();
  const std::string where = host.path(host_path).string();
  Sha256 digest;
  Status written;
  const Status read =
      read_chunks(fd->get(), "read", file_, [&](const char* data, std::size_t size) {
        digest.update(data, size);
        if (written) written = write_all(staged->fd(), data, size, where);
      });
  KC_TRY(read);
  KC_TRY(written);
  if (digest.hex_digest() != sha256_) {
    return Error{"install " + host_path, file_, "the file changed while it was copied",
                 "run the command again"};
  }
  return staged->commit(mode);
}

}  // namespace kc::leader
