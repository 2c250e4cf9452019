// The seam between kc and the host's block devices, as Host is for files: what is on a device
// (blkid) and the programs that change devices (wipefs, mdadm, mkfs.ext4, mkfs.xfs). The real one
// runs those programs and parses their output; unit tests use a fake that records every command.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::storage {

// What blkid's low-level probe (blkid -p -o export) found on a device.
struct Probe {
  std::map<std::string, std::string> values;  // TYPE, LABEL, UUID, PTTYPE, ...
  bool ambivalent = false;                    // several signatures (blkid exit code 8)

  bool blank() const { return values.empty() && !ambivalent; }
  std::string get(const std::string& key) const;
  // "ext4 filesystem (LABEL=data, UUID=...)", "gpt partition table", for messages.
  std::string describe() const;
};

// Parses `blkid -p -o export` output (KEY=value lines).
Probe parse_blkid_export(const std::string& text);

// One program run: argv[0] is the program's name ("mdadm"); the real seam finds it in /usr/sbin,
// /sbin or /usr/bin.
struct Command {
  std::vector<std::string> argv;
  std::string text() const;  // "mdadm --create ..." as shown in the plan
};

class BlockDevices {
 public:
  virtual ~BlockDevices() = default;
  // Observes only: blkid -p -o export DEVICE.
  virtual Result<Probe> probe(const std::string& device) = 0;
  // Runs a command that changes a device; an error carries the program's last output lines.
  virtual Status run(const Command& command) = 0;
};

// The real seam: runs the programs (kc::run_process).
class ProgramBlockDevices final : public BlockDevices {
 public:
  Result<Probe> probe(const std::string& device) override;
  Status run(const Command& command) override;
};

}  // namespace kc::storage
