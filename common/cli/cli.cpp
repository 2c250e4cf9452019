#include "common/cli/cli.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "common/core/exit_codes.h"
#include "common/core/log.h"
#include "common/core/version.h"

namespace kc::cli {
namespace {

void flatten(const nlohmann::json& object, const std::vector<std::string>& parents,
             std::vector<CLI::ConfigItem>& out) {
  for (const auto& [key, value] : object.items()) {
    if (value.is_object()) {
      auto nested = parents;
      nested.push_back(key);
      flatten(value, nested, out);
      continue;
    }
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key;
    if (value.is_array()) {
      for (const auto& element : value) {
        item.inputs.push_back(element.is_string() ? element.get<std::string>() : element.dump());
      }
    } else if (value.is_boolean()) {
      item.inputs.push_back(value.get<bool>() ? "true" : "false");
    } else if (value.is_string()) {
      item.inputs.push_back(value.get<std::string>());
    } else {
      item.inputs.push_back(value.dump());
    }
    out.push_back(std::move(item));
  }
}

}  // namespace

std::string JsonConfig::to_config(const CLI::App*, bool, bool, std::string) const {
  return "{}";
}

std::vector<CLI::ConfigItem> JsonConfig::from_config(std::istream& input) const {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(input);
  } catch (const nlohmann::json::parse_error& e) {
    throw CLI::ConversionError("--config: not valid JSON: " + std::string(e.what()));
  }
  if (!root.is_object())
    throw CLI::ConversionError("--config: the top level must be a JSON object");
  std::vector<CLI::ConfigItem> items;
  flatten(root, {}, items);
  return items;
}

std::unique_ptr<CLI::App> make_app(const std::string& program, const std::string& description,
                                   GlobalOptions& options) {
  auto app = std::make_unique<CLI::App>(description, program);
  app->set_version_flag("--version", version_line(program));
  app->set_config("--config", "", "JSON file with option values; command-line flags override it")
      ->type_name("FILE");
  app->config_formatter(std::make_shared<JsonConfig>());
  app->allow_config_extras(CLI::config_extras_mode::error);
  app->add_flag("--dry-run", options.dry_run, "Print each action it would take; change nothing");
  app->add_option("--root", options.root, "Take every host path under DIR (default /)")
      ->type_name("DIR");
  app->add_option("--system-bus", options.system_bus,
                  "D-Bus address of the systemd that manages the root (default: "
                  "$DBUS_SYSTEM_BUS_ADDRESS; needed by a real run under a --root other than /)")
      ->type_name("ADDRESS")
      ->envname("DBUS_SYSTEM_BUS_ADDRESS");
  app->add_option("--log-level", options.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app->require_subcommand(1);
  return app;
}

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* sub = app.add_subcommand(name, description);
  sub->fallthrough();  // global options may follow the subcommand name
  return sub;
}

int run(CLI::App& app, GlobalOptions& options, const std::map<CLI::App*, Handler>& handlers,
        int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A mistyped flag can make CLI11 echo a token given after it: redact usage errors too.
    std::cerr << app.get_name() << ": " << log::redact(e.what()) << "\n"
              << "Run '" << app.get_name() << " --help' for usage.\n";
    return exit_code::usage;
  }
  log::setup(*log::parse_level(options.log_level), log::detect_style());
  for (const auto& [command, handler] : handlers) {
    if (command->parsed()) return handler();
  }
  std::cerr << app.get_name() << ": no command given; run '" << app.get_name() << " --help'\n";
  return exit_code::usage;
}

}  // namespace kc::cli
