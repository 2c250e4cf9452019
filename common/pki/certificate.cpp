#include "common/pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <ctime>

#include "common/core/sha256.h"
#include "common/pki/openssl.h"

namespace kc::pki {

void X509Free::operator()(x509_st* p) const {
  X509_free(p);
}
void PkeyFree::operator()(evp_pkey_st* p) const {
  EVP_PKEY_free(p);
}

namespace {

// Encrypted keys are not supported: never let OpenSSL prompt on a terminal for a passphrase.
int no_passphrase(char*, int, int, void*) {
  return -1;
}

std::string name_text(const X509_NAME* name) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return ossl::memory_contents(bio.get());
}

std::vector<std::string> entries(const X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n >= 0) out.emplace_back(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
  }
  return out;
}

int64_t unix_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string duration_text(std::chrono::seconds d) {
  const auto s = d.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + " days";
  if (s % 3600 == 0) return std::to_string(s / 3600) + " hours";
  return std::to_string(s) + " seconds";
}

std::vector<std::string> alt_names(X509* cert, int type) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type != type) continue;
    if (type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      const int len = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {0};
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof text)) {
        out.emplace_back(text);
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

Result<Certificate> Certificate::parse(std::string_view pem, const std::string& where) {
  ossl::BioPtr bio = ossl::memory_reader(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr);
  if (cert == nullptr) {
    return Error{"parse certificate", where, "not a PEM certificate (" + ossl::reason() + ")", ""};
  }
  return Certificate(cert);
}

std::string Certificate::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), x509_.get());
  return ossl::memory_contents(bio.get());
}

std::string Certificate::common_name() const {
  auto cns = entries(X509_get_subject_name(x509_.get()), NID_commonName);
  return cns.empty() ? std::string() : cns.front();
}

std::vector<std::string> Certificate::organizations() const {
  return entries(X509_get_subject_name(x509_.get()), NID_organizationName);
}

std::string Certificate::subject() const {
  return name_text(X509_get_subject_name(x509_.get()));
}

std::string Certificate::issuer() const {
  return name_text(X509_get_issuer_name(x509_.get()));
}

int64_t Certificate::not_before() const {
  return unix_time(X509_get0_notBefore(x509_.get()));
}

int64_t Certificate::not_after() const {
  return unix_time(X509_get0_notAfter(x509_.get()));
}

bool Certificate::is_ca() const {
  return X509_check_ca(x509_.get()) != 0;
}

std::vector<std::string> Certificate::dns_names() const {
  return alt_names(x509_.get(), GEN_DNS);
}

std::vector<std::string> Certificate::ip_addresses() const {
  return alt_names(x509_.get(), GEN_IPADD);
}

std::vector<std::string> Certificate::extended_key_usages() const {
  std::vector<std::string> out;
  const uint32_t eku = X509_get_extended_key_usage(x509_.get());
  if (eku == UINT32_MAX) return out;  // no extension: any usage
  if ((eku & XKU_SSL_CLIENT) != 0) out.emplace_back("clientAuth");
  if ((eku & XKU_SSL_SERVER) != 0) out.emplace_back("serverAuth");
  return out;
}

bool Certificate::operator==(const Certificate& other) const {
  return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

Result<PrivateKey> PrivateKey::parse(const Secret& pem, const std::string& where) {
  ossl::BioPtr bio = ossl::memory_reader(pem.reveal());
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (key == nullptr) {
    return Error{"parse private key", where,
                 "not an unencrypted PEM private key (" + ossl::reason() + ")", ""};
  }
  return PrivateKey(key);
}

Result<PrivateKey> PrivateKey::generate(Type type) {
  EVP_PKEY* key = type == Type::ec_p256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  if (key == nullptr) {
    return Error{type == Type::ec_p256 ? "generate an EC P-256 key" : "generate an RSA 2048 key",
                 "", ossl::reason(), ""};
  }
  return PrivateKey(key);
}

Result<Secret> PrivateKey::pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error{"encode private key", "", ossl::reason(), ""};
  }
  return Secret(ossl::memory_contents(bio.get()));
}

std::string PrivateKey::describe() const {
  const int id = EVP_PKEY_get_base_id(key_.get());
  if (id == EVP_PKEY_RSA) return "RSA " + std::to_string(EVP_PKEY_get_bits(key_.get()));
  if (id == EVP_PKEY_EC) {
    char group[64] = {0};
    size_t len = 0;
    EVP_PKEY_get_group_name(key_.get(), group, sizeof group, &len);
    return std::string("EC ") + group;
  }
  return OBJ_nid2sn(id);
}

Status check_key_pair(const Certificate& certificate, const PrivateKey& key) {
  const EVP_PKEY* pub = X509_get0_pubkey(certificate.get());
  if (pub == nullptr || EVP_PKEY_eq(pub, key.get()) != 1) {
    ossl::clear_errors();
    return Error{"check key pair", certificate.subject(), "the key does not match the certificate",
                 ""};
  }
  return {};
}

Status check_issued_by(const Certificate& certificate, const Certificate& ca) {
  if (X509_NAME_cmp(X509_get_issuer_name(certificate.get()), X509_get_subject_name(ca.get())) !=
      0) {
    return Error{"check issuer", certificate.subject(),
                 "issued by " + certificate.issuer() + ", not by " + ca.subject(), ""};
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.get());
  if (ca_key == nullptr || X509_verify(certificate.get(), ca_key) != 1) {
    return Error{"check issuer", certificate.subject(),
                 "its signature does not verify with the key of " + ca.subject() + " (" +
                     ossl::reason("signature mismatch") + ")",
                 ""};
  }
  return {};
}

Status check_validity(const Certificate& certificate, std::chrono::seconds renew_margin,
                      int64_t now) {
  const int64_t from = certificate.not_before();
  const int64_t until = certificate.not_after();
  if (now < from) {
    return Error{"check validity", certificate.subject(), "not valid before " + format_utc(from),
                 "check the clock"};
  }
  if (now >= until) {
    return Error{"check validity", certificate.subject(), "expired on " + format_utc(until), ""};
  }
  if (now + renew_margin.count() >= until) {
    return Error{
        "check validity", certificate.subject(),
        "expires within " + duration_text(renew_margin) + " (on " + format_utc(until) + ")", ""};
  }
  return {};
}

int64_t unix_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string public_key_sha256(const Certificate& certificate) {
  // The DER SubjectPublicKeyInfo as it is in the certificate (Go's RawSubjectPublicKeyInfo,
  // which kubeadm hashes), algorithm identifier and parameters included.
  const X509_PUBKEY* spki = X509_get_X509_PUBKEY(certificate.get());
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(spki, &der);
  std::string hex =
      n > 0 ? sha256_hex(std::string_view(reinterpret_cast<char*>(der), static_cast<size_t>(n)))
            : std::string();
  OPENSSL_free(der);
  return "sha256:" + hex;
}

std::string format_utc(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace kc::pki
