#include "common/storage/storage_steps.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "common/aws/imds_client.h"
#include "common/storage/decision.h"
#include "common/storage/disks.h"
#include "common/storage/storage_units.h"

namespace kc::storage {
namespace {

// What the disks step decided, for the steps after it.
struct State {
  std::optional<Decision> decision;
  bool has_storage() const { return decision && decision->action != Action::none; }
};

constexpr const char* kNoStorage = "nothing to mount (no usable instance-store disk)";

Result<bool> mounted(const Host& host, const std::string& mount_point) {
  auto text = host.read_file("/proc/1/mountinfo");
  if (!text) return std::move(text).error();
  const auto mounts = parse_mountinfo(text->value_or(""));
  return std::any_of(mounts.begin(), mounts.end(),
                     [&](const Mount& m) { return m.mount_point == mount_point; });
}

class DisksStep final : public Step {
 public:
  DisksStep(StorageOptions options, std::shared_ptr<State> state, StorageSeams seams)
      : options_(std::move(options)), state_(std::move(state)), seams_(std::move(seams)) {}

  std::string describe() const override {
    return fmt::format("instance-store disks: {} at {}", options_.filesystem, kMountPoint);
  }

  Result<Findings> check(const StepContext& context) override {
    if (!metadata_ && seams_.metadata) metadata_ = seams_.metadata();
    auto found = discover_disks(context.host, metadata_.get(), options_.devices);
    if (!found) return std::move(found).error();
    for (const std::string& note : found->notes) context.info(note);

    std::vector<ProbedDisk> disks;
    std::vector<std::string> holders;
    for (const Disk& disk : found->disks) {
      ProbedDisk p{disk, {}};
      if (disk.skip_reason.empty()) {
        auto probe = seams_.devices->probe(disk.device);
        if (!probe) return std::move(probe).error();
        p.probe = std::move(*probe);
        for (const std::string& h : disk.md_holders) {
          if (std::find(holders.begin(), holders.end(), h) == holders.end()) holders.push_back(h);
        }
      }
      disks.push_back(std::move(p));
    }
    std::vector<ActiveArray> arrays;
    for (const std::string& md : holders) {
      auto members = context.host.list("/sys/block/" + md + "/slaves");
      if (!members) return std::move(members).error();
      auto probe = seams_.devices->probe("/dev/" + md);
      if (!probe) return std::move(probe).error();
      arrays.push_back({md, *members, std::move(*probe)});
    }
    Decision decision = decide(disks, arrays, options_.filesystem);
    for (const std::string& s : decision.skipped)
      context.warn(fmt::format("skipped {}; kc leaves it alone", s));
    Findings findings{{}, "instance store: " + decision.summary};
    if (!decision.commands.empty()) context.info("instance store: " + decision.summary);
    for (std::size_t i = 0; i < decision.commands.size(); ++i)
      findings.changes.push_back({Verb::run, decision.commands[i].text(), "", i});
    state_->decision = std::move(decision);
    return findings;
  }

  Status apply(const StepContext&, std::vector<Change>& changes) override {
    const Decision& d = *state_->decision;
    for (Change& change : changes) {
      auto ran = seams_.devices->run(d.commands.at(change.item));
      if (!ran && d.action == Action::assemble) {
        Error e = std::move(ran).error();
        e.hint =
            "a disk of kc's earlier array may be missing; kc makes the array again once its "
            "disks are blank (wipefs -a on each)";
        return e;
      }
      KC_TRY(std::move(ran));
    }
    if (d.action != Action::assemble) return {};
    // An array kc assembled again holds the filesystem kc made on it, unless the machine
    // stopped between mdadm and mkfs: then it gets one now.
    auto probe = seams_.devices->probe(d.device);
    if (!probe) return std::move(probe).error();
    const DiskState state = classify(*probe);
    if (state == DiskState::kc_filesystem) return {};
    if (state != DiskState::blank)
      return Error{"use kc's RAID0", d.device,
                   fmt::format("it carries {} that kc did not write", probe->describe()),
                   "kc leaves it alone; stop it (mdadm --stop) and wipe its disks to have kc "
                   "make it again"};
    KC_TRY(seams_.devices->run(mkfs_command(options_.filesystem, d.device)));
    if (!changes.empty())
      changes.back().detail =
          fmt::format("(no filesystem on it yet: made {})", options_.filesystem);
    return {};
  }

