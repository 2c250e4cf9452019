// What kc does with the disks it found: nothing (no usable disk), reuse what it made earlier
// (found by its label "kc-ephemeral"), assemble its earlier array, or make everything anew
// (one disk: a filesystem on it; two or more: a RAID0 array with mdadm, then the filesystem).
// A pure function of what discovery and blkid found, so every case is a unit test.
#pragma once

#include <string>
#include <vector>

#include "common/storage/block_devices.h"
#include "common/storage/disks.h"

namespace kc::storage {

// The filesystem label and the md array name kc writes. At most 12 characters (xfs's limit).
inline constexpr const char* kLabel = "kc-ephemeral";
inline constexpr const char* kArrayDevice = "/dev/md/kc-ephemeral";

enum class DiskState {
  blank,          // no signature at all
  kc_member,      // a member of an md array kc made (name kc-ephemeral)
  kc_filesystem,  // an ext4 or xfs filesystem labelled kc-ephemeral
  foreign,        // anything else: never touched
};
DiskState classify(const Probe& probe);

struct ProbedDisk {
  Disk disk;
  Probe probe;
};

// An md array that already runs on some of the disks, and what is on it.
struct ActiveArray {
  std::string name;                  // "md127"
  std::vector<std::string> members;  // disk names ("nvme1n1")
  Probe probe;
};

enum class Action {
  none,             // nothing usable: containerd and kubelet stay on the root volume
  reuse,            // kc's filesystem is there (on the disk or on kc's array)
  make_filesystem,  // on a blank disk or a blank kc array
  assemble,         // kc's array is on the disks but not running: assemble it, reuse its data
  create,           // RAID0 of all the disks (wiping what kc wrote earlier), then a filesystem
};

struct Decision {
  Action action = Action::none;
  std::string device;                // where the filesystem is, or will be
  std::string filesystem;            // ext4 or xfs (the existing one when reused)
  std::vector<std::string> disks;    // the devices it uses
  std::vector<Command> commands;     // to run, in order
  std::vector<std::string> skipped;  // "/dev/sdb (NVMe instance storage): why", one per disk
  std::string summary;               // what is (or will be) there
};

// `filesystem` is --ephemeral-fs (ext4 or xfs); it applies to filesystems kc makes.
Decision decide(const std::vector<ProbedDisk>& disks, const std::vector<ActiveArray>& arrays,
                const std::string& filesystem);

// The commands kc runs to make a filesystem.
Command mkfs_command(const std::string& filesystem, const std::string& device);

}  // namespace kc::storage
