#include "common/storage/block_devices.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sstream>

namespace kc::storage {

std::string Probe::get(const std::string& key) const {
  auto it = values.find(key);
  return it == values.end() ? std::string() : it->second;
}

std::string Probe::describe() const {
  if (ambivalent) return "several signatures (blkid finds them ambivalent)";
  std::string what;
  if (!get("PTTYPE").empty()) {
    what = get("PTTYPE") + " partition table";
  } else if (get("TYPE") == "linux_raid_member") {
    what = "md RAID member";
  } else if (!get("TYPE").empty()) {
    what = get("TYPE") +
           (get("USAGE") == "filesystem" || get("USAGE").empty() ? " filesystem" : " signature");
  } else {
    what = "signature";
  }
  std::vector<std::string> ids;
  for (const char* key : {"LABEL", "UUID", "PTUUID"}) {
    if (!get(key).empty()) ids.push_back(fmt::format("{}={}", key, get(key)));
  }
  if (!ids.empty()) what += fmt::format(" ({})", fmt::join(ids, ", "));
  return what;
}

Probe parse_blkid_export(const std::string& text) {
  Probe probe;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string key = line.substr(0, eq);
    if (key == "DEVNAME") continue;  // the device asked about, not a signature
    probe.values[key] = line.substr(eq + 1);
  }
  return probe;
}

std::string Command::text() const {
  return fmt::format("{}", fmt::join(argv, " "));
}

}  // namespace kc::storage