 private:
  StorageOptions options_;
  std::shared_ptr<State> state_;
  StorageSeams seams_;
  std::unique_ptr<aws::InstanceMetadata> metadata_;
};

// Units whose content is known only once the disks step has run.
class StorageUnitsStep final : public Step {
 public:
  StorageUnitsStep(std::string description, std::shared_ptr<State> state,
                   std::function<std::vector<UnitSpec>()> specs, UnitsStep::Connect connect)
      : description_(std::move(description)),
        state_(std::move(state)),
        specs_(std::move(specs)),
        connect_(std::move(connect)) {}

  std::string describe() const override { return description_; }
  bool needs_systemd() const override { return true; }

  Result<Findings> check(const StepContext& context) override {
    inner_.reset();
    if (!state_->has_storage()) return Findings{{}, kNoStorage};
    inner_ = std::make_unique<UnitsStep>(specs_(), connect_);
    return inner_->check(context);
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    return inner_->apply(context, changes);
  }

 private:
  std::string description_;
  std::shared_ptr<State> state_;
  std::function<std::vector<UnitSpec>()> specs_;
  UnitsStep::Connect connect_;
  std::unique_ptr<UnitsStep> inner_;
};

// The directories on kc's filesystem that the bind mounts need.
class DataDirsStep final : public Step {
 public:
  explicit DataDirsStep(std::shared_ptr<State> state) : state_(std::move(state)) {}

  std::string describe() const override {
    return fmt::format("data directories on {}", kMountPoint);
  }

  Result<Findings> check(const StepContext& context) override {
    if (!state_->has_storage()) return Findings{{}, kNoStorage};
    Findings findings{{}, describe()};
    for (std::size_t i = 0; i < bind_mounts().size(); ++i) {
      const BindMount& m = bind_mounts()[i];
      auto info = context.host.lstat(m.source);
      if (!info) return std::move(info).error();
      if (!info->has_value())
        findings.changes.push_back({Verb::create, m.source, "(directory)", i});
      auto on_store = mounted(context.host, m.target);
      if (!on_store) return std::move(on_store).error();
      if (*on_store) continue;
      auto entries = context.host.list(m.target);
      if (!entries) return std::move(entries).error();
      if (!entries->empty())
        context.warn(
            fmt::format("{} already holds {} entries on the root volume: the bind mount "
                        "hides them (restart what wrote them after this)",
                        m.target, entries->size()));
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    auto is_mounted = mounted(context.host, kMountPoint);
    if (!is_mounted) return std::move(is_mounted).error();
    if (!*is_mounted)
      return Error{"create the data directories", kMountPoint,
                   "kc's filesystem is not mounted there",
                   fmt::format("see why: journalctl -b -u {}", mount_unit_name(kMountPoint))};
    for (const Change& change : changes)
      KC_TRY(context.host.make_dirs(bind_mounts().at(change.item).source));
    return {};
  }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

Status check_storage_options(const StorageOptions& o) {
  if (o.filesystem != "ext4" && o.filesystem != "xfs")
    return Error{"--ephemeral-fs", o.filesystem, "expected ext4 or xfs", ""};
  for (const std::string& d : o.devices) {
    if (!d.starts_with("/dev/") || d.size() <= 5 || d.find("..") != std::string::npos ||
        d.find_first_of(" \t\n") != std::string::npos)
      return Error{"--ephemeral-device", d, "expected a device path such as /dev/nvme1n1", ""};
  }
  return {};
}

void add_storage_steps(Phase& phase, const StorageOptions& options, StorageSeams seams) {
  if (!options.enabled) return;
  if (!seams.devices) seams.devices = std::make_shared<ProgramBlockDevices>();
  if (!seams.metadata) {
    seams.metadata = [] {
      aws::ImdsOptions imds;
      imds.endpoint = aws::imds_endpoint_from_environment();
      return std::unique_ptr<aws::InstanceMetadata>(std::make_unique<aws::ImdsClient>(imds));
    };
  }
  auto state = std::make_shared<State>();
  const UnitsStep::Connect connect = seams.connect;
  phase.steps.push_back(std::make_unique<DisksStep>(options, state, std::move(seams)));
  phase.steps.push_back(std::make_unique<StorageUnitsStep>(
      fmt::format("{} at {}", mount_unit_name(kMountPoint), kMountPoint), state,
      [] { return std::vector<UnitSpec>{filesystem_mount_unit()}; }, connect));
  phase.steps.push_back(std::make_unique<DataDirsStep>(state));
  phase.steps.push_back(std::make_unique<StorageUnitsStep>(
      "bind mounts of /var/lib/containerd, /var/lib/kubelet, /var/log/pods; kc-storage.service",
      state, [options] { return bind_mount_units(options); }, connect));
}

}  // namespace kc::storage
