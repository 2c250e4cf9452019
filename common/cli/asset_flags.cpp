#include "common/cli/asset_flags.h"

#include "common/cli/path_flags.h"
#include "common/core/platform.h"

namespace kc::cli {

void add_asset_flags(CLI::App* command, AssetOptions& o) {
  command
      ->add_option("--kubernetes-version", o.kubernetes_version,
                   "Kubernetes release to install, MAJOR.MINOR.PATCH")
      ->capture_default_str()
      ->check([](const std::string& v) {
        return is_release_version(v) ? std::string()
                                     : "expected MAJOR.MINOR.PATCH such as 1.36.3, got '" + v + "'";
      });
  command->add_option("--arch", o.arch, "Node architecture")
      ->capture_default_str()
      ->check(CLI::IsMember({"amd64", "arm64"}));
  add_operator_file_option(command, "--catalog", o.catalog_file,
                           "JSON artifact catalog to use instead of the built-in one");
  command
      ->add_option("--mirror", o.mirror,
                   "Download from this mirror, which keeps the upstream paths")
      ->type_name("URL")
      ->check([](const std::string& v) {
        return v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0
                   ? std::string()
                   : "--mirror: expected an https:// or http:// URL, got '" + v + "'";
      });
  add_operator_file_option(command, "--ca-file", o.ca_file,
                           "PEM CA bundle to trust instead of the system's");
  command->add_flag("--allow-unpinned", o.allow_unpinned,
                    "Accept versions without a pinned digest, checked against the upstream "
                    ".sha256 file (a weaker check)");
  command->add_flag(
      "--verify-installed", o.verify_installed,
      "Hash every installed file instead of trusting unchanged inode, size and times");
  command
      ->add_option("--max-connections", o.max_connections,
                   "Connections used at most, over all downloads together")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  command->add_option("--retries", o.retries, "Retries of a transfer after transient failures")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  command
      ->add_option("--stall-timeout", o.stall_timeout,
                   "Seconds below 1 kB/s after which a transfer is aborted and retried")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
}

}  // namespace kc::cli
