#include "common/core/sha256.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

TEST_CASE("sha256_hex matches the FIPS 180-2 test vectors") {
  CHECK(kc::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(kc::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("incremental updates equal one update") {
  kc::Sha256 h;
  h.update("a");
  h.update("bc");
  CHECK(h.hex_digest() == kc::sha256_hex("abc"));
}

TEST_CASE("sha256_file hashes a file and reports a missing one") {
  char path[] = "/tmp/kc-sha256-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "abc", 3) == 3);
  close(fd);
  CHECK(*kc::sha256_file(path) == kc::sha256_hex("abc"));
  unlink(path);
  auto missing = kc::sha256_file(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == path);
}

TEST_CASE("is_sha256_hex accepts exactly 64 hex digits") {
  CHECK(kc::is_sha256_hex(std::string(64, 'a')));
  CHECK(kc::is_sha256_hex(std::string(64, 'F')));
  CHECK_FALSE(kc::is_sha256_hex(std::string(63, 'a')));
  CHECK_FALSE(kc::is_sha256_hex(std::string(63, 'a') + "g"));
}
