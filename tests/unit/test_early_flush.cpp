#include "common/assets/early_flush.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/core/fd.h"
#include "scratch_dir.h"

using namespace kc;

TEST_CASE("an early flush flushes while bytes arrive and once more when the file is whole") {
  ScratchDir dir;
  UniqueFd fd(::open((dir / "kubelet").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::write(fd.get(), "kubelet", 7) == 7);
  EarlyFlush flush(fd.get(), "/opt/bin/kubelet");
  flush.wrote();
  flush.wrote();
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // two turns of flushing
  flush.start();
  flush.start();  // once
  CHECK(flush.wait().ok());
}

TEST_CASE("an early flush of a download that never became whole stops at once, without a flush") {
  EarlyFlush flush(-1, "/opt/bin/kubectl");  // every flush fails (EBADF)
  flush.wrote();
  const auto started = std::chrono::steady_clock::now();
  CHECK(flush.wait().ok());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  flush.start();  // too late: stopped
  CHECK(flush.wait().ok());
}

TEST_CASE(
    "a flush that failed while the file downloaded fails the install, though the last one passed") {
  ScratchDir dir;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd watched(pipe_fds[1]);  // fdatasync on a pipe fails (EINVAL)
  EarlyFlush flush(watched.get(), "/opt/bin/kubelet");
  flush.wrote();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // turns of flushing fail
  // The same descriptor number now names a file, whose last flush passes.
  UniqueFd file(::open((dir / "kubelet").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(::dup3(file.get(), watched.get(), O_CLOEXEC) == watched.get());
  REQUIRE(::fdatasync(watched.get()) == 0);
  flush.start();
  auto flushed = flush.wait();
  REQUIRE_FALSE(flushed.ok());
  CHECK_MESSAGE(flushed.error().message().find("/opt/bin/kubelet") != std::string::npos,
                flushed.error().message());
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
