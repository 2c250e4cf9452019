// A Type=notify service for the systemd tests, speaking sd_notify through kc::Notifier: sends
// READY=1 and STATUS=TEXT, then WATCHDOG=1 at half the watchdog interval PINGS times (forever if
// PINGS is negative), then stops pinging and sleeps, so that systemd's watchdog must act.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "common/systemd/sd_notify.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: kc-notify-probe STATUS PINGS\n");
    return 2;
  }
  const kc::Notifier notifier = kc::Notifier::from_environment();
  const long pings = std::strtol(argv[2], nullptr, 10);
  auto sent = notifier.status(argv[1]);
  if (sent) sent = notifier.ready();
  if (!sent) {
    std::fprintf(stderr, "kc-notify-probe: %s\n", sent.error().message().c_str());
    return 1;
  }
  const auto interval = notifier.watchdog_interval().value_or(std::chrono::seconds(2)) / 2;
  for (long i = 0; pings < 0 || i < pings; ++i) {
    std::this_thread::sleep_for(interval);
    (void)notifier.watchdog();
  }
  (void)notifier.status(std::string(argv[1]) + " (stopped pinging the watchdog)");
  for (;;) pause();
}
