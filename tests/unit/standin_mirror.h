// A stand-in mirror of node artifacts for the tests of the assets step and its prefetch: an
// HttpStandin (the real HTTP protocol, in this process) serving each artifact, a scratch
// directory holding a catalog.json that names them, pinned to their bodies' SHA-256 for
// Kubernetes 1.36.3 on amd64, and a Host rooted at the scratch directory's "root".
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/assets/assets_step.h"
#include "common/core/host.h"
#include "common/core/sha256.h"
#include "http_standin.h"
#include "scratch_dir.h"
#include "tar_writer.h"

struct MirrorArtifact {
  std::string name;         // "kubelet"
  std::string kind;         // "binary" or "tarball"
  std::string version;      // the catalog's: "kubernetes" (pinned for 1.36.3) or its own
  std::string url;          // the catalog's, after the mirror's base: "/v{version}/{arch}/kubelet"
  std::string served_at;    // where the mirror serves it: "/v1.36.3/amd64/kubelet"
  std::string destination;  // "/opt/bin"
  std::string body;
};

// A CNI plugins tarball: "./", then "./NAME" holding "NAME plugin" for each name.
inline std::string plugins_tarball(const std::vector<std::string>& names) {
  TarWriter tar;
  tar.add("./", '5', "");
  for (const auto& name : names) tar.add("./" + name, '0', name + " plugin");
  return tar.finish();
}

struct StandinMirror {
  HttpStandin server;
  ScratchDir dir;  // catalog.json here; the host's root is dir/root
  kc::Host host{dir / "root"};

  explicit StandinMirror(const std::vector<MirrorArtifact>& artifacts) {
    std::string catalog = R"({"artifacts": [)";
    for (const auto& a : artifacts) {
      server.serve(a.served_at, a.body);
      const std::string pinned_for = a.version == "kubernetes" ? "1.36.3" : a.version;
      if (&a != &artifacts.front()) catalog += ",";
      catalog += R"(
      {"name": ")" +
                 a.name + R"(", "kind": ")" + a.kind + R"(", "version": ")" + a.version +
                 R"(", "url": ")" + server.url(a.url) + R"(", "destination": ")" + a.destination +
                 R"(", "sha256": {"amd64": {")" + pinned_for + R"(": ")" + kc::sha256_hex(a.body) +
                 R"("}}})";
    }
    dir.write("catalog.json", catalog + "\n    ]}");
    std::filesystem::create_directories(dir / "root");
  }

  // Kubernetes 1.36.3 on amd64 from catalog.json, no retries, progress as by default.
  kc::AssetOptions options() const {
    kc::AssetOptions o;
    o.kubernetes_version = "1.36.3";
    o.arch = "amd64";
    o.catalog_file = (dir / "catalog.json").string();
    o.retries = 0;
    return o;
  }
};
