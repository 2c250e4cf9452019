#include "common/core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <regex>

namespace kc::log {
namespace {

// Writes each formatted line, redacted, to stderr.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StderrSink(Style style) : style_(style) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string line = redact(std::string_view(buf.data(), buf.size()));
    if (style_ == Style::journal) {
      // journald takes one record per line: fold embedded newlines so an event stays one record.
      if (!line.empty() && line.back() == '\n') line.pop_back();
      for (char& c : line) {
        if (c == '\n') c = ' ';
      }
      line = std::string(journal_prefix(msg.level)) + line + "\n";
    } else if (style_ == Style::terminal) {
      line = colour(msg.level, line);
    }
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  static std::string colour(spdlog::level::level_enum level, const std::string& line) {
    const char* code = nullptr;
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        code = "\033[2m";
        break;
      case spdlog::level::warn:
        code = "\033[33m";
        break;
      case spdlog::level::err:
        code = "\033[31m";
        break;
      case spdlog::level::critical:
        code = "\033[1;31m";
        break;
      default:
        return line;
    }
    std::string out = code;
    size_t end = line.size();
    if (end > 0 && line[end - 1] == '\n') --end;
    out.append(line, 0, end);
    out += "\033[0m\n";
    return out;
  }

  Style style_;
};

}  // namespace

Style detect_style() {
  if (const char* stream = std::getenv("JOURNAL_STREAM")) {
    unsigned long long dev = 0, ino = 0;
    struct stat st {};
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
        st.st_dev == dev && st.st_ino == ino) {
      return Style::journal;
    }
  }
  return isatty(STDERR_FILENO) ? Style::terminal : Style::plain;
}

void setup(spdlog::level::level_enum level, Style style) {
  auto sink = std::make_shared<StderrSink>(style);
  // The journal adds its own timestamps, and a terminal user wants the message first; other
  // destinations (files, pipes) get a timestamp and the level.
  sink->set_pattern(style == Style::plain ? "%Y-%m-%dT%H:%M:%S.%e %l %v" : "%v");
  auto logger = std::make_shared<spdlog::logger>("kc", sink);
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  auto level = spdlog::level::from_str(std::string(name));
  // from_str maps unknown names to "off"; only "off" itself may mean off.
  if (level == spdlog::level::off && name != "off") return std::nullopt;
  return level;
}

std::string_view journal_prefix(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "<7>";
    case spdlog::level::info:
      return "<6>";
    case spdlog::level::warn:
      return "<4>";
    case spdlog::level::err:
      return "<3>";
    case spdlog::level::critical:
      return "<2>";
    default:
      return "<6>";
  }
}

std::string redact(std::string_view text) {
  static const std::regex patterns[] = {
      std::regex(R"(-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----)"),
      std::regex(R"(\b[a-z0-9]{6}\.[a-z0-9]{16}\b)"),
      std::regex(R"((token-secret|client-key-data)(["':= ]+)[A-Za-z0-9+/=._-]+)"),
  };
  std::string out(text);
  out = std::regex_replace(out, patterns[0], "<redacted private key>");
  out = std::regex_replace(out, patterns[1], "<redacted token>");
  out = std::regex_replace(out, patterns[2], "$1$2<redacted>");
  return out;
}

}  // namespace kc::log
