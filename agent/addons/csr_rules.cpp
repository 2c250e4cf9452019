#include "agent/addons/csr_rules.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/kube/kubeconfig.h"
#include "common/net/cidr.h"

namespace kc::addons {

using nlohmann::json;

std::string private_dns_domain(const std::string& region) {
  return region == "us-east-1" ? "ec2.internal" : region + ".compute.internal";
}

ApproverRules approver_rules(const AddonSettings& s) {
  ApproverRules r;
  std::string domain = private_dns_domain(s.region);
  std::string escaped;
  for (char c : domain) {
    if (c == '.') escaped += '\\';
    escaped += c;
  }
  r.provider_regex = "^ip-([0-9]{1,3}-){3}[0-9]{1,3}\\." + escaped + "$";
  for (const std::string& c : s.vpc_cidrs) r.ip_prefixes += (r.ip_prefixes.empty() ? "" : ",") + c;
  return r;
}

Result<ApproverRules> approver_rules_from(const json& deployment) {
  ApproverRules r;
  r.provider_regex.clear();
  const json* env = nullptr;
  try {
    env = &deployment.at("spec").at("template").at("spec").at("containers").at(0).at("env");
  } catch (const json::exception&) {
    return Error{"read approver rules", "Deployment kubelet-csr-approver", "no container env", ""};
  }
  for (const json& e : *env) {
    const std::string name = e.value("name", "");
    const std::string value = e.value("value", "");
    if (name == "PROVIDER_REGEX") r.provider_regex = value;
    if (name == "PROVIDER_IP_PREFIXES") r.ip_prefixes = value;
    if (name == "ALLOWED_DNS_NAMES") r.allowed_dns_names = std::stoi(value);
    if (name == "MAX_EXPIRATION_SEC") r.max_expiration_seconds = std::stol(value);
  }
  // Upstream's defaults when a variable is absent (internal/cmd/cmd.go).
  if (r.ip_prefixes.empty()) r.ip_prefixes = "0.0.0.0/0,::/0";
  if (r.provider_regex.empty()) r.provider_regex = ".*";
  return r;
}

namespace {

struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};

std::string ip_text(const ASN1_OCTET_STRING* ip) {
  const unsigned char* d = ASN1_STRING_get0_data(ip);
  if (ASN1_STRING_length(ip) != 4) return "(IPv6)";
  return std::to_string(d[0]) + "." + std::to_string(d[1]) + "." + std::to_string(d[2]) + "." +
         std::to_string(d[3]);
}

}  // namespace

Result<ServingCsr> parse_serving_csr(const json& csr) {
  ServingCsr out;
  out.name = csr.value("/metadata/name"_json_pointer, "");
  const std::string where = "CertificateSigningRequest " + out.name;
  const json spec = csr.value("spec", json::object());
  out.username = spec.value("username", "");
  out.signer = spec.value("signerName", "");
  if (spec.contains("expirationSeconds") && spec["expirationSeconds"].is_number()) {
    out.expiration_seconds = spec["expirationSeconds"].get<long>();
  }
  for (const json& c : csr.value("/status/conditions"_json_pointer, json::array())) {
    if (c.value("status", "") != "True") continue;
    const std::string type = c.value("type", "");
    if (type == "Approved" || type == "Denied") out.condition = type;
  }
  auto pem = base64_decode(spec.value("request", ""));
  if (!pem) return Error{"read CSR", where, "spec.request is not base64", ""};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), BIO_free);
  std::unique_ptr<X509_REQ, ReqFree> req(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  if (!req) return Error{"read CSR", where, "spec.request is not a PEM certificate request", ""};
  const X509_NAME* subject = X509_REQ_get_subject_name(req.get());
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof cn) > 0) out.common_name = cn;
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  if (exts != nullptr) {
    auto* names =
        static_cast<GENERAL_NAMES*>(X509V3_get_d2i(exts, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS) {
        const ASN1_IA5STRING* s = n->d.dNSName;
        out.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   ASN1_STRING_length(s));
      } else if (n->type == GEN_IPADD) {
        out.ip_addresses.push_back(ip_text(n->d.iPAddress));
      }
    }
    GENERAL_NAMES_free(names);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  }
  return out;
}

