#include "agent/cleanup_credentials.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "common/cli/plan_command.h"
#include "common/core/transitional_step.h"
#include "common/core/yaml.h"
#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"

namespace kc::cleanup {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

std::string openssl_why() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

X509Ptr parse_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return cert;
}

PkeyPtr parse_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  return key;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string common_name(X509* cert) {
  char buf[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

struct Issued {
  std::string cert_pem;
  Secret key_pem;
};

Result<Issued> issue(X509* ca, EVP_PKEY* ca_key, int valid_days) {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Error{"generate EC P-256 key", "", openssl_why(), ""};
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  BnPtr serial(BN_new());
  BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
  BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);  // tolerate clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(valid_days) * 86400);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(kCleanupUser.data()),
                             static_cast<int>(kCleanupUser.size()), -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  X509_set_pubkey(cert.get(), key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, ca, cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature"},
                            std::pair{NID_ext_key_usage, "clientAuth"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return Error{"build client certificate", "", openssl_why(), ""};
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), ca_key, EVP_sha256()) == 0) {
    return Error{"sign client certificate with the cluster CA", "", openssl_why(), ""};
  }
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
          1) {
    return Error{"encode client certificate", "", openssl_why(), ""};
  }
  return Issued{bio_string(cert_bio.get()), Secret(bio_string(key_bio.get()))};
}

class ClientCredentialsStep final : public TransitionalStep {
 public:
  explicit ClientCredentialsStep(CredentialsOptions options) : o_(std::move(options)) {}

  std::string describe() const override {
    return o_.kubeconfig + " (0600): key and client certificate for user kc-cleanup, signed by " +
           o_.ca_cert;
  }

  Result<Outcome> run(const StepContext& context) override {
    const Host& host = context.host;
    if (context.dry_run) {
      // Before kubeadm init (kc-leader init --dry-run) there is no CA and no admin.conf yet.
      auto ca_stat = host.stat(o_.ca_cert);
      if (ca_stat && !*ca_stat) {
        return Outcome{true, "would issue a certificate once " + o_.ca_cert + " exists"};
      }
      if (o_.server.empty()) {
        auto admin_stat = host.stat(o_.admin_kubeconfig);
        if (admin_stat && !*admin_stat) {
          return Outcome{true, "would issue a certificate once " + o_.admin_kubeconfig + " exists"};
        }
      }
    }
    auto ca_pem = read_required(host, o_.ca_cert, "cluster CA certificate");
    if (!ca_pem) return std::move(ca_pem).error();
    X509Ptr ca = parse_cert(*ca_pem);
    if (!ca)
      return Error{"read cluster CA certificate", host.path(o_.ca_cert).string(),
                   "not a PEM certificate", ""};
    auto server = resolve_server(host);
    if (!server) return std::move(server).error();

    const std::string why_new = why_reissue(host, ca.get(), *server);
    if (why_new.empty()) return Outcome{false, "up to date"};
    if (context.dry_run) return Outcome{true, "would issue a new certificate: " + why_new};

    auto ca_key_pem = read_required(host, o_.ca_key, "cluster CA key");
    if (!ca_key_pem) return std::move(ca_key_pem).error();
    PkeyPtr ca_key = parse_key(*ca_key_pem);
    if (!ca_key)
      return Error{"read cluster CA key", host.path(o_.ca_key).string(), "not a PEM private key",
                   ""};
    if (X509_check_private_key(ca.get(), ca_key.get()) != 1) {
      ERR_clear_error();
      return Error{"read cluster CA key", host.path(o_.ca_key).string(),
                   "it does not belong to " + o_.ca_cert, ""};
    }
    auto issued = issue(ca.get(), ca_key.get(), o_.valid_days);
    if (!issued) return std::move(issued).error();
    ClusterCredentials creds{*server, *ca_pem, issued->cert_pem, issued->key_pem};
    KC_TRY(host.write_file(
        o_.kubeconfig, render_kubeconfig("kubernetes", std::string(kCleanupUser), creds), 0600));
    return Outcome{true, "issued a certificate for kc-cleanup valid " +
                             std::to_string(o_.valid_days) + " days (" + why_new + ")"};
  }

 private:
  static Result<std::string> read_required(const Host& host, const std::string& path,
                                           const std::string& what) {
    auto content = host.read_file(path);
    if (!content) return std::move(content).error().context("read " + what);
    if (!*content) {
      return Error{"read " + what, host.path(path).string(), "No such file or directory",
                   "run kubeadm init first, or point --root at the leader's root"};
    }
    return std::move(**content);
  }

