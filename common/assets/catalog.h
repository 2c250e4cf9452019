// The catalog of node artifacts kc installs: which files, from where, verified how, put where.
//
// kc has a built-in catalog (the upstream URLs and the pinned SHA-256 digests of kubeadm,
// kubelet, kubectl, crictl and the CNI plugins) and reads the same JSON format from
// `--catalog FILE`:
//
//   {
//     "artifacts": [
//       {
//         "name": "kubelet",                 // unique; also the installed file name for binaries
//         "kind": "binary",                  // "binary": the download is the file itself
//                                            // "tarball": a .tar.gz whose files are extracted
//         "version": "kubernetes",           // "kubernetes": follows --kubernetes-version;
//                                            // otherwise a fixed version such as "1.35.0"
//         "url": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubelet",
//         "destination": "/opt/bin",         // host directory (mapped under --root)
//         "max_size": 268435456,             // optional: bytes the download may have at most;
//                                            // default and limit 1 GiB (kMaxDownloadBytes)
//         "sha256": {                        // pinned digests: arch -> version -> 64 hex digits
//           "amd64": {"1.36.3": "4670..."},
//           "arm64": {"1.36.3": "5720..."}
//         },
//         "size": {                          // optional: exact sizes in bytes, arch -> version
//           "amd64": {"1.36.3": 58110244}    // (each at most max_size)
//         }
//       }
//     ]
//   }
//
// "{version}" and "{arch}" in "url" are replaced. Every installed file gets mode 0755. A
// version/arch without a pinned digest is refused unless unpinned versions are allowed; then kc
// checks the download against the upstream "<url>.sha256" file, which is a weaker check (it
// comes from the same server as the file). A download larger than its max_size is refused before
// its body when its size is announced (Content-Length, or a Content-Range total), and otherwise
// stopped at the byte that passes it, before the digest check could fail. Where the catalog knows
// the exact size, a download announced (or received) at any other size fails as early, naming both
// sizes: a different file than the one pinned. The built-in catalog knows none (the pinned
// digests' sources record no sizes), so its artifacts have only their max_size.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"

namespace kc {

enum class ArtifactKind { binary, tarball };

struct CatalogEntry {
  std::string name;
  ArtifactKind kind = ArtifactKind::binary;
  std::string version;  // "kubernetes" or a fixed version
  std::string url;      // pattern with {version} and {arch}
  std::string destination;
  std::map<std::string, std::map<std::string, std::string>> sha256;  // arch -> version -> hex
  std::optional<uint64_t> max_size;  // bytes; nullopt: the downloader's kMaxDownloadBytes
  std::map<std::string, std::map<std::string, uint64_t>> size;  // arch -> version -> bytes
};

struct Catalog {
  std::vector<CatalogEntry> entries;
};

// One artifact to install, with every pattern resolved.
struct Artifact {
  std::string name;
  ArtifactKind kind = ArtifactKind::binary;
  std::string version;
  std::string arch;
  std::string url;
  std::optional<std::string> sha256;  // nullopt: unpinned, check against url + ".sha256"
  std::string destination;
  std::optional<uint64_t> max_size;  // bytes; nullopt: the downloader's kMaxDownloadBytes
  std::optional<uint64_t> size;      // the exact size in bytes, where the catalog knows it
};

struct ResolveOptions {
  std::string kubernetes_version;
  std::string arch;
  std::string mirror;           // empty: upstream URLs
  bool allow_unpinned = false;  // else an unpinned version is an error
};

Result<Catalog> parse_catalog(std::string_view json, std::string_view source);
// The built-in catalog, parsed once. It is part of the program: if it does not parse (or is
// empty) that is a bug in kc, and this throws std::logic_error instead of returning an empty
// catalog that would install nothing.
const Catalog& builtin_catalog();
// What builtin_catalog() does with the embedded text (exposed so a test can feed it a broken one).
Catalog parse_builtin_catalog(std::string_view json);

// The artifacts to install for a version and architecture. An unpinned artifact over plain http
// is refused (also with allow_unpinned): nothing at all would authenticate it.
Result<std::vector<Artifact>> resolve(const Catalog& catalog, const ResolveOptions& options);

// Replaces scheme, host and port of url with mirror (which may carry a path prefix), keeping
// the upstream path: ("https://dl.k8s.io/release/x", "https://m.example/k8s") ->
// "https://m.example/k8s/release/x".
Result<std::string> rewrite_to_mirror(std::string_view url, std::string_view mirror);

// Parses a published ".sha256" file: "HEX" or "HEX  FILENAME" (sha256sum's format). Returns the
// lower-case digest.
Result<std::string> parse_sha256_file(std::string_view content, std::string_view url);

std::string_view to_string(ArtifactKind kind);

// True for a name a catalog may give an artifact: it is a binary's file name and part of every
// temporary file name, so a plain file name ("kubelet", "cni-plugins"), never a path.
bool is_artifact_name(std::string_view name);

}  // namespace kc
