#include "common/core/log.h"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("redact removes bootstrap tokens") {
  const std::string out = kc::log::redact("kubeadm join --token abcdef.0123456789abcdef x");
  CHECK(out == "kubeadm join --token <redacted token> x");
}

TEST_CASE("redact removes private keys and key data") {
  const std::string pem =
      "key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY----- done";
  CHECK(kc::log::redact(pem) == "key: <redacted private key> done");
  CHECK(kc::log::redact("client-key-data: LS0tLS1CRUdJTg==") == "client-key-data: <redacted>");
  CHECK(kc::log::redact("token-secret=0123456789abcdef") == "token-secret=<redacted>");
}

TEST_CASE("redact leaves ordinary text alone") {
  const std::string text = "wrote /etc/systemd/system/kubelet.service (sha256 e3b0c442)";
  CHECK(kc::log::redact(text) == text);
}

TEST_CASE("Secret formats as <redacted>") {
  kc::Secret token("abcdef.0123456789abcdef");
  CHECK(fmt::format("token {}", token) == "token <redacted>");
  CHECK(token.reveal() == "abcdef.0123456789abcdef");
}

TEST_CASE("journal prefixes follow syslog priorities") {
  CHECK(kc::log::journal_prefix(spdlog::level::err) == "<3>");
  CHECK(kc::log::journal_prefix(spdlog::level::warn) == "<4>");
  CHECK(kc::log::journal_prefix(spdlog::level::info) == "<6>");
  CHECK(kc::log::journal_prefix(spdlog::level::debug) == "<7>");
}

TEST_CASE("parse_level accepts spdlog's names and rejects others") {
  CHECK(kc::log::parse_level("debug") == spdlog::level::debug);
  CHECK(kc::log::parse_level("off") == spdlog::level::off);
  CHECK_FALSE(kc::log::parse_level("loud").has_value());
}
