#include "common/cli/cli.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string_view>

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

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated
    for (size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::optional<std::string> find_invalid_utf8(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (is_valid_utf8(argv[i])) continue;
    std::string at = "argument " + std::to_string(i);
    if (i > 1 && std::string_view(argv[i - 1]).rfind("--", 0) == 0 && is_valid_utf8(argv[i - 1])) {
      at += " (the value of " + std::string(argv[i - 1]) + ")";
    }
    return at + " is not valid UTF-8";
  }
  return std::nullopt;
}

std::string JsonConfig::to_config(const CLI::App*, bool, bool, std::string) const {
  return "{}";
}

std::vector<CLI::ConfigItem> JsonConfig::from_config(std::istream& input) const {
  // Every nlohmann error is a usage error: a parse error, but also a number out of range (1e999).
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(input);
  } catch (const nlohmann::json::exception& e) {
    throw CLI::ConversionError("--config: not valid JSON: " + std::string(e.what()));
  }
  if (!root.is_object())
    throw CLI::ConversionError("--config: the top level must be a JSON object");
  std::vector<CLI::ConfigItem> items;
  try {
    flatten(root, {}, items);
  } catch (const nlohmann::json::exception& e) {
    throw CLI::ConversionError("--config: " + std::string(e.what()));
  }
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
  // Flags end up in messages, logs and the JSON state file: refuse bytes that are not text.
  if (auto invalid = find_invalid_utf8(argc, argv)) {
    std::cerr << app.get_name() << ": " << *invalid << "\n";
    return exit_code::usage;
  }
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
