// Issuing certificates with a CA kc holds (the cluster CA, /etc/kubernetes/pki/ca.{crt,key}):
// a client certificate for any Kubernetes identity (CN = user, O = groups), optionally also a
// server certificate with SANs; and a self-signed CA.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/core/error.h"
#include "common/pki/certificate.h"

namespace kc::pki {

struct Subject {
  std::string common_name;                 // the user: "kc-cleanup", "system:node:ip-10-0-0-1"
  std::vector<std::string> organizations;  // the groups: "system:nodes"
};

struct IssueRequest {
  Subject subject;
  std::chrono::seconds lifetime{std::chrono::hours(24 * 365)};
  PrivateKey::Type key_type = PrivateKey::Type::ec_p256;
  bool client_auth = true;
  bool server_auth = false;  // for serving certificates, with the SANs below
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};

struct Issued {
  Certificate certificate;
  PrivateKey key;
};

// A new key and a certificate for it, signed by ca with ca_key, valid from 5 minutes before
// `now` (clock skew) for request.lifetime.
Result<Issued> issue_certificate(const Certificate& ca, const PrivateKey& ca_key,
                                 const IssueRequest& request, int64_t now = unix_now());

// A self-signed CA (CA:TRUE, keyCertSign) with a new key.
Result<Issued> issue_ca(const Subject& subject, std::chrono::seconds lifetime,
                        PrivateKey::Type key_type = PrivateKey::Type::rsa_2048,
                        int64_t now = unix_now());

}  // namespace kc::pki