bool address_in_prefixes(const std::string& address, const std::string& prefixes) {
  auto ip = parse_cidr(address + (address.find(':') == std::string::npos ? "/32" : "/128"));
  if (!ip) return false;
  size_t start = 0;
  while (start <= prefixes.size()) {
    size_t comma = prefixes.find(',', start);
    if (comma == std::string::npos) comma = prefixes.size();
    auto block = parse_cidr(prefixes.substr(start, comma - start));
    if (block && block->overlaps(*ip)) return true;
    start = comma + 1;
  }
  return false;
}

std::string approver_verdict(const ApproverRules& rules, const ServingCsr& csr,
                             const Resolver& resolve) {
  const std::string prefix = "system:node:";
  if (csr.username.rfind(prefix, 0) != 0)
    return "CSR Spec.Username is not prefixed with system:node:";
  if (csr.dns_names.empty() && csr.ip_addresses.empty()) {
    return "The x509 Cert Request SAN contains neither an IP address nor a DNS name";
  }
  if (csr.common_name != csr.username) {
    return "CSR username does not match the parsed x509 certificate request commonname";
  }
  if (static_cast<int>(csr.dns_names.size()) > rules.allowed_dns_names) {
    return "The x509 Cert Request contains more DNS names than allowed through the config flag";
  }
  const std::string hostname = csr.username.substr(prefix.size());
  const std::regex regex(rules.provider_regex);
  std::vector<std::string> resolved;
  for (const std::string& name : csr.dns_names) {
    if (name.rfind(hostname, 0) != 0) {
      return "The SAN DNS Name in the x509 CSR is not prefixed by the node name (hostname)";
    }
    if (!std::regex_search(name, regex)) {
      return "The SAN DNS name in the x509 CR is not allowed by the Cloud provider regex";
    }
  }
  for (const std::string& name : csr.dns_names) {
    std::vector<std::string> addresses = resolve(name);
    if (addresses.empty()) return "The SAN DNS Name could not be resolved, denying the CSR";
    resolved.insert(resolved.end(), addresses.begin(), addresses.end());
  }
  for (const std::string& a : resolved) {
    if (!address_in_prefixes(a, rules.ip_prefixes)) {
      return "One of the resolved IP addresses, " + a +
             ", isn't part of the provider-specified set of whitelisted IP";
    }
  }
  if (!csr.dns_names.empty()) {
    for (const std::string& ip : csr.ip_addresses) {
      if (std::find(resolved.begin(), resolved.end(), ip) == resolved.end()) {
        return "One of the SAN IP addresses, " + ip +
               ", is not contained in the set of resolved IP addresses";
      }
    }
  }
  for (const std::string& ip : csr.ip_addresses) {
    if (!address_in_prefixes(ip, rules.ip_prefixes)) {
      return "One of the SAN IP addresses, " + ip + ", is not part of the allowed IP Prefixes";
    }
  }
  if (csr.expiration_seconds && *csr.expiration_seconds > rules.max_expiration_seconds) {
    return "CSR spec.expirationSeconds is longer than the maximum allowed expiration second";
  }
  return "";
}

std::string leader_csr_refusal(const LeaderIdentity& leader, const ServingCsr& csr) {
  if (csr.signer != "kubernetes.io/kubelet-serving") return "not a kubelet-serving CSR";
  const std::string user = "system:node:" + leader.node_name;
  if (csr.username != user) return "requested by " + csr.username + ", not " + user;
  if (csr.common_name != user) return "its subject is " + csr.common_name + ", not " + user;
  if (csr.dns_names.empty() && csr.ip_addresses.empty()) return "it names nothing";
  auto has = [](const std::vector<std::string>& list, const std::string& v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  for (const std::string& n : csr.dns_names) {
    if (!has(leader.dns_names, n)) return "DNS name " + n + " is not one of the leader's";
  }
  for (const std::string& ip : csr.ip_addresses) {
    if (!has(leader.addresses, ip)) return "IP address " + ip + " is not one of the leader's";
  }
  return "";
}

}  // namespace kc::addons
