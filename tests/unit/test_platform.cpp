#include "common/core/platform.h"

#include <doctest/doctest.h>

TEST_CASE("is_release_version accepts MAJOR.MINOR.PATCH only") {
  CHECK(kc::is_release_version("1.36.3"));
  CHECK(kc::is_release_version("10.0.12"));
  CHECK_FALSE(kc::is_release_version("v1.36.3"));
  CHECK_FALSE(kc::is_release_version("1.36"));
  CHECK_FALSE(kc::is_release_version("1.36.3.1"));
  CHECK_FALSE(kc::is_release_version("1..3"));
  CHECK_FALSE(kc::is_release_version("1.36.x"));
  CHECK_FALSE(kc::is_release_version(""));
}

TEST_CASE("host_arch names this machine in Kubernetes terms") {
  auto arch = kc::host_arch();
  REQUIRE(arch.has_value());
  CHECK((*arch == "amd64" || *arch == "arm64"));
}
