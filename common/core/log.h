// Logging: spdlog behind one setup call. On a terminal, readable coloured lines; under systemd
// (stderr is the journal stream), one line per event with the "<N>" syslog priority prefix so
// journald records the level; otherwise plain timestamped lines. Every line passes through
// redact() first, so a bootstrap token or private key never reaches the log.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/core/secret.h"

namespace kc::log {

enum class Style { terminal, journal, plain };

// Picks the style for stderr: journal when $JOURNAL_STREAM names stderr's device and inode,
// terminal when stderr is a tty, plain otherwise.
Style detect_style();

// Installs the default logger writing to stderr in the given style.
void setup(spdlog::level::level_enum level, Style style);

// Parses "trace|debug|info|warn|error|critical|off".
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

// Replaces Kubernetes bootstrap tokens ("abcdef.0123456789abcdef"), their secret half in
// "token-secret: ..." and PEM private key blocks with "<redacted>".
std::string redact(std::string_view text);

// "<6>" etc.: the sd-daemon(3) priority prefix for a level.
std::string_view journal_prefix(spdlog::level::level_enum level);

}  // namespace kc::log
