// Finding the instance-store disks of an EC2 instance from sysfs (under the Host's root): NVMe
// devices whose controller model reads "Amazon EC2 NVMe Instance Storage" on Nitro instances,
// and on older Xen instances the ephemeralN entries of IMDS block-device-mapping. Each disk
// found is checked against the rules that keep kc off disks it must never touch: the root disk,
// a mounted disk, a disk in use by another device (dm, swap), a disk with partitions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/aws/identity.h"
#include "common/core/error.h"
#include "common/core/host.h"

namespace kc::storage {

inline constexpr const char* kInstanceStoreModel = "Amazon EC2 NVMe Instance Storage";
inline constexpr const char* kEbsModel = "Amazon Elastic Block Store";

enum class DiskSource {
  nvme_instance_store,  // NVMe model "Amazon EC2 NVMe Instance Storage"
  xen_ephemeral,        // IMDS block-device-mapping/ephemeralN
  given,                // --ephemeral-device
};

struct Disk {
  std::string name;    // "nvme1n1", as in /sys/block
  std::string device;  // "/dev/nvme1n1"
  std::uint64_t size_bytes = 0;
  DiskSource source = DiskSource::given;
  std::string origin;       // "NVMe instance storage", "IMDS ephemeral0", "--ephemeral-device"
  std::string skip_reason;  // why kc must not touch it; empty: usable as far as sysfs tells
  std::vector<std::string> md_holders;  // md arrays the disk belongs to ("md127")
};

// What discovery found: the candidate disks (usable or skipped, in /sys/block order) and notes
// about devices that are not candidates at all ("nvme0n1: EBS volume").
struct Discovery {
  std::vector<Disk> disks;
  std::vector<std::string> notes;
};

// The paths kc itself mounts the instance store on; a disk mounted only there is kc's own.
bool is_kc_mount_path(const std::string& mount_point);

// Discovers the disks. `given` (device paths) replaces discovery: those disks are taken as they
// are, still subject to every rule. `metadata` may be null (no IMDS: no Xen ephemeral disks);
// it is asked only when no NVMe instance storage exists and the host has Xen block devices.
Result<Discovery> discover_disks(const Host& host, aws::InstanceMetadata* metadata,
                                 const std::vector<std::string>& given);

// One mount of /proc/1/mountinfo.
struct Mount {
  std::string dev;  // "259:3"
  std::string mount_point;
  std::string source;  // "/dev/nvme0n1p9"
};
std::vector<Mount> parse_mountinfo(const std::string& text);

}  // namespace kc::storage