  Result<std::string> resolve_server(const Host& host) const {
    if (!o_.server.empty()) {
      if (o_.server.rfind("https://", 0) != 0) {
        return Error{"cleanup credentials", o_.server, "--server must be an https URL", ""};
      }
      return o_.server;
    }
    auto admin = load_kubeconfig(host, o_.admin_kubeconfig);
    if (!admin) {
      return std::move(admin).error().context("find the API server URL (give --server)");
    }
    return admin->server;
  }

  // Why the existing kubeconfig must be replaced; empty when it is still good.
  std::string why_reissue(const Host& host, X509* ca, const std::string& server) const {
    auto stat = host.stat(o_.kubeconfig);
    if (!stat || !*stat) return "none yet";
    auto existing = load_kubeconfig(host, o_.kubeconfig);
    if (!existing) return "the existing kubeconfig is unusable";
    if (existing->server != server) return "the API server changed";
    X509Ptr their_ca = parse_cert(existing->ca_pem);
    if (!their_ca || X509_cmp(their_ca.get(), ca) != 0) return "the cluster CA changed";
    X509Ptr cert = parse_cert(existing->client_cert_pem);
    if (!cert) return "the existing certificate is unreadable";
    PkeyPtr ca_pub(X509_get_pubkey(ca));
    if (X509_verify(cert.get(), ca_pub.get()) != 1) {
      ERR_clear_error();
      return "the existing certificate is not signed by the cluster CA";
    }
    if (common_name(cert.get()) != kCleanupUser)
      return "the existing certificate is for another user";
    PkeyPtr key = parse_key(existing->client_key_pem.reveal());
    if (!key || X509_check_private_key(cert.get(), key.get()) != 1) {
      ERR_clear_error();
      return "the existing key does not match its certificate";
    }
    // A renewal window as long as the lifetime would renew on every run.
    const int renew_days = std::min(o_.renew_days, o_.valid_days / 2);
    time_t renew_at = std::time(nullptr) + static_cast<time_t>(renew_days) * 86400;
    if (X509_cmp_time(X509_get0_notAfter(cert.get()), &renew_at) <= 0) {
      return "the existing certificate expires within " + std::to_string(renew_days) + " days";
    }
    if ((*stat)->mode != 0600) return "the kubeconfig's mode is not 0600";
    return "";
  }

  CredentialsOptions o_;
};

}  // namespace

std::string rbac_manifest() {
  return R"(# kc-cleanup's least privilege: read and delete Node objects, nothing else.
# Written and applied by kc-leader cleanup-credentials.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: kc-cleanup
  labels:
    app.kubernetes.io/managed-by: kc
rules:
- apiGroups:
  - ""
  resources:
  - nodes
  verbs:
  - get
  - list
  - watch
  - delete
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kc-cleanup
  labels:
    app.kubernetes.io/managed-by: kc
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: kc-cleanup
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kc-cleanup
)";
}

Result<std::vector<nlohmann::json>> rbac_objects() {
  return parse_yaml_documents(rbac_manifest(), "RBAC manifest");
}

namespace {

// Applies the RBAC objects with server-side apply (as kubectl apply --server-side does), with the
// cluster admin's credentials; objects that already say the same are left alone.
class RbacApplyStep final : public TransitionalStep {
 public:
  explicit RbacApplyStep(CredentialsOptions options) : o_(std::move(options)) {}

  std::string describe() const override {
    return "ClusterRole and ClusterRoleBinding kc-cleanup, applied with " + o_.admin_kubeconfig;
  }

