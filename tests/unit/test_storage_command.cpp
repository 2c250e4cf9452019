#include "bootstrap/storage_command.h"

#include <doctest/doctest.h>

#include "bootstrap/phases/phases.h"
#include "bootstrap/worker_config.h"
#include "scratch_dir.h"

TEST_CASE("kc-worker storage: a dry run under a root without sysfs finds nothing and succeeds") {
  ScratchDir dir;
  kc::cli::GlobalOptions global;
  global.root = dir.path().string();
  global.dry_run = true;
  CHECK(kc::worker::run_storage_command({}, global) == 0);
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
}

TEST_CASE("kc-worker storage: a bad --ephemeral-fs from --config is a usage error") {
  kc::cli::GlobalOptions global;
  global.dry_run = true;
  CHECK(kc::worker::run_storage_command({true, "zfs", {}}, global) == 2);
}

TEST_CASE("the storage phase: the disks, the filesystem's mount, its directories, the binds") {
  kc::Phase phase = kc::worker::storage_phase(kc::storage::StorageOptions{});
  CHECK(phase.name == "storage");
  REQUIRE(phase.steps.size() == 4);
  CHECK(phase.steps[0]->describe().find("instance-store disks") == 0);
  CHECK(phase.steps[1]->needs_systemd());
  CHECK(phase.steps[3]->describe().find("kc-storage.service") != std::string::npos);
  CHECK(kc::worker::storage_phase(kc::storage::StorageOptions{false, "ext4", {}}).steps.empty());
}
