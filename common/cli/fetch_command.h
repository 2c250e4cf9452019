// "fetch": downloads one URL, optionally verifying its SHA-256. Both binaries have it, to check
// from a node that a mirror is reachable and trusted before relying on it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kc {

struct FetchOptions {
  std::string url;
  std::string output;
  std::string sha256;
  std::string ca_file;
};

CLI::App* add_fetch_command(CLI::App& app, FetchOptions& options);
int run_fetch_command(const FetchOptions& options);

}  // namespace kc
