// ProgramBlockDevices: the real block-device seam. It runs blkid, wipefs, mdadm and mkfs as
// programs (kc::run_process, no shell) on the devices of the machine kc runs on: device nodes
// are never mapped under --root, only the files kc writes are.
#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "common/core/process.h"
#include "common/storage/block_devices.h"

namespace kc::storage {
namespace {

// mkfs of a large array and mdadm's wait for udev take a while, never this long.
constexpr std::chrono::seconds kTimeout{600};

Result<std::string> find_program(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    const std::string path = fmt::format("{}/{}", dir, name);
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0)
      return path;
  }
  return Error{"find program", name, "not in /usr/sbin, /sbin, /usr/bin or /bin",
               "Flatcar ships it; on Debian install mdadm, xfsprogs, e2fsprogs, util-linux"};
}

std::string tail(const ProcessResult& result) {
  return fmt::format("{}", fmt::join(result.last_lines, " | "));
}

}  // namespace

Result<Probe> ProgramBlockDevices::probe(const std::string& device) {
  // blkid says "nothing found" (exit code 2) also for a device that does not exist.
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0)
    return errno_error("probe", device).context("find what is on the disk");
  if (!S_ISBLK(st.st_mode)) return Error{"probe", device, "not a block device", ""};
  auto blkid = find_program("blkid");
  if (!blkid) return std::move(blkid).error();
  ProcessSpec spec;
  spec.argv = {*blkid, "-p", "-o", "export", device};
  spec.capture_stdout = true;
  spec.timeout = kTimeout;
  auto result = run_process(spec);
  if (!result) return std::move(result).error();
  if (result->exit_code == 2 && !result->timed_out && result->signal == 0) return Probe{};
  if (result->exit_code == 8) {
    Probe ambivalent = parse_blkid_export(result->standard_output);
    ambivalent.ambivalent = true;
    return ambivalent;
  }
  if (!result->succeeded())
    return Error{"blkid -p", device, fmt::format("{}: {}", result->describe_end(), tail(*result)),
                 ""};
  return parse_blkid_export(result->standard_output);
}

Status ProgramBlockDevices::run(const Command& command) {
  auto program = find_program(command.argv.at(0));
  if (!program) return std::move(program).error();
  ProcessSpec spec;
  spec.argv = command.argv;
  spec.argv[0] = *program;
  spec.timeout = kTimeout;
  auto result = run_process(spec);
  if (!result) return std::move(result).error();
  if (!result->succeeded())
    return Error{"run", command.text(),
                 fmt::format("{}: {}", result->describe_end(), tail(*result)), ""};
  return {};
}

}  // namespace kc::storage
