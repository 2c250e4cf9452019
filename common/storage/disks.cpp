#include "common/storage/disks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

namespace kc::storage {
namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// "\040" in mountinfo is a space.
std::string unescape_octal(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + static_cast<long>(i) + 1, s.begin() + static_cast<long>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Result<std::optional<std::string>> read_sys(const Host& host, const std::string& path) {
  auto text = host.read_file(path);
  if (!text) return std::move(text).error();
  if (!text->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(trim(**text));
}

// A whole disk's state from sysfs: its dev numbers (itself and its partitions), partitions,
// holders.
struct SysDisk {
  std::vector<std::string> devs;  // "259:1", then each partition's
  std::vector<std::string> partitions;
  std::vector<std::string> holders;  // of the disk and of its partitions
  std::uint64_t size_bytes = 0;
};

Result<SysDisk> read_sys_disk(const Host& host, const std::string& name) {
  const std::string dir = "/sys/block/" + name;
  SysDisk d;
  auto dev = read_sys(host, dir + "/dev");
  if (!dev) return std::move(dev).error();
  if (dev->has_value()) d.devs.push_back(**dev);
  auto size = read_sys(host, dir + "/size");
  if (!size) return std::move(size).error();
  if (size->has_value()) {
    try {
      d.size_bytes = std::stoull(**size) * 512;  // always 512-byte sectors in sysfs
    } catch (const std::exception&) {
      return Error{"read disk size", host.path(dir + "/size").string(), "not a number", ""};
    }
  }
  auto entries = host.list(dir);
  if (!entries) return std::move(entries).error();
  auto add_holders = [&](const std::string& holders_dir) -> Status {
    auto holders = host.list(holders_dir);
    if (!holders) return std::move(holders).error();
    d.holders.insert(d.holders.end(), holders->begin(), holders->end());
    return {};
  };
  KC_TRY(add_holders(dir + "/holders"));
  for (const std::string& entry : *entries) {
    if (!entry.starts_with(name)) continue;
    auto is_partition = host.stat(dir + "/" + entry + "/partition");
    if (!is_partition) return std::move(is_partition).error();
    if (!is_partition->has_value()) continue;
    d.partitions.push_back(entry);
    auto part_dev = read_sys(host, dir + "/" + entry + "/dev");
    if (!part_dev) return std::move(part_dev).error();
    if (part_dev->has_value()) d.devs.push_back(**part_dev);
    KC_TRY(add_holders(dir + "/" + entry + "/holders"));
  }
  return d;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Applies the rules to one disk; the first that matches is the reason.
Result<std::string> skip_reason(const Host& host, const std::string& name, const SysDisk& d,
                                const std::vector<Mount>& mounts,
                                const std::vector<std::string>& swaps,
                                std::vector<std::string>& md_holders) {
  // Devices stacked on the disk (dm, md) and their dev numbers, for the root check.
  std::vector<std::string> holder_devs;
  for (const std::string& holder : d.holders) {
    auto dev = read_sys(host, "/sys/block/" + holder + "/dev");
    if (!dev) return std::move(dev).error();
    if (dev->has_value()) holder_devs.push_back(**dev);
  }
  for (const Mount& m : mounts) {
    if (m.mount_point != "/" && m.mount_point != "/usr") continue;
    if (contains(d.devs, m.dev) || contains(holder_devs, m.dev))
      return fmt::format("holds the root filesystem ({} on {})", m.mount_point, m.source);
  }
  for (const Mount& m : mounts) {
    if (contains(d.devs, m.dev) && !is_kc_mount_path(m.mount_point))
      return fmt::format("is mounted ({} at {})", m.source, m.mount_point);
  }
  for (const std::string& swap : swaps) {
    const std::string base = swap.substr(swap.rfind('/') + 1);
    if (base == name || contains(d.partitions, base))
      return fmt::format("is in use as swap ({})", swap);
  }
  for (const std::string& holder : d.holders) {
    if (!holder.starts_with("md")) return fmt::format("is in use by {}", holder);
    if (!contains(md_holders, holder)) md_holders.push_back(holder);
  }
  if (!d.partitions.empty())
    return fmt::format("carries a partition table (partitions {})", fmt::join(d.partitions, ", "));
  if (d.size_bytes == 0) return std::string("has no medium (size 0)");
  return std::string();
}

std::vector<std::string> parse_swaps(const std::string& text) {
  std::vector<std::string> out;
  auto lines = lines_of(text);
  for (std::size_t i = 1; i < lines.size(); ++i)
    out.push_back(lines[i].substr(0, lines[i].find_first_of(" \t")));
  return out;
}

// The Xen block device IMDS calls "sdb" (or "/dev/sdb"): the kernel names it xvdb.
std::optional<std::string> xen_device_name(const Host& host, const std::string& imds_name,
                                           const std::vector<std::string>& block) {
  std::string n = imds_name.starts_with("/dev/") ? imds_name.substr(5) : imds_name;
  if (contains(block, n)) return n;
  if (n.starts_with("sd")) {
    const std::string xvd = "xvd" + n.substr(2);
    if (contains(block, xvd)) return xvd;
  }
  (void)host;
  return std::nullopt;
}

}  // namespace

bool is_kc_mount_path(const std::string& p) {
  for (const char* kc :
       {"/var/mnt/ephemeral", "/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"}) {
    const std::string_view k(kc);
    if (p == k || (p.starts_with(k) && p.size() > k.size() && p[k.size()] == '/')) return true;
  }
  return false;
}

std::vector<Mount> parse_mountinfo(const std::string& text) {
  std::vector<Mount> out;
  for (const std::string& line : lines_of(text)) {
    std::istringstream in(line);
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    auto sep = std::find(f.begin(), f.end(), "-");
    if (f.size() < 5 || sep == f.end() || f.end() - sep < 3) continue;
    out.push_back({f[2], unescape_octal(f[4]), unescape_octal(*(sep + 2))});
  }
  return out;
}

Result<Discovery> discover_disks(const Host& host, aws::InstanceMetadata* metadata,
                                 const std::vector<std::string>& given) {
  Discovery found;
  auto block = host.list("/sys/block");
  if (!block) return std::move(block).error();
  if (block->empty() && given.empty()) {
    found.notes.push_back(fmt::format("no disks looked for: {} is empty or missing",
                                      host.path("/sys/block").string()));
    return found;
  }

  auto add = [&](const std::string& name, DiskSource source, std::string origin) {
    if (std::any_of(found.disks.begin(), found.disks.end(),
                    [&](const Disk& d) { return d.name == name; }))
      return;
    found.disks.push_back({name, "/dev/" + name, 0, source, std::move(origin), "", {}});
  };

  if (!given.empty()) {
    for (const std::string& device : given) {
      const std::string name = device.substr(device.rfind('/') + 1);
      if (!device.starts_with("/dev/") || !contains(*block, name))
        return Error{"--ephemeral-device", device, "not a whole disk listed in /sys/block",
                     "give a device path such as /dev/nvme1n1"};
      add(name, DiskSource::given, "--ephemeral-device");
    }
  } else {
    for (const std::string& name : *block) {
      if (!name.starts_with("nvme")) continue;
      auto model = read_sys(host, "/sys/block/" + name + "/device/model");
      if (!model) return std::move(model).error();
      const std::string m = model->value_or("");
      if (m == kInstanceStoreModel) {
        add(name, DiskSource::nvme_instance_store, "NVMe instance storage");
      } else if (m == kEbsModel) {
        found.notes.push_back(fmt::format("{}: an EBS volume, not instance storage", name));
      } else {
        found.notes.push_back(
            fmt::format("{}: NVMe model \"{}\" is not instance storage", name, m));
      }
    }
    const bool xen = std::any_of(block->begin(), block->end(),
                                 [](const std::string& n) { return n.starts_with("xvd"); });
    if (found.disks.empty() && xen && metadata != nullptr) {
      auto mapping = metadata->get("block-device-mapping/");
      if (!mapping) {
        found.notes.push_back(
            fmt::format("no Xen ephemeral disks looked up: {}", mapping.error().message()));
      } else {
        for (const std::string& entry : lines_of(mapping->value_or(""))) {
          if (!entry.starts_with("ephemeral")) continue;
          auto target = metadata->get("block-device-mapping/" + entry);
          if (!target) return std::move(target).error().context("find Xen ephemeral disks");
          const std::string imds_name = trim(target->value_or(""));
          auto name = xen_device_name(host, imds_name, *block);
          if (!name) {
            found.notes.push_back(
                fmt::format("{}: IMDS maps it to {}, which is not in /sys/block (not attached?)",
                            entry, imds_name));
            continue;
          }
          add(*name, DiskSource::xen_ephemeral, "IMDS " + entry);
        }
      }
    }
  }

  auto mountinfo = host.read_file("/proc/1/mountinfo");
  if (!mountinfo) return std::move(mountinfo).error();
  if (!mountinfo->has_value())
    return Error{"find disks", host.path("/proc/1/mountinfo").string(), "missing",
                 "is /proc mounted under the root?"};
  const std::vector<Mount> mounts = parse_mountinfo(**mountinfo);
  auto swaps_text = host.read_file("/proc/swaps");
  if (!swaps_text) return std::move(swaps_text).error();
  const std::vector<std::string> swaps = parse_swaps(swaps_text->value_or(""));

  for (Disk& disk : found.disks) {
    auto sys = read_sys_disk(host, disk.name);
    if (!sys) return std::move(sys).error().context("find disks");
    disk.size_bytes = sys->size_bytes;
    auto reason = skip_reason(host, disk.name, *sys, mounts, swaps, disk.md_holders);
    if (!reason) return std::move(reason).error().context("find disks");
    disk.skip_reason = std::move(*reason);
  }
  return found;
}

}  // namespace kc::storage
