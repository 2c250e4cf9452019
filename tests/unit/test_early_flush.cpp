#include "common/assets/early_flush.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "common/core/fd.h"
#include "scratch_dir.h"

using namespace kc;

TEST_CASE("an early flush writes back while bytes arrive and flushes once the file is whole") {
  ScratchDir dir;
  UniqueFd fd(::open((dir / "kubelet").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::write(fd.get(), "kubelet", 7) == 7);
  EarlyFlush flush(fd.get(), "/opt/bin/kubelet");
  flush.wrote();
  flush.wrote();
  flush.start();
  flush.start();  // once
  CHECK(flush.wait().ok());
}

TEST_CASE("an early flush of a download that never became whole stops at once, without a flush") {
  EarlyFlush flush(-1, "/opt/bin/kubectl");  // a flush would fail (EBADF): it must not run
  flush.wrote();
  const auto started = std::chrono::steady_clock::now();
  CHECK(flush.wait().ok());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  flush.start();  // too late: stopped
  CHECK(flush.wait().ok());
}

TEST_CASE("a failed early flush is kept for the install, naming the file") {
  EarlyFlush broken(-1, "/opt/bin/kubeadm");  // fdatasync fails (EBADF)
  broken.wrote();
  broken.start();
  auto flushed = broken.wait();
  REQUIRE_FALSE(flushed.ok());
  CHECK_MESSAGE(flushed.error().message().find("fsync") != std::string::npos,
                flushed.error().message());
  CHECK_MESSAGE(flushed.error().message().find("/opt/bin/kubeadm") != std::string::npos,
                flushed.error().message());
}
