// The one rule for file-valued flags. Every flag that names a file says which of two kinds it is:
//   - a host path: a file on the host kc sets up ("/etc/kubernetes/admin.conf"), mapped under
//     --root like every host path (kc::Host); absolute, since it is a path on that host;
//   - a file of the operator's: read or written where kc runs (--catalog, --ca-file, fetch -o),
//     never mapped under --root; relative paths are taken from the working directory.
// The help text of each flag says which ("(a host path, under --root)" or "(not under --root)"),
// and these two helpers are the only way common/cli, agent/ and bootstrap/ declare such flags.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace kc::cli {

enum class FileUse {
  read,   // must exist when kc starts
  write,  // kc creates or replaces it
};

// A flag naming a host path, mapped under --root when kc opens it.
CLI::Option* add_host_path_option(CLI::App* command, const std::string& name, std::string& value,
                                  const std::string& description);

// A flag naming a file of the operator's, not mapped under --root.
CLI::Option* add_operator_file_option(CLI::App* command, const std::string& name,
                                      std::string& value, const std::string& description,
                                      FileUse use = FileUse::read);

}  // namespace kc::cli