  Result<Outcome> run(const StepContext& context) override {
    const Host& host = context.host;
    if (context.dry_run) {
      auto admin_stat = host.stat(o_.admin_kubeconfig);
      if (admin_stat && !*admin_stat) {
        return Outcome{
            true, "would apply " + o_.rbac_manifest + " once " + o_.admin_kubeconfig + " exists"};
      }
    }
    auto objects = rbac_objects();
    if (!objects) return std::move(objects).error();
    auto admin = load_kubeconfig(host, o_.admin_kubeconfig);
    if (!admin) return std::move(admin).error().context("apply the kc-cleanup RBAC objects");
    KC_TRY(kube::validate_credentials(*admin, o_.admin_kubeconfig));
    kube::ClientOptions options;
    options.credentials = std::move(*admin);
    options.request_timeout = std::chrono::seconds(30);
    kube::Client client(std::move(options));
    std::vector<std::string> changed;
    for (const nlohmann::json& object : *objects) {
      const std::string kind = object.value("kind", "");
      const std::string name = object["metadata"].value("name", "");
      const std::string path =
          "/apis/rbac.authorization.k8s.io/v1/" +
          std::string(kind == "ClusterRole" ? "clusterroles" : "clusterrolebindings") + "/" + name;
      auto current = client.request("GET", path, "", "", {});
      if (!current) return std::move(current).error().context("read " + kind + " " + name);
      if (current->status == 200 && same(object, current->body)) continue;
      if (current->status != 200 && current->status != 404) {
        return Error{"read " + kind + " " + name, client.server() + path, kube::api_error(*current),
                     ""};
      }
      changed.push_back(kind + " " + name);
      if (context.dry_run) continue;
      auto applied = client.request("PATCH", path + "?fieldManager=kc&force=true", object.dump(),
                                    "application/apply-patch+yaml", {});
      if (!applied) return std::move(applied).error().context("apply " + kind + " " + name);
      if (applied->status != 200 && applied->status != 201) {
        return Error{"apply " + kind + " " + name, client.server() + path,
                     kube::api_error(*applied), "the admin kubeconfig must allow managing RBAC"};
      }
    }
    if (changed.empty()) return Outcome{false, "up to date"};
    std::string list;
    for (const std::string& c : changed) list += (list.empty() ? "" : ", ") + c;
    return Outcome{true, (context.dry_run ? "would apply " : "applied ") + list};
  }

 private:
  // Whether the object on the server grants what the manifest says.
  static bool same(const nlohmann::json& want, const std::string& body) {
    nlohmann::json have = nlohmann::json::parse(body, nullptr, false);
    if (have.is_discarded() || !have.is_object()) return false;
    for (const char* field : {"rules", "roleRef", "subjects"}) {
      if (want.contains(field) && (!have.contains(field) || have[field] != want[field])) {
        return false;
      }
    }
    return true;
  }

  CredentialsOptions o_;
};

}  // namespace

std::unique_ptr<Step> make_rbac_apply_step(const CredentialsOptions& options) {
  return std::make_unique<RbacApplyStep>(options);
}

std::unique_ptr<Step> make_client_credentials_step(const CredentialsOptions& options) {
  return std::make_unique<ClientCredentialsStep>(options);
}

Plan make_credentials_plan(const CredentialsOptions& options) {
  Phase phase{"cleanup-credentials", {}};
  phase.steps.push_back(make_client_credentials_step(options));
  phase.steps.push_back(std::make_unique<FileStep>(options.rbac_manifest, rbac_manifest(), 0644));
  phase.steps.push_back(make_rbac_apply_step(options));
  Plan plan;
  plan.push_back(std::move(phase));
  return plan;
}

CLI::App* add_credentials_command(CLI::App& app, CredentialsOptions& o) {
  CLI::App* cmd = cli::add_command(
      app, "cleanup-credentials",
      "Create kc-cleanup's key, client certificate (signed by the cluster CA), kubeconfig and RBAC "
      "manifest");
  cmd->add_option("--server", o.server, "API server URL (default: the one in admin.conf)")
      ->type_name("URL");
  cmd->add_option("--ca-cert", o.ca_cert, "Cluster CA certificate")
      ->capture_default_str()
      ->type_name("FILE");
  cmd->add_option("--ca-key", o.ca_key, "Cluster CA key")->capture_default_str()->type_name("FILE");
  cmd->add_option("--kubeconfig", o.kubeconfig, "Where to write kc-cleanup's kubeconfig")
      ->capture_default_str()
      ->type_name("FILE");
  cmd->add_option("--admin-kubeconfig", o.admin_kubeconfig,
                  "Kubeconfig allowed to manage RBAC (applies the manifest; server default)")
      ->capture_default_str()
      ->type_name("FILE");
  cmd->add_option("--rbac-manifest", o.rbac_manifest, "Where to write the RBAC manifest")
      ->capture_default_str()
      ->type_name("FILE");
  cmd->add_option("--valid-days", o.valid_days, "Certificate lifetime")
      ->capture_default_str()
      ->check(CLI::Range(2, 3650));
  cmd->add_option("--renew-days", o.renew_days, "Renew when it expires within this many days")
      ->capture_default_str()
      ->check(CLI::Range(1, 3649));
  return cmd;
}

int run_credentials_command(const CredentialsOptions& options, const cli::GlobalOptions& global) {
  Plan plan = make_credentials_plan(options);
  return run_plan_command("kc-leader cleanup-credentials", plan, global);
}

}  // namespace kc::cleanup
