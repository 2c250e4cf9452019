// Process exit codes of kc-leader and kc-worker (documented in README.md).
#pragma once

namespace kc::exit_code {
inline constexpr int ok = 0;
inline constexpr int failed = 1;  // the operation failed; the error says what, where and why
inline constexpr int usage = 2;   // unknown flag, bad value, unreadable or invalid --config
inline constexpr int locked = 3;  // another kc holds the lock under /run
}  // namespace kc::exit_code
