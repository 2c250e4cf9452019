#include "agent/cleanup_credentials.h"

#include <algorithm>

#include "common/core/yaml.h"
#include "common/kube/kube_apply.h"
#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"
#include "common/pki/certificate.h"
#include "common/pki/issue.h"

namespace kc::cleanup {
namespace {

class ClientCredentialsStep final : public Step {
 public:
  explicit ClientCredentialsStep(CredentialsOptions options) : o_(std::move(options)) {}

  std::string describe() const override {
    return o_.kubeconfig + " (0600): key and client certificate for user " + o_.user +
           ", signed by " + o_.ca_cert;
  }

  Result<Findings> check(const StepContext& context) override {
    const Host& host = context.host;
    Findings findings{{}, o_.kubeconfig};
    const std::string object = "a new certificate for " + o_.user + " in " + o_.kubeconfig;
    // Before kubeadm init (kc-leader init --dry-run) there is no CA and no admin.conf yet: what
    // is missing is said here, and a real run fails on it in apply().
    auto ca_stat = host.stat(o_.ca_cert);
    if (ca_stat && !*ca_stat) {
      findings.changes.push_back({Verb::issue, object, "once " + o_.ca_cert + " exists"});
      return findings;
    }
    if (o_.server.empty()) {
      auto admin_stat = host.stat(o_.admin_kubeconfig);
      if (admin_stat && !*admin_stat) {
        findings.changes.push_back(
            {Verb::issue, object, "once " + o_.admin_kubeconfig + " exists"});
        return findings;
      }
    }
    auto ca = read_ca(host);
    if (!ca) return std::move(ca).error();
    auto server = resolve_server(host);
    if (!server) return std::move(server).error();
    const std::string why_new = why_reissue(host, ca->certificate, *server);
    if (!why_new.empty()) findings.changes.push_back({Verb::issue, object, "(" + why_new + ")"});
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    const Host& host = context.host;
    auto ca = read_ca(host);
    if (!ca) return std::move(ca).error();
    auto server = resolve_server(host);
    if (!server) return std::move(server).error();
    auto ca_key_pem = read_required(host, o_.ca_key, "cluster CA key");
    if (!ca_key_pem) return std::move(ca_key_pem).error();
    const std::string ca_key_path = host.path(o_.ca_key).string();
    auto ca_key = pki::PrivateKey::parse(Secret(std::move(*ca_key_pem)), ca_key_path);
    if (!ca_key) return std::move(ca_key).error().context("read cluster CA key");
    if (!pki::check_key_pair(ca->certificate, *ca_key)) {
      return Error{"read cluster CA key", ca_key_path, "it does not belong to " + o_.ca_cert, ""};
    }
    pki::IssueRequest request;
    request.subject = {o_.user, o_.groups};
    request.lifetime = std::chrono::hours(24) * o_.valid_days;
    auto issued = pki::issue_certificate(ca->certificate, *ca_key, request);
    if (!issued) return std::move(issued).error().context("issue a certificate for " + o_.user);
    auto key_pem = issued->key.pem();
    if (!key_pem) return std::move(key_pem).error();
    ClusterCredentials creds{*server, ca->pem, issued->certificate.pem(), std::move(*key_pem)};
    KC_TRY(host.write_file(o_.kubeconfig, render_kubeconfig("kubernetes", o_.user, creds), 0600));
    for (Change& change : changes) {
      std::string why = change.detail;
      if (why.size() > 2 && why.front() == '(') why = why.substr(1, why.size() - 2);
      change.detail = "(valid " + std::to_string(o_.valid_days) + " days; " + why + ")";
    }
    return {};
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

  struct Ca {
    std::string pem;  // as in the file: written into the kubeconfig as it is
    pki::Certificate certificate;
  };
  Result<Ca> read_ca(const Host& host) const {
    auto ca_pem = read_required(host, o_.ca_cert, "cluster CA certificate");
    if (!ca_pem) return std::move(ca_pem).error();
    auto ca = pki::Certificate::parse(*ca_pem, host.path(o_.ca_cert).string());
    if (!ca) return std::move(ca).error().context("read cluster CA certificate");
    return Ca{std::move(*ca_pem), std::move(*ca)};
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
  std::string why_reissue(const Host& host, const pki::Certificate& ca,
                          const std::string& server) const {
    auto stat = host.stat(o_.kubeconfig);
    if (!stat || !*stat) return "none yet";
    auto existing = load_kubeconfig(host, o_.kubeconfig);
    if (!existing) return "the existing kubeconfig is unusable";
    if (existing->server != server) return "the API server changed";
    auto their_ca = pki::Certificate::parse(existing->ca_pem);
    if (!their_ca || !(*their_ca == ca)) return "the cluster CA changed";
    auto cert = pki::Certificate::parse(existing->client_cert_pem);
    if (!cert) return "the existing certificate is unreadable";
    if (!pki::check_issued_by(*cert, ca)) {
      return "the existing certificate is not signed by the cluster CA";
    }
    if (cert->common_name() != o_.user || cert->organizations() != o_.groups) {
      return "the existing certificate is for another user";
    }
    auto key = pki::PrivateKey::parse(existing->client_key_pem);
    if (!key || !pki::check_key_pair(*cert, *key)) {
      return "the existing key does not match its certificate";
    }
    // A renewal window as long as the lifetime would renew on every run.
    const int renew_days = std::min(o_.renew_days, o_.valid_days / 2);
    if (auto valid =
            pki::check_validity(*cert, std::chrono::hours(24) * renew_days, pki::unix_now());
        !valid) {
      return "the existing certificate " + valid.error().why;
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
class RbacApplyStep final : public Step {
 public:
  explicit RbacApplyStep(CredentialsOptions options) : o_(std::move(options)) {}

  std::string describe() const override {
    return "ClusterRole and ClusterRoleBinding kc-cleanup, applied with " + o_.admin_kubeconfig;
  }

  Result<Findings> check(const StepContext& context) override {
    const Host& host = context.host;
    observed_.clear();
    auto objects = prepared_objects();
    if (!objects) return std::move(objects).error();
    Findings findings{{}, displays(*objects)};
    // Before kubeadm init there is no admin.conf; a real run fails on it in apply().
    auto admin_stat = host.stat(o_.admin_kubeconfig);
    if (admin_stat && !*admin_stat) {
      findings.changes.push_back(
          {Verb::apply, o_.rbac_manifest, "once " + o_.admin_kubeconfig + " exists"});
      return findings;
    }
    auto client = connect(host);
    if (!client) return std::move(client).error();
    auto differences = kube::observe_apply(**client, *objects);
    if (!differences) return std::move(differences).error();
    std::vector<kube::ApplyObject> changing;
    int creates = 0;
    std::vector<std::string> configures;
    for (const kube::ObjectDifference& d : *differences) {
      if (d.action == kube::ApplyAction::unchanged) continue;
      changing.push_back(d.object);
      if (d.action == kube::ApplyAction::create) {
        ++creates;
      } else {
        configures.push_back(d.object.display() + ": " + d.detail);
      }
    }
    if (changing.empty()) return findings;
    std::string detail;
    if (creates > 0) detail = std::to_string(creates) + " to create";
    if (!configures.empty()) {
      detail += (detail.empty() ? "" : ", ") + std::to_string(configures.size()) +
                " to configure (" + join(configures, "; ") + ")";
    }
    observed_ = std::move(*differences);
    findings.changes.push_back({Verb::apply, displays(changing), "(" + detail + ")"});
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    auto client = connect(context.host);
    if (!client) return std::move(client).error().context("apply the kc-cleanup RBAC objects");
    if (observed_.empty()) {  // check() found the admin kubeconfig missing; it is here now
      auto objects = prepared_objects();
      if (!objects) return std::move(objects).error();
      auto differences = kube::observe_apply(**client, *objects);
      if (!differences) return std::move(differences).error();
      observed_ = std::move(*differences);
    }
    auto applied = kube::apply_differences(**client, observed_);
    if (!applied) {
      Error e = std::move(applied).error();
      e.hint = "the admin kubeconfig must allow managing RBAC";
      return e;
    }
    int created = 0;
    int configured = 0;
    for (const kube::ObjectResult& r : *applied) {
      if (r.action == kube::ApplyAction::create) ++created;
      if (r.action == kube::ApplyAction::configure) ++configured;
    }
    std::string detail;
    if (created > 0) detail = std::to_string(created) + " created";
    if (configured > 0)
      detail += (detail.empty() ? "" : ", ") + std::to_string(configured) + " configured";
    for (Change& change : changes) change.detail = "(" + detail + ")";
    return {};
  }

 private:
  Result<std::vector<kube::ApplyObject>> prepared_objects() const {
    auto objects = rbac_objects();
    if (!objects) return std::move(objects).error();
    return kube::prepare_apply(*objects);
  }

  Result<std::unique_ptr<kube::Client>> connect(const Host& host) const {
    auto admin = load_kubeconfig(host, o_.admin_kubeconfig);
    if (!admin) return std::move(admin).error().context("apply the kc-cleanup RBAC objects");
    KC_TRY(kube::validate_credentials(*admin, o_.admin_kubeconfig));
    kube::ClientOptions options;
    options.credentials = std::move(*admin);
    options.request_timeout = std::chrono::seconds(30);
    return std::make_unique<kube::Client>(std::move(options));
  }

  static std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : separator) + p;
    return out;
  }

  static std::string displays(const std::vector<kube::ApplyObject>& objects) {
    std::vector<std::string> names;
    for (const kube::ApplyObject& o : objects) names.push_back(o.display());
    return join(names, ", ");
  }

  std::vector<kube::ObjectDifference> observed_;
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

}  // namespace kc::cleanup
