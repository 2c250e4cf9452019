#include "common/pki/openssl.h"

#include <openssl/err.h>

namespace kc::pki::ossl {

std::string reason(std::string_view fallback) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return std::string(fallback);
  const char* lib = ERR_lib_error_string(e);
  const char* why = ERR_reason_error_string(e);
  if (why == nullptr) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
  }
  return lib != nullptr ? std::string(lib) + ": " + why : std::string(why);
}

void clear_errors() {
  ERR_clear_error();
}

BioPtr memory_reader(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string memory_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

}  // namespace kc::pki::ossl
