#include "common/core/error.h"

#include <doctest/doctest.h>

#include <cerrno>

using kc::Error;

TEST_CASE("Error::message joins the non-empty parts and appends the hint") {
  Error e{"install kubeadm", "/opt/bin/kubeadm", "HTTP 404", "check --mirror"};
  CHECK(e.message() == "install kubeadm: /opt/bin/kubeadm: HTTP 404 (check --mirror)");
  Error bare{"", "", "boom", ""};
  CHECK(bare.message() == "boom");
}

TEST_CASE("Error::context prefixes the outer action") {
  Error e{"write", "/etc/kc/x", "No space left on device", ""};
  e.context("units");
  CHECK(e.what == "units: write");
  Error empty{};
  empty.context("assets");
  CHECK(empty.what == "assets");
}

TEST_CASE("errno_error names the system error") {
  Error e = kc::errno_error("open", "/nope", ENOENT);
  CHECK(e.why == "No such file or directory");
}

namespace {
kc::Result<int> half(int x) {
  if (x % 2 != 0) return Error{"halve", std::to_string(x), "odd", ""};
  return x / 2;
}
kc::Result<int> quarter(int x) {
  auto h = half(x);
  if (!h) return std::move(h).error();
  return half(*h);
}
kc::Status check_even(int x) {
  KC_TRY(half(x));
  return {};
}
}  // namespace

TEST_CASE("Result carries a value or an error, and KC_TRY propagates errors") {
  CHECK(*quarter(8) == 2);
  auto r = quarter(6);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().where == "3");
  CHECK(check_even(4).ok());
  CHECK(check_even(5).error().why == "odd");
}
