#include "common/cli/fetch_command.h"

#include <spdlog/spdlog.h>

#include "common/cli/cli.h"
#include "common/core/exit_codes.h"
#include "common/core/sha256.h"
#include "common/net/http.h"

namespace kc {

CLI::App* add_fetch_command(CLI::App& app, FetchOptions& options) {
  CLI::App* cmd = cli::add_command(app, "fetch", "Download one URL over HTTPS and verify it");
  cmd->add_option("url", options.url, "URL to download (https or http)")->required();
  cmd->add_option("-o,--output", options.output, "Where to write it (atomically)")
      ->required()
      ->type_name("FILE");
  cmd->add_option("--sha256", options.sha256, "Expected SHA-256; nothing is written on mismatch")
      ->check([](const std::string& v) {
        return is_sha256_hex(v) ? std::string()
                                : "--sha256: expected 64 hex digits, got '" + v + "'";
      })
      ->type_name("HEX");
  cmd->add_option("--ca-file", options.ca_file, "PEM CA bundle to trust instead of the system's")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  return cmd;
}

int run_fetch_command(const FetchOptions& options) {
  http::FetchRequest request;
  request.url = options.url;
  request.output = options.output;
  if (!options.sha256.empty()) {
    std::string lower = options.sha256;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.sha256 = lower;
  }
  if (!options.ca_file.empty()) request.tls.ca_file = options.ca_file;
  auto result = http::fetch_to_file(request);
  if (!result) {
    spdlog::error("{}", result.error().message());
    return exit_code::failed;
  }
  spdlog::info("fetched {} ({} bytes, sha256 {}) to {}", options.url, result->bytes, result->sha256,
               options.output);
  return exit_code::ok;
}

}  // namespace kc
