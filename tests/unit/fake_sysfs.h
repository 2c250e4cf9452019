// A fake /sys/block and /proc/1/mountinfo under a scratch root, in the layout the kernel uses,
// for the storage tests: disks with a dev number, size and NVMe model, partitions, holders, and
// mounts.
#pragma once

#include <string>

#include "scratch_dir.h"

class FakeSysfs {
 public:
  explicit FakeSysfs(const ScratchDir& dir) : dir_(dir) {
    dir_.write("proc/1/mountinfo", "");
    dir_.write("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
  }

  // A whole disk; `model` empty: no device/model file (loop, xvd).
  void disk(const std::string& name, const std::string& dev, const std::string& model,
            unsigned long long sectors = 2097152) const {
    dir_.write("sys/block/" + name + "/dev", dev + "\n");
    dir_.write("sys/block/" + name + "/size", std::to_string(sectors) + "\n");
    std::filesystem::create_directories(dir_ / ("sys/block/" + name + "/holders"));
    if (!model.empty()) dir_.write("sys/block/" + name + "/device/model", model + "    \n");
  }
  void partition(const std::string& disk, const std::string& part, const std::string& dev) const {
    dir_.write("sys/block/" + disk + "/" + part + "/partition", "1\n");
    dir_.write("sys/block/" + disk + "/" + part + "/dev", dev + "\n");
    std::filesystem::create_directories(dir_ / ("sys/block/" + disk + "/" + part + "/holders"));
  }
  // `holder` (md127, dm-0) is stacked on `disk`, itself a /sys/block entry with `slaves`.
  void holder(const std::string& disk, const std::string& holder, const std::string& dev) const {
    dir_.write("sys/block/" + disk + "/holders/" + holder, "");
    dir_.write("sys/block/" + holder + "/dev", dev + "\n");
    dir_.write("sys/block/" + holder + "/size", "4194304\n");
    dir_.write("sys/block/" + holder + "/slaves/" + disk, "");
  }
  void mount(const std::string& dev, const std::string& mount_point,
             const std::string& source) const {
    std::string text = dir_.read("proc/1/mountinfo");
    text += std::to_string(30 + text.size() % 97) + " 1 " + dev + " / " + mount_point +
            " rw,relatime shared:1 - ext4 " + source + " rw\n";
    dir_.write("proc/1/mountinfo", text);
  }

 private:
  const ScratchDir& dir_;
};
