#include "common/pki/issue.h"

#include <openssl/rand.h>

#include "common/pki/openssl.h"

namespace kc::pki {
namespace {

Status add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Error{"add certificate extension", OBJ_nid2sn(nid), ossl::reason(), ""};
  }
  return {};
}

// subjectAltName built as GENERAL_NAMEs, not from a config string, so a name cannot smuggle in
// another entry.
Status add_alt_names(X509* cert, const IssueRequest& request) {
  if (request.dns_names.empty() && request.ip_addresses.empty()) return {};
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  auto push = [&](int type, ASN1_STRING* value) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, type, value);
    sk_GENERAL_NAME_push(names, gn);
  };
  for (const std::string& dns : request.dns_names) {
    if (dns.empty() || dns.find_first_of(" ,\t\r\n") != std::string::npos) {
      GENERAL_NAMES_free(names);
      return Error{"issue certificate", dns, "not a DNS name", ""};
    }
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, dns.data(), static_cast<int>(dns.size()));
    push(GEN_DNS, s);
  }
  for (const std::string& ip : request.ip_addresses) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    if (octets == nullptr) {
      ossl::clear_errors();
      GENERAL_NAMES_free(names);
      return Error{"issue certificate", ip, "not an IP address", ""};
    }
    push(GEN_IPADD, octets);
  }
  const int rc = X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
  GENERAL_NAMES_free(names);
  if (rc != 1) return Error{"add certificate extension", "subjectAltName", ossl::reason(), ""};
  return {};
}

Status set_subject(X509_NAME* name, const Subject& subject) {
  if (subject.common_name.empty()) {
    return Error{"issue certificate", "", "the subject has no common name (CN)", ""};
  }
  // O before CN, as kubeadm orders them ("O = system:nodes, CN = system:node:NAME").
  auto add = [&](const char* field, const std::string& value) -> Status {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return Error{"issue certificate", std::string(field) + "=" + value, ossl::reason(), ""};
    }
    return {};
  };
  for (const std::string& o : subject.organizations) KC_TRY(add("O", o));
  return add("CN", subject.common_name);
}

// A version 3 certificate for `key` with a random 127-bit serial and the validity window.
Result<ossl::X509Ptr> new_certificate(const PrivateKey& key, std::chrono::seconds lifetime,
                                      int64_t now) {
  if (lifetime.count() <= 0) {
    return Error{"issue certificate", "", "the lifetime must be positive", ""};
  }
  ossl::X509Ptr cert(X509_new());
  ossl::BnPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return Error{"issue certificate", "", ossl::reason(), ""};
  }
  const auto t = static_cast<time_t>(now);
  const long days = static_cast<long>(lifetime.count() / 86400);
  const long seconds = static_cast<long>(lifetime.count() % 86400);
  if (ASN1_TIME_adj(X509_getm_notBefore(cert.get()), t, 0, -300) == nullptr ||
      ASN1_TIME_adj(X509_getm_notAfter(cert.get()), t, static_cast<int>(days), seconds) ==
          nullptr ||
      X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Error{"issue certificate", "", ossl::reason(), ""};
  }
  return cert;
}

Status sign(X509* cert, const PrivateKey& signer) {
  if (X509_sign(cert, signer.get(), EVP_sha256()) == 0) {
    return Error{"sign certificate", "", ossl::reason(), ""};
  }
  return {};
}

}  // namespace

Result<Issued> issue_certificate(const Certificate& ca, const PrivateKey& ca_key,
                                 const IssueRequest& request, int64_t now) {
  if (!request.client_auth && !request.server_auth) {
    return Error{"issue certificate", request.subject.common_name,
                 "neither client nor server authentication requested", ""};
  }
  KC_TRY(check_key_pair(ca, ca_key));
  auto key = PrivateKey::generate(request.key_type);
  if (!key) return std::move(key).error();
  auto cert = new_certificate(*key, request.lifetime, now);
  if (!cert) return std::move(cert).error();
  X509* c = cert->get();
  KC_TRY(set_subject(X509_get_subject_name(c), request.subject));
  if (X509_set_issuer_name(c, X509_get_subject_name(ca.get())) != 1) {
    return Error{"issue certificate", "", ossl::reason(), ""};
  }
  // RSA keys also encipher (TLS 1.2 RSA key exchange); kubeadm sets both for every certificate.
  const char* usage = request.key_type == PrivateKey::Type::rsa_2048
                          ? "critical,digitalSignature,keyEncipherment"
                          : "critical,digitalSignature";
  std::string eku;
  if (request.server_auth) eku = "serverAuth";
  if (request.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
  KC_TRY(add_extension(c, ca.get(), NID_basic_constraints, "critical,CA:FALSE"));
  KC_TRY(add_extension(c, ca.get(), NID_key_usage, usage));
  KC_TRY(add_extension(c, ca.get(), NID_ext_key_usage, eku.c_str()));
  KC_TRY(add_extension(c, ca.get(), NID_authority_key_identifier, "keyid"));
  KC_TRY(add_alt_names(c, request));
  KC_TRY(sign(c, ca_key));
  return Issued{Certificate(cert->release()), std::move(*key)};
}

Result<Issued> issue_ca(const Subject& subject, std::chrono::seconds lifetime,
                        PrivateKey::Type key_type, int64_t now) {
  auto key = PrivateKey::generate(key_type);
  if (!key) return std::move(key).error();
  auto cert = new_certificate(*key, lifetime, now);
  if (!cert) return std::move(cert).error();
  X509* c = cert->get();
  KC_TRY(set_subject(X509_get_subject_name(c), subject));
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) {
    return Error{"issue CA certificate", "", ossl::reason(), ""};
  }
  KC_TRY(add_extension(c, c, NID_basic_constraints, "critical,CA:TRUE"));
  KC_TRY(add_extension(c, c, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"));
  KC_TRY(add_extension(c, c, NID_subject_key_identifier, "hash"));
  KC_TRY(sign(c, *key));
  return Issued{Certificate(cert->release()), std::move(*key)};
}

}  // namespace kc::pki
