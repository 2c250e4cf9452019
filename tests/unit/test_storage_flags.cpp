#include "common/cli/storage_flags.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "common/cli/cli.h"

namespace {

struct TestApp {
  kc::cli::GlobalOptions global;
  std::unique_ptr<CLI::App> app = kc::cli::make_app("kc-test", "test", global);
  kc::storage::StorageOptions options;

  explicit TestApp(bool with_switch) {
    kc::cli::add_storage_flags(kc::cli::add_command(*app, "storage", "storage"), options,
                               with_switch);
  }
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app->parse(args);
  }
};

}  // namespace

TEST_CASE("storage flags: defaults, values, repeated devices") {
  TestApp defaults(false);
  defaults.parse({"storage"});
  CHECK(defaults.options.enabled);
  CHECK(defaults.options.filesystem == "ext4");
  CHECK(defaults.options.devices.empty());

  TestApp t(true);
  t.parse({"storage", "--ephemeral-fs", "xfs", "--ephemeral-device", "/dev/nvme1n1",
           "--ephemeral-device", "/dev/nvme2n1", "--ephemeral-storage", "off"});
  CHECK(t.options.filesystem == "xfs");
  CHECK(t.options.devices == std::vector<std::string>{"/dev/nvme1n1", "/dev/nvme2n1"});
  CHECK_FALSE(t.options.enabled);
}

TEST_CASE("bad storage flag values are usage errors naming the flag") {
  TestApp t(false);
  CHECK_THROWS_AS(t.parse({"storage", "--ephemeral-fs", "btrfs"}), CLI::ValidationError);
  TestApp d(false);
  try {
    d.parse({"storage", "--ephemeral-device", "nvme1n1"});
    FAIL("no error for a device that is not a /dev path");
  } catch (const CLI::ValidationError& e) {
    CHECK(std::string(e.what()).find("--ephemeral-device") != std::string::npos);
  }
  TestApp s(false);
  CHECK_THROWS(s.parse({"storage", "--ephemeral-storage", "off"}));  // only where it is a switch
}

TEST_CASE("storage flags: the help shows the switch's default as on or off") {
  TestApp worker(true);
  CHECK(
      worker.app->get_subcommand("storage")->get_option("--ephemeral-storage")->get_default_str() ==
      "on");
  kc::cli::GlobalOptions global;
  auto app = kc::cli::make_app("kc-test", "test", global);
  kc::storage::StorageOptions leader{false, "ext4", {}, "/opt/bin/kc-leader"};
  CLI::App* init = kc::cli::add_command(*app, "init", "init");
  kc::cli::add_storage_flags(init, leader, true);
  CHECK(init->get_option("--ephemeral-storage")->get_default_str() == "off");
  std::vector<std::string> args{"on", "--ephemeral-storage", "init"};  // reversed
  app->parse(args);
  CHECK(leader.enabled);
}
