// "fetch": downloads one URL, optionally verifying its SHA-256. Both binaries have it, to check
// from a node that a mirror is reachable and trusted before relying on it.
//
// -o FILE is a file of the operator's (see common/cli/path_flags.h), so --root does not apply and
// is refused with a usage error; --dry-run downloads and verifies but writes nothing.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kc {

struct FetchOptions {
  std::string url;
  std::string output;
  std::string sha256;
  std::string ca_file;
  bool dry_run = false;  // from the global --dry-run
};

CLI::App* add_fetch_command(CLI::App& app, FetchOptions& options);
int run_fetch_command(const FetchOptions& options);

}  // namespace kc
