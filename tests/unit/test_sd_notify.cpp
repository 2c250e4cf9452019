#include "common/systemd/sd_notify.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "scratch_dir.h"

namespace {

// A datagram socket bound where systemd's notify socket would be, to read what kc sends.
struct FakeNotifySocket {
  int fd = -1;
  explicit FakeNotifySocket(const std::string& path) {
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (path[0] == '@') addr.sun_path[0] = '\0';
    socklen_t len = offsetof(sockaddr_un, sun_path) + path.size();
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  }
  ~FakeNotifySocket() { close(fd); }
  std::string receive() const {
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? "<nothing>" : std::string(buf, static_cast<size_t>(n));
  }
};

}  // namespace

TEST_CASE("Notifier sends READY, STATUS, WATCHDOG and STOPPING datagrams to a path socket") {
  ScratchDir dir;
  const std::string path = (dir / "notify").string();
  FakeNotifySocket sock(path);
  kc::Notifier n(path);
  REQUIRE(n.enabled());
  REQUIRE(n.ready().ok());
  CHECK(sock.receive() == "READY=1");
  REQUIRE(n.status("watching 12 nodes\nlast error: none").ok());
  CHECK(sock.receive() == "STATUS=watching 12 nodes last error: none");
  REQUIRE(n.watchdog().ok());
  CHECK(sock.receive() == "WATCHDOG=1");
  REQUIRE(n.stopping().ok());
  CHECK(sock.receive() == "STOPPING=1");
}

TEST_CASE("Notifier reaches an abstract socket named with @") {
  const std::string name = "@kc-test-notify-" + std::to_string(getpid());
  FakeNotifySocket sock(name);
  REQUIRE(kc::Notifier(name).ready().ok());
  CHECK(sock.receive() == "READY=1");
}

TEST_CASE("without NOTIFY_SOCKET every call is a successful no-op") {
  kc::Notifier n;
  CHECK_FALSE(n.enabled());
  CHECK(n.ready().ok());
  CHECK(n.status("x").ok());
}

TEST_CASE("a socket nobody listens on is an error naming it") {
  kc::Notifier n("/nonexistent/notify");
  auto s = n.ready();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().where == "/nonexistent/notify");
  CHECK_FALSE(kc::Notifier("relative").ready().ok());
}

TEST_CASE("from_environment reads the watchdog interval meant for this process") {
  setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  setenv("WATCHDOG_USEC", "30000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  auto n = kc::Notifier::from_environment();
  CHECK(n.enabled());
  REQUIRE(n.watchdog_interval().has_value());
  CHECK(n.watchdog_interval()->count() == 30000000);
  setenv("WATCHDOG_PID", "1", 1);  // meant for another process
  CHECK_FALSE(kc::Notifier::from_environment().watchdog_interval().has_value());
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  CHECK_FALSE(kc::Notifier::from_environment().enabled());
}
