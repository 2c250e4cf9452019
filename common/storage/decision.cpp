#include "common/storage/decision.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace kc::storage {
namespace {

bool kc_array_name(const std::string& label) {
  const std::string name(kLabel);
  return label == name || (label.size() > name.size() && label.ends_with(":" + name));
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

std::string fs_of(const Probe& probe) {
  return probe.get("TYPE");
}

}  // namespace

DiskState classify(const Probe& probe) {
  if (probe.blank()) return DiskState::blank;
  if (probe.ambivalent || !probe.get("PTTYPE").empty()) return DiskState::foreign;
  const std::string type = probe.get("TYPE");
  if (type == "linux_raid_member" && kc_array_name(probe.get("LABEL"))) return DiskState::kc_member;
  if ((type == "ext4" || type == "xfs") && probe.get("LABEL") == kLabel)
    return DiskState::kc_filesystem;
  return DiskState::foreign;
}

Command mkfs_command(const std::string& filesystem, const std::string& device) {
  // No discard: instance-store disks come blank, and discarding a large disk takes minutes.
  if (filesystem == "xfs") return {{"mkfs.xfs", "-f", "-q", "-K", "-L", kLabel, device}};
  return {{"mkfs.ext4", "-F", "-q", "-m", "0", "-E", "nodiscard", "-L", kLabel, device}};
}

Decision decide(const std::vector<ProbedDisk>& disks, const std::vector<ActiveArray>& arrays,
                const std::string& filesystem) {
  Decision d;
  std::vector<const ProbedDisk*> usable;
  for (const ProbedDisk& p : disks) {
    const std::string who = fmt::format("{} ({})", p.disk.device, p.disk.origin);
    if (!p.disk.skip_reason.empty()) {
      d.skipped.push_back(fmt::format("{}: {}", who, p.disk.skip_reason));
    } else if (classify(p.probe) == DiskState::foreign) {
      d.skipped.push_back(
          fmt::format("{}: carries a signature kc did not write: {}", who, p.probe.describe()));
    } else {
      usable.push_back(&p);
    }
  }
  for (const ProbedDisk* p : usable) d.disks.push_back(p->disk.device);
  d.filesystem = filesystem;

  if (usable.empty()) {
    d.summary = "no usable instance-store disk: containerd and kubelet stay on the root volume";
    return d;
  }

  std::vector<std::string> names;
  for (const ProbedDisk* p : usable) names.push_back(p->disk.name);

  // kc's arrays already running on the usable disks.
  std::vector<const ActiveArray*> running;
  for (const ActiveArray& a : arrays) {
    if (std::any_of(a.members.begin(), a.members.end(), [&](const std::string& m) {
          return std::find(names.begin(), names.end(), m) != names.end();
        }))
      running.push_back(&a);
  }

  if (usable.size() >= 2) {
    for (const ActiveArray* a : running) {
      if (!same_set(a->members, names)) continue;
      d.device = "/dev/" + a->name;
      const DiskState on_array = classify(a->probe);
      if (on_array == DiskState::kc_filesystem) {
        d.action = Action::reuse;
        d.filesystem = fs_of(a->probe);
        d.summary = fmt::format("{} {} on RAID0 {} of {} disks, made by kc earlier", d.filesystem,
                                kLabel, d.device, usable.size());
        return d;
      }
      if (on_array == DiskState::blank) {
        d.action = Action::make_filesystem;
        d.commands.push_back(mkfs_command(filesystem, d.device));
        d.summary =
            fmt::format("{} on kc's RAID0 {} of {} disks", filesystem, d.device, usable.size());
        return d;
      }
      // Someone put their own data on kc's array: leave all of it alone.
      d.skipped.push_back(
          fmt::format("{} (kc's RAID0 of {}): carries a signature kc did not write: {}", d.device,
                      fmt::join(d.disks, ", "), a->probe.describe()));
      d.device.clear();
      d.disks.clear();
      d.summary = "no usable instance-store disk: containerd and kubelet stay on the root volume";
      return d;
    }
    const std::string uuid = usable.front()->probe.get("UUID");
    const bool one_array =
        running.empty() && std::all_of(usable.begin(), usable.end(), [&](auto* p) {
          return classify(p->probe) == DiskState::kc_member && p->probe.get("UUID") == uuid;
        });
    if (one_array) {
      d.action = Action::assemble;
      d.device = kArrayDevice;
      std::vector<std::string> argv{"mdadm", "--assemble", kArrayDevice, "--run"};
      argv.insert(argv.end(), d.disks.begin(), d.disks.end());
      d.commands.push_back({argv});
      d.summary =
          fmt::format("kc's RAID0 of {} disks (UUID {}), assembled again", usable.size(), uuid);
      return d;
    }
  } else {
    const ProbedDisk& p = *usable.front();
    const DiskState state = classify(p.probe);
    if (state == DiskState::kc_filesystem) {
      d.action = Action::reuse;
      d.device = p.disk.device;
      d.filesystem = fs_of(p.probe);
      d.summary = fmt::format("{} {} on {}, made by kc earlier", d.filesystem, kLabel, d.device);
      return d;
    }
  }

  // Make it all anew: stop kc's running arrays, wipe what kc wrote, RAID0 when 2 or more.
  d.action = usable.size() >= 2 ? Action::create : Action::make_filesystem;
  for (const ActiveArray* a : running)
    d.commands.push_back({{"mdadm", "--stop", "/dev/" + a->name}});
  for (const ProbedDisk* p : usable) {
    if (!p->probe.blank()) d.commands.push_back({{"wipefs", "-a", "-q", p->disk.device}});
  }
  if (usable.size() >= 2) {
    d.device = kArrayDevice;
    std::vector<std::string> argv{"mdadm",
                                  "--create",
                                  kArrayDevice,
                                  "--run",
                                  "--level=0",
                                  "--metadata=1.2",
                                  "--name=" + std::string(kLabel),
                                  "--homehost=any",
                                  fmt::format("--raid-devices={}", usable.size())};
    argv.insert(argv.end(), d.disks.begin(), d.disks.end());
    d.commands.push_back({argv});
    d.summary = fmt::format("{} on a new RAID0 {} of {} disks ({})", filesystem, d.device,
                            usable.size(), fmt::join(d.disks, ", "));
  } else {
    d.device = usable.front()->disk.device;
    d.summary = fmt::format("{} on {}", filesystem, d.device);
  }
  d.commands.push_back(mkfs_command(filesystem, d.device));
  return d;
}

}  // namespace kc::storage
