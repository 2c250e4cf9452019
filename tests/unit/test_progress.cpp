#include "common/assets/progress.h"

#include <doctest/doctest.h>

using namespace kc;

TEST_CASE("byte counts are shown in decimal units") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(999) == "999 B");
  CHECK(format_bytes(1500) == "1.5 kB");
  CHECK(format_bytes(80000000) == "80.0 MB");
  CHECK(format_bytes(2500000000ULL) == "2.50 GB");
}

TEST_CASE("off a terminal, progress lines go to the reporter's note, unknown totals as ?") {
  std::vector<std::string> notes;
  auto display =
      make_progress_display(false, [&](const std::string& line) { notes.push_back(line); });
  std::vector<ProgressItem> items{{"kubelet", 100, 0, false}, {"kubeadm", 50, 100, false}};
  display(items, false);  // within 5 s of the start: no line yet
  CHECK(notes.empty());
  items[0].total = 100;
  items[0].finished = items[1].finished = true;
  display(items, true);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].starts_with("downloaded 150 B in "));
}
