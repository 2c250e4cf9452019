#include "agent/kubeconfig_step.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>

#include "scratch_dir.h"

namespace {

// The scratch root's passwd names the user running the test, so chown works without root.
void passwd(const ScratchDir& root, const std::string& user) {
  root.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n" + user +
                               ":x:" + std::to_string(::getuid()) + ":" +
                               std::to_string(::getgid()) + ":Core:/home/" + user + ":/bin/bash\n");
  std::filesystem::create_directories(root / ("home/" + user));
}

}  // namespace

TEST_CASE("passwd entries: found by name; absent or malformed ones are not") {
  const std::string text =
      "root:x:0:0:root:/root:/bin/bash\ncore:x:500:500:Core:/home/core:/bin/bash\n";
  auto core = kc::leader::find_passwd_entry(text, "core");
  REQUIRE(core.has_value());
  CHECK(core->uid == 500);
  CHECK(core->home == "/home/core");
  CHECK_FALSE(kc::leader::find_passwd_entry(text, "nobody").has_value());
  CHECK_FALSE(kc::leader::find_passwd_entry("core:x:abc:500::/home/core:/bin/sh\n", "core"));
}

TEST_CASE("kubeconfig user: the flag, else SUDO_USER unless root, else core") {
  ::setenv("SUDO_USER", "alice", 1);
  CHECK(kc::leader::kubeconfig_user("bob") == "bob");
  CHECK(kc::leader::kubeconfig_user("") == "alice");
  ::setenv("SUDO_USER", "root", 1);
  bool given = true;
  CHECK(kc::leader::kubeconfig_user("", &given) == "core");
  CHECK_FALSE(given);
  ::unsetenv("SUDO_USER");
}

TEST_CASE("kubeconfig: admin.conf copied 0600 for the user, updated when it changes") {
  ScratchDir root;
  passwd(root, "core");
  root.write("etc/kubernetes/admin.conf", "apiVersion: v1\nkind: Config\n");
  kc::Host host(root.path());
  kc::leader::KubeconfigStep step("core");
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE_MESSAGE(findings.ok(), findings.error().message());
  REQUIRE(findings->changes.size() == 2);
  CHECK(findings->changes[0].describe(false) == "create /home/core/.kube (owned by core)");
  CHECK(findings->changes[1].describe(false) == "write /home/core/.kube/config (new)");
  REQUIRE(step.apply(context, findings->changes).ok());
  CHECK(root.read("home/core/.kube/config") == "apiVersion: v1\nkind: Config\n");
  const auto mode = std::filesystem::status(root / "home/core/.kube/config").permissions() &
                    std::filesystem::perms::all;
  CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto settled = step.check(context);
  REQUIRE(settled.ok());
  CHECK(settled->changes.empty());

  root.write("etc/kubernetes/admin.conf", "apiVersion: v1\nkind: Config\n# renewed\n");
  auto renewed = step.check(context);
  REQUIRE(renewed.ok());
  REQUIRE(renewed->changes.size() == 1);
  CHECK(renewed->changes[0].describe(false) == "write /home/core/.kube/config (content differs)");
}

TEST_CASE("kubeconfig: a named user that does not exist is an error; default core only warns") {
  ScratchDir root;
  root.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  kc::Host host(root.path());
  kc::StepContext context(host);
  kc::leader::KubeconfigStep named("alice");
  auto error = named.check(context);
  REQUIRE_FALSE(error.ok());
  CHECK(error.error().where == "alice");
  ::unsetenv("SUDO_USER");
  kc::leader::KubeconfigStep defaulted("");
  auto skipped = defaulted.check(context);
  REQUIRE(skipped.ok());
  CHECK(skipped->changes.empty());
  CHECK(skipped->subject == "no user core, so no ~/.kube/config to keep");
}
