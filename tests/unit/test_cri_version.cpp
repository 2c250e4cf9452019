#include "common/node/cri_version.h"

#include <doctest/doctest.h>

#include <string>

#include "scratch_dir.h"

namespace {

// A protobuf length-delimited field.
std::string field(int number, const std::string& value) {
  return std::string(1, static_cast<char>((number << 3) | 2)) +
         std::string(1, static_cast<char>(value.size())) + value;
}

// A gRPC frame: uncompressed, 4-byte big-endian length, message.
std::string frame(const std::string& message) {
  std::string out(1, '\0');
  const auto n = static_cast<uint32_t>(message.size());
  for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((n >> shift) & 0xff));
  return out + message;
}

}  // namespace

TEST_CASE("CRI VersionResponse: the four string fields, as containerd 1.6 answers") {
  const std::string message =
      field(1, "0.1.0") + field(2, "containerd") + field(3, "1.6.20~ds1") + field(4, "v1");
  auto v = kc::node::parse_version_response(frame(message));
  REQUIRE_MESSAGE(v.ok(), v.error().message());
  CHECK(v->version == "0.1.0");
  CHECK(v->runtime_name == "containerd");
  CHECK(v->runtime_version == "1.6.20~ds1");
  CHECK(v->runtime_api_version == "v1");
  CHECK(kc::node::describe(*v) == "containerd 1.6.20~ds1 (CRI v1)");
}

TEST_CASE("CRI VersionResponse: unknown fields are skipped, bad frames named") {
  // A varint field 7 and a fixed32 field 8 before the name.
  const std::string message = std::string("\x38\x96\x01", 3) +
                              std::string("\x45\x01\x02\x03\x04", 5) + field(2, "containerd");
  auto v = kc::node::parse_version_response(frame(message));
  REQUIRE_MESSAGE(v.ok(), v.error().message());
  CHECK(v->runtime_name == "containerd");

  CHECK(kc::node::parse_version_response(std::string(2, '\0')).error().why.find("shorter") !=
        std::string::npos);
  CHECK(kc::node::parse_version_response(std::string("\x01\0\0\0\0", 5))
            .error()
            .why.find("compressed") != std::string::npos);
  std::string truncated = frame(field(2, "containerd"));
  truncated.pop_back();
  CHECK(kc::node::parse_version_response(truncated).error().why.find("truncated") !=
        std::string::npos);
  CHECK(
      kc::node::parse_version_response(frame(field(1, "0.1.0"))).error().why.find("runtime_name") !=
      std::string::npos);
}

TEST_CASE("CRI Version on a socket where nothing listens names the socket") {
  ScratchDir dir;
  const std::string socket = (dir / "containerd.sock").string();
  auto v = kc::node::cri_version(socket, std::chrono::milliseconds(500));
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().where == "unix://" + socket);
  CHECK(v.error().why == "cannot connect to " + socket + ": No such file or directory");
  CHECK(v.error().why.find("port 80") == std::string::npos);
  CHECK(v.error().hint.find("containerd") != std::string::npos);
}
