#include "common/cli/cli.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "scratch_dir.h"

namespace {

struct TestApp {
  kc::cli::GlobalOptions global;
  std::unique_ptr<CLI::App> app = kc::cli::make_app("kc-test", "test", global);
  std::string version = "1.36.3";
  CLI::App* init = nullptr;

  TestApp() {
    init = kc::cli::add_command(*app, "init", "init");
    init->add_option("--kubernetes-version", version);
  }
  void parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
    app->parse(args);
  }
};

}  // namespace

TEST_CASE("global options parse before and after the subcommand") {
  TestApp t;
  t.parse({"--root", "/tmp/r", "init", "--dry-run", "--log-level", "debug"});
  CHECK(t.global.root == "/tmp/r");
  CHECK(t.global.dry_run);
  CHECK(t.global.log_level == "debug");
  CHECK(t.init->parsed());
}

TEST_CASE("--config JSON sets options; the command line overrides it") {
  ScratchDir dir;
  dir.write("kc.json", R"({"root": "/from-config", "dry-run": true,
                          "init": {"kubernetes-version": "1.35.7"}})");
  TestApp t;
  t.parse({"--config", (dir / "kc.json").string(), "init", "--root", "/from-flag"});
  CHECK(t.global.root == "/from-flag");
  CHECK(t.global.dry_run);
  CHECK(t.version == "1.35.7");
}

TEST_CASE("unknown keys, bad values and bad JSON in --config are usage errors") {
  ScratchDir dir;
  dir.write("extra.json", R"({"rooot": "/x"})");
  dir.write("bad.json", R"({"root": )");
  dir.write("level.json", R"({"log-level": "loud"})");
  dir.write("array.json", R"([1, 2])");
  // nlohmann throws out_of_range, not parse_error, for a number beyond double: it aborted kc.
  dir.write("huge.json", R"({"init": {"kubernetes-version": 1e999}})");
  dir.write("huge-top.json", R"(1e999)");
  for (const char* file :
       {"extra.json", "bad.json", "level.json", "array.json", "huge.json", "huge-top.json"}) {
    CAPTURE(file);
    TestApp t;
    CHECK_THROWS_AS(t.parse({"--config", (dir / file).string(), "init"}), CLI::ParseError);
  }
}

TEST_CASE("a missing --config file is a usage error") {
  TestApp t;
  CHECK_THROWS_AS(t.parse({"--config", "/nonexistent/kc.json", "init"}), CLI::ParseError);
}

TEST_CASE("JsonConfig flattens nested objects into subcommand sections") {
  kc::cli::JsonConfig config;
  std::istringstream in(R"({"a": 1, "s": {"b": [1, "x"], "c": false}})");
  auto items = config.from_config(in);
  REQUIRE(items.size() == 3);
  CHECK(items[0].name == "a");
  CHECK(items[0].inputs == std::vector<std::string>{"1"});
  CHECK(items[1].parents == std::vector<std::string>{"s"});
  CHECK(items[1].inputs == std::vector<std::string>{"1", "x"});
  CHECK(items[2].inputs == std::vector<std::string>{"false"});
}

TEST_CASE("--system-bus: from the flag, the config key system-bus, else $DBUS_SYSTEM_BUS_ADDRESS") {
  ScratchDir dir;
  dir.write("bus.json", R"({"system-bus": "unix:path=/from-config"})");
  const char* before = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  const std::string saved = before ? before : "";
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/from-env", 1);
  {
    TestApp t;
    t.parse({"init"});
    CHECK(t.global.system_bus == "unix:path=/from-env");
  }
  {
    TestApp t;
    t.parse({"--config", (dir / "bus.json").string(), "init"});
    CHECK(t.global.system_bus == "unix:path=/from-config");
  }
  {
    TestApp t;
    t.parse({"init", "--system-bus", "unix:path=/from-flag"});
    CHECK(t.global.system_bus == "unix:path=/from-flag");
  }
  ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  TestApp t;
  t.parse({"init"});
  CHECK(t.global.system_bus.empty());
  if (before) ::setenv("DBUS_SYSTEM_BUS_ADDRESS", saved.c_str(), 1);
}

TEST_CASE("a command-line argument that is not valid UTF-8 is found and named") {
  std::vector<std::string> args = {"kc-worker", "install", "--mirror", "https://m\xff.example"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  auto invalid = kc::cli::find_invalid_utf8(static_cast<int>(argv.size()), argv.data());
  REQUIRE(invalid.has_value());
  CHECK(*invalid == "argument 3 (the value of --mirror) is not valid UTF-8");
  for (const char* bad : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"}) {
    CAPTURE(bad);
    std::string arg = bad;
    char* one[] = {args[0].data(), arg.data()};
    CHECK(kc::cli::find_invalid_utf8(2, one).has_value());
  }
  std::string good = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
  char* fine[] = {args[0].data(), good.data()};
  CHECK_FALSE(kc::cli::find_invalid_utf8(2, fine).has_value());
}

TEST_CASE("run() refuses a command line that is not valid UTF-8 as a usage error") {
  TestApp t;
  std::map<CLI::App*, kc::cli::Handler> handlers{{t.init, [] { return 0; }}};
  std::vector<std::string> args = {"kc-test", "init", "--kubernetes-version", "1.36\xfe"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  CHECK(kc::cli::run(*t.app, t.global, handlers, static_cast<int>(argv.size()), argv.data()) == 2);
}
