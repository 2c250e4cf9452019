// The command line both binaries share: CLI11 apps with subcommands and the global options
// --config, --dry-run, --root, --system-bus, --log-level and --version. A --config file is JSON
// whose keys are the long flag names ("root", "dry-run") with one nested object per subcommand
// ({"init": {"kubernetes-version": "1.36.3"}}); flags on the command line override it.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace kc::cli {

struct GlobalOptions {
  std::string config_file;
  bool dry_run = false;
  std::string root = "/";
  // The D-Bus address of the systemd that manages the root (--system-bus, else
  // $DBUS_SYSTEM_BUS_ADDRESS); empty: the host's own, usable only with the root "/".
  std::string system_bus;
  std::string log_level = "info";
};

// Reads kc's JSON config format for CLI11.
class JsonConfig : public CLI::Config {
 public:
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Creates an app named `program` with the global options attached; subcommands inherit them.
std::unique_ptr<CLI::App> make_app(const std::string& program, const std::string& description,
                                   GlobalOptions& options);

// Adds a subcommand that accepts the global options after its name too.
CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description);

// "argument 3 (the value of --mirror) is not valid UTF-8" for the first argument that is not
// well-formed UTF-8; nullopt if all are. run() refuses such a command line as a usage error.
std::optional<std::string> find_invalid_utf8(int argc, char** argv);

using Handler = std::function<int()>;

// Parses argv, sets up logging, and runs the handler of the chosen subcommand. Returns the
// process exit code: 0 for --help/--version, 2 for usage errors (see common/exit_codes.h).
int run(CLI::App& app, GlobalOptions& options, const std::map<CLI::App*, Handler>& handlers,
        int argc, char** argv);

}  // namespace kc::cli
