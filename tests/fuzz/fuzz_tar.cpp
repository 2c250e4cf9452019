// libFuzzer target: whole-archive staging of a (gzip-compressed or plain) tarball under a scratch
// root, as the assets step does with a download. Nothing may escape the scratch root, whatever
// the archive holds (link chains, sparse holes, members below links).
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/assets/tar_extract.h"
#include "common/core/fd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path base = [] {
    std::string tmpl = (fs::temp_directory_path() / "kc-fuzz-tar-XXXXXX").string();
    return fs::path(::mkdtemp(tmpl.data()));
  }();
  const fs::path root = base / "root";
  fs::remove_all(root);
  fs::create_directories(root / "dest");
  kc::UniqueFd fd(::open((base / "input").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (::write(fd.get(), data, size) != static_cast<ssize_t>(size)) return 0;
  kc::Host host(root);
  auto staged = kc::stage_tarball(host, fd.get(), "/dest", "fuzz", "fuzz", 64 << 20);
  if (staged) (void)staged->commit(0755);
  // Everything extracted stays below the scratch root (symlinks are not followed here).
  for (auto it = fs::recursive_directory_iterator(base); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path p = it->path().lexically_relative(base);
    if (p != "input" && p.begin()->string() != "root") std::abort();
  }
  return 0;
}
