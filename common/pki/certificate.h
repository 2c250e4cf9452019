// X.509 certificates and private keys as kc handles them: parsed from PEM (RSA and ECDSA),
// checked against each other and against a CA, and the SubjectPublicKeyInfo hash kubeadm uses
// to pin a cluster CA ("sha256:<hex>", the --discovery-token-ca-cert-hash of kubeadm join).
// A private key leaves this module only as a kc::Secret. OpenSSL stays behind the .cpp files.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/secret.h"

struct x509_st;
struct evp_pkey_st;

namespace kc::pki {

struct X509Free {
  void operator()(x509_st* p) const;
};
struct PkeyFree {
  void operator()(evp_pkey_st* p) const;
};

class Certificate {
 public:
  // The first certificate in `pem`; `where` names its source in errors (a path, a kubeconfig).
  static Result<Certificate> parse(std::string_view pem, const std::string& where = {});

  std::string pem() const;
  std::string common_name() const;
  std::vector<std::string> organizations() const;  // the O entries: Kubernetes groups
  std::string subject() const;                     // RFC 2253: "CN=system:node:a,O=system:nodes"
  std::string issuer() const;
  int64_t not_before() const;  // Unix seconds
  int64_t not_after() const;
  bool is_ca() const;  // basicConstraints CA:TRUE
  std::vector<std::string> dns_names() const;
  std::vector<std::string> ip_addresses() const;
  std::vector<std::string> extended_key_usages() const;  // "clientAuth", "serverAuth"
  // The same certificate (byte for byte in DER).
  bool operator==(const Certificate& other) const;

  x509_st* get() const { return x509_.get(); }
  explicit Certificate(x509_st* owned) : x509_(owned) {}

 private:
  std::unique_ptr<x509_st, X509Free> x509_;
};

class PrivateKey {
 public:
  // An unencrypted PEM private key (PKCS#8, or the traditional RSA/EC forms).
  static Result<PrivateKey> parse(const Secret& pem, const std::string& where = {});

  enum class Type { ec_p256, rsa_2048 };
  static Result<PrivateKey> generate(Type type);

  // PKCS#8 PEM ("BEGIN PRIVATE KEY").
  Result<Secret> pem() const;
  // "EC prime256v1" or "RSA 2048": what the key is, not what it holds.
  std::string describe() const;

  evp_pkey_st* get() const { return key_.get(); }
  explicit PrivateKey(evp_pkey_st* owned) : key_(owned) {}

 private:
  std::unique_ptr<evp_pkey_st, PkeyFree> key_;
};

// Whether `key` is the private half of the certificate's public key.
Status check_key_pair(const Certificate& certificate, const PrivateKey& key);

// Whether `ca` issued the certificate: its issuer is ca's subject and its signature verifies
// with ca's public key.
Status check_issued_by(const Certificate& certificate, const Certificate& ca);

// Whether the certificate is valid at `now` and still will be `renew_margin` later, so a caller
// renews it in time. The error's why says which: "expired on ...", "not valid before ...",
// "expires within 30 days (on ...)".
Status check_validity(const Certificate& certificate, std::chrono::seconds renew_margin,
                      int64_t now);
int64_t unix_now();

// "sha256:<hex>" over the DER SubjectPublicKeyInfo, as kubeadm pins a cluster CA (the value of
// kubeadm join --discovery-token-ca-cert-hash), for RSA and ECDSA keys alike.
std::string public_key_sha256(const Certificate& certificate);

// "2026-12-01T23:00:00Z".
std::string format_utc(int64_t unix_seconds);

}  // namespace kc::pki
