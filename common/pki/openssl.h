// The OpenSSL handles common/pki uses, owned by RAII types, and OpenSSL's reason for a failure.
// Private to common/pki: nothing outside it includes OpenSSL's headers for certificates.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <string_view>

namespace kc::pki::ossl {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

// The first (root-cause) error on this thread's OpenSSL queue, as "library: reason"
// ("PEM routines: no start line"), or `fallback` when the queue is empty; clears the queue.
std::string reason(std::string_view fallback = "OpenSSL error");

// Discards queued errors (after a failure that is answered otherwise).
void clear_errors();

// A read-only memory BIO over `data` (which must outlive it).
BioPtr memory_reader(std::string_view data);

// Everything written to a memory BIO so far.
std::string memory_contents(BIO* bio);

}  // namespace kc::pki::ossl
