#include "common/assets/progress.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

namespace kc {
namespace {

using Clock = std::chrono::steady_clock;

std::string eta(uint64_t left, double rate) {
  if (rate <= 0) return "--";
  const auto seconds = static_cast<uint64_t>(static_cast<double>(left) / rate + 0.5);
  return seconds >= 60 ? fmt::format("{}m{:02}s", seconds / 60, seconds % 60)
                       : fmt::format("{}s", seconds);
}

struct Display {
  bool terminal = false;
  std::function<void(const std::string&)> note;
  Clock::time_point start = Clock::now();
  Clock::time_point last_log = Clock::now();
  size_t lines_drawn = 0;

  void operator()(const std::vector<ProgressItem>& items, bool final) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count() + 1e-9;
    uint64_t received = 0, total = 0;
    bool totals_known = true;
    for (const auto& i : items) {
      received += i.received;
      total += i.total;
      totals_known = totals_known && i.total > 0;
    }
    const double rate = static_cast<double>(received) / elapsed;
    if (!terminal) {
      if (!final && Clock::now() - last_log < std::chrono::seconds(5)) return;
      last_log = Clock::now();
      if (final) {
        note(fmt::format("downloaded {} in {:.1f} s ({}/s)", format_bytes(received), elapsed,
                         format_bytes(static_cast<uint64_t>(rate))));
      } else {
        note(fmt::format("downloading: {} of {} ({:.0f}%), {}/s, ETA {}", format_bytes(received),
                         totals_known ? format_bytes(total) : std::string("?"),
                         totals_known && total > 0
                             ? 100.0 * static_cast<double>(received) / static_cast<double>(total)
                             : 0.0,
                         format_bytes(static_cast<uint64_t>(rate)),
                         totals_known ? eta(total - std::min(total, received), rate) : "--"));
      }
      return;
    }
    std::string out;
    if (lines_drawn > 0) out += fmt::format("\033[{}A", lines_drawn);
    for (const auto& i : items) {
      const double item_rate = static_cast<double>(i.received) / elapsed;
      out += fmt::format(
          "\033[2K  {:<14} {:>9} / {:>9}  {:>9}/s  {}\n", i.label, format_bytes(i.received),
          i.total ? format_bytes(i.total) : "?", format_bytes(static_cast<uint64_t>(item_rate)),
          i.finished
              ? "done"
              : (i.total ? "ETA " + eta(i.total - std::min(i.total, i.received), item_rate) : ""));
    }
    out += fmt::format(
        "\033[2K  {:<14} {:>9} / {:>9}  {:>9}/s  {}\n", "total", format_bytes(received),
        totals_known ? format_bytes(total) : "?", format_bytes(static_cast<uint64_t>(rate)),
        final ? "done"
              : (totals_known ? "ETA " + eta(total - std::min(total, received), rate) : ""));
    lines_drawn = items.size() + 1;
    std::fputs(out.c_str(), stderr);
    std::fflush(stderr);
  }
};

}  // namespace

std::string format_bytes(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  if (bytes < 1000 * 1000) return fmt::format("{:.1f} kB", static_cast<double>(bytes) / 1e3);
  if (bytes < 1000ULL * 1000 * 1000)
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
  return fmt::format("{:.2f} GB", static_cast<double>(bytes) / 1e9);
}

std::function<void(const std::vector<ProgressItem>&, bool)> make_progress_display(
    bool terminal, std::function<void(const std::string&)> note) {
  auto display = std::make_shared<Display>();
  display->terminal = terminal;
  display->note = std::move(note);
  return
      [display](const std::vector<ProgressItem>& items, bool final) { (*display)(items, final); };
}

}  // namespace kc
