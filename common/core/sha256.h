// SHA-256 with OpenSSL, incrementally (hash while streaming) or over a whole file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/core/error.h"

namespace kc {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Lower-case hex digest; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view data);
Result<std::string> sha256_file(const std::filesystem::path& path);
// The digest of the rest of an open file's content; `where` names it in an error.
Result<std::string> sha256_fd(int fd, std::string_view where);

// True for 64 hex digits (either case).
bool is_sha256_hex(std::string_view text);

}  // namespace kc
