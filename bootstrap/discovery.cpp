#include "bootstrap/discovery.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/core/yaml.h"
#include "common/kube/kubeconfig.h"
#include "common/net/http.h"
#include "common/pki/certificate.h"

namespace kc::worker {
namespace {

constexpr std::string_view kClusterInfoPath =
    "/api/v1/namespaces/kube-public/configmaps/cluster-info";

std::string base64url(std::string_view data) {
  std::string out = base64_encode(data);
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() > 1024 * 1024) return 0;  // a ConfigMap is small; stop a runaway answer
  body->append(data, size * count);
  return size * count;
}

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::unreachable:
      return "API server unreachable";
    case Verdict::token_rejected:
      return "bootstrap token rejected";
    case Verdict::ca_mismatch:
      return "cluster CA does not match the pinned hash";
    case Verdict::failed:
      return "failed";
  }
  return "failed";
}

bool detached_jws_valid(std::string_view jws, std::string_view payload, std::string_view key) {
  const size_t first = jws.find('.');
  if (first == std::string_view::npos || first == 0) return false;
  if (jws.substr(first + 1, 1) != ".") return false;  // detached: the payload part is empty
  const std::string_view header = jws.substr(0, first);
  const std::string_view signature = jws.substr(first + 2);
  auto decoded = base64_decode([&] {
    std::string h(header);
    std::replace(h.begin(), h.end(), '-', '+');
    std::replace(h.begin(), h.end(), '_', '/');
    while (h.size() % 4 != 0) h.push_back('=');
    return h;
  }());
  if (!decoded) return false;
  auto parsed = nlohmann::json::parse(*decoded, nullptr, false);
  if (!parsed.is_object() || parsed.value("alg", "") != "HS256") return false;
  const std::string input = std::string(header) + "." + base64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac,
           &length) == nullptr) {
    return false;
  }
  const std::string expected =
      base64url(std::string_view(reinterpret_cast<const char*>(mac), length));
  return expected.size() == signature.size() &&
         CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

DiscoveryResult judge_cluster_info(long status, std::string_view body, const Secret& token,
                                   const std::vector<std::string>& hashes) {
  const std::string id = token.reveal().substr(0, token.reveal().find('.'));
  const std::string secret = token.reveal().substr(token.reveal().find('.') + 1);
  if (status == 404) {
    // kubeadm init uploads it early; a control plane still coming up may not have it yet.
    return {Verdict::unreachable, "the cluster-info ConfigMap does not exist (yet)"};
  }
  if (status == 401 || status == 403) {
    return {Verdict::unreachable,
            fmt::format("HTTP {} for the cluster-info ConfigMap (anonymous access not set up yet)",
                        status)};
  }
  if (status >= 500 || status == 0 || status == 429) {
    return {Verdict::unreachable, fmt::format("HTTP {} from the API server", status)};
  }
  if (status != 200) {
    return {Verdict::failed, fmt::format("HTTP {} for the cluster-info ConfigMap", status)};
  }
  auto object = nlohmann::json::parse(body, nullptr, false);
  if (!object.is_object() || !object.contains("data") || !object["data"].is_object()) {
    return {Verdict::failed, "the cluster-info ConfigMap is not a ConfigMap with data"};
  }
  const auto& data = object["data"];
  const std::string kubeconfig = data.value("kubeconfig", "");
  auto config = parse_yaml(kubeconfig, "cluster-info kubeconfig");
  if (kubeconfig.empty() || !config || !(*config).contains("clusters") ||
      !(*config)["clusters"].is_array() || (*config)["clusters"].empty()) {
    return {Verdict::failed, "the cluster-info ConfigMap has no kubeconfig with a cluster"};
  }
  const auto& cluster = (*config)["clusters"][0]["cluster"];
  auto pem = base64_decode(cluster.value("certificate-authority-data", ""));
  if (!pem) return {Verdict::failed, "the cluster-info kubeconfig has no CA data"};
  auto ca = pki::Certificate::parse(*pem, "cluster-info");
  if (!ca) return {Verdict::failed, ca.error().message()};
  const std::string actual = pki::public_key_sha256(*ca);
  if (std::find(hashes.begin(), hashes.end(), actual) == hashes.end()) {
    return {Verdict::ca_mismatch,
            fmt::format("the cluster's CA has public key hash {}, not the pinned {}", actual,
                        hashes.empty() ? std::string("(none)") : hashes.front())};
  }
  const std::string key = "jws-kubeconfig-" + id;
  if (!data.contains(key) || !data[key].is_string()) {
    return {Verdict::token_rejected,
            fmt::format("the cluster has no signature for token id \"{}\": the token was revoked, "
                        "has expired or was never created",
                        id)};
  }
  if (!detached_jws_valid(data[key].get<std::string>(), kubeconfig, secret)) {
    return {Verdict::token_rejected,
            fmt::format("the signature for token id \"{}\" does not match the token's secret", id)};
  }
  return {Verdict::ok, fmt::format("CA {} pinned, token id \"{}\" signed", actual, id)};
}

DiscoveryResult probe_discovery(const std::string& api_server, const Secret& token,
                                const std::vector<std::string>& hashes,
                                std::chrono::seconds timeout) {
  http::global_init();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  if (!handle) return {Verdict::failed, "curl_easy_init failed"};
  http::configure_handle(handle.get(), {});
  // As kubeadm: the server is not trusted yet; what it sends is trusted only once its CA
  // matches the pin (judge_cluster_info).
  curl_easy_setopt(handle.get(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(handle.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(handle.get(), CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle.get(), CURLOPT_NOPROXY, "*");
  const std::string url = fmt::format("https://{}{}", api_server, kClusterInfoPath);
  curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout.count()));
  curl_easy_setopt(handle.get(), CURLOPT_TIMEOUT, static_cast<long>(timeout.count()) * 2);
  std::string body;
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, &body);
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(handle.get(), CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(handle.get());
  if (rc != CURLE_OK) {
    return {Verdict::unreachable,
            fmt::format("{}: {}", url, error[0] != 0 ? error : curl_easy_strerror(rc))};
  }
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  DiscoveryResult result = judge_cluster_info(status, body, token, hashes);
  if (result.verdict != Verdict::ok) result.reason = url + ": " + result.reason;
  return result;
}

}  // namespace kc::worker
