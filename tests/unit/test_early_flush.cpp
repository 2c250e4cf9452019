#include "common/assets/early_flush.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/core/fd.h"
#include "scratch_dir.h"

using namespace kc;

TEST_CASE("an early flush runs once on its own thread; a failure is kept for the install") {
  ScratchDir dir;
  UniqueFd fd(::open((dir / "kubelet").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::write(fd.get(), "kubelet", 7) == 7);
  EarlyFlush flush(fd.get(), "/opt/bin/kubelet");
  CHECK(flush.wait().ok());  // never started: nothing to report
  flush.start();
  flush.start();  // once
  CHECK(flush.wait().ok());

  EarlyFlush broken(-1, "/opt/bin/kubeadm");  // fdatasync fails (EBADF)
  broken.start();
  auto flushed = broken.wait();
  REQUIRE_FALSE(flushed.ok());
  CHECK_MESSAGE(flushed.error().message().find("fsync") != std::string::npos,
                flushed.error().message());
  CHECK_MESSAGE(flushed.error().message().find("/opt/bin/kubeadm") != std::string::npos,
                flushed.error().message());
}
