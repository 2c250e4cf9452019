// Download progress for people: on a terminal, a live display (one line per artifact and a total
// line: bytes, rate, ETA) redrawn in place on stderr; elsewhere (journal, CI logs) an info log
// line every few seconds, handed to `note` (the step's reporter).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/net/downloader.h"

namespace kc {

// "12.3 MB"
std::string format_bytes(uint64_t bytes);

// A progress callback for DownloadOptions::progress. Off a terminal, each progress line goes to
// `note`; on one, the live display is drawn on stderr.
std::function<void(const std::vector<ProgressItem>&, bool)> make_progress_display(
    bool terminal, std::function<void(const std::string&)> note);

}  // namespace kc
