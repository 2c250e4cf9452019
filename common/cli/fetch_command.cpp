#include "common/cli/fetch_command.h"

#include <spdlog/spdlog.h>

#include "common/cli/cli.h"
#include "common/cli/path_flags.h"
#include "common/core/exit_codes.h"
#include "common/core/host.h"
#include "common/core/sha256.h"
#include "common/net/http.h"

namespace kc {

CLI::App* add_fetch_command(CLI::App& app, FetchOptions& options) {
  CLI::App* cmd = cli::add_command(app, "fetch", "Download one URL over HTTPS and verify it");
  cmd->add_option("url", options.url, "URL to download (https or http)")->required();
  cli::add_operator_file_option(cmd, "-o,--output", options.output,
                                "Where to write it (atomically)", cli::FileUse::write)
      ->required();
  cmd->add_option("--sha256", options.sha256, "Expected SHA-256; nothing is written on mismatch")
      ->check([](const std::string& v) {
        return is_sha256_hex(v) ? std::string()
                                : "--sha256: expected 64 hex digits, got '" + v + "'";
      })
      ->type_name("HEX");
  cli::add_operator_file_option(cmd, "--ca-file", options.ca_file,
                                "PEM CA bundle to trust instead of the system's");
  // The global options are the app's; fetch reads them once parsing is complete.
  const CLI::Option* root = app.get_option_no_throw("--root");
  const CLI::Option* dry_run = app.get_option_no_throw("--dry-run");
  cmd->callback([root, dry_run, &options] {
    if (http::is_plain_http_off_host(options.url) && options.sha256.empty()) {
      throw CLI::ValidationError(
          "url",
          "plain http without --sha256: nothing would authenticate the download; use "
          "https or give --sha256");
    }
    if (root != nullptr && root->count() > 0) {
      throw CLI::ValidationError(
          "--root",
          "fetch writes -o FILE where kc runs (a file of the operator's, not a host "
          "path), so --root does not apply to it");
    }
    options.dry_run = dry_run != nullptr && dry_run->count() > 0 && dry_run->as<bool>();
  });
  return cmd;
}

int run_fetch_command(const FetchOptions& options) {
  http::FetchRequest request;
  request.url = options.url;
  if (!options.sha256.empty()) {
    std::string lower = options.sha256;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.sha256 = lower;
  }
  if (!options.ca_file.empty()) request.tls.ca_file = options.ca_file;
  const std::string nothing = "nothing was written to " + options.output;

  if (options.dry_run) {
    auto result = http::fetch_to_fd(request, -1);
    if (!result) {
      Error e = std::move(result).error();
      e.hint = nothing;
      spdlog::error("{}", e.message());
      return exit_code::failed;
    }
    spdlog::info("dry run: fetched {} ({} bytes, sha256 {}); would write {}", options.url,
                 result->bytes, result->sha256, options.output);
    return exit_code::ok;
  }

  std::string name;
  const Host here = Host::for_operator_file(options.output, name);
  auto staged = here.stage(name);
  Result<http::FetchResult> result =
      staged ? http::fetch_to_fd(request, staged->fd()) : Result<http::FetchResult>(staged.error());
  Status committed = result ? staged->commit(0644) : Status(result.error());
  if (!committed) {
    Error e = std::move(committed).error();
    e.hint = nothing;
    spdlog::error("{}", e.message());
    return exit_code::failed;
  }
  spdlog::info("fetched {} ({} bytes, sha256 {}) to {}", options.url, result->bytes, result->sha256,
               options.output);
  return exit_code::ok;
}

}  // namespace kc
