// "kc-leader cleanup-credentials": a dedicated, least-privileged identity for kc-cleanup instead
// of admin.conf. An EC P-256 key and a client certificate for user kc-cleanup (no group),
// signed with the cluster CA (/etc/kubernetes/pki/ca.{crt,key}) by common/pki, in a kubeconfig
// (mode 0600) under /etc/kc; and the RBAC manifest (a ClusterRole allowing get, list, watch and
// delete on nodes, bound to that user), which it applies with the admin kubeconfig by
// common/kube/kube_apply. Converges: a valid certificate is kept, one near its expiry, from
// another CA, for another user or for another server is replaced.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/core/plan.h"

namespace kc::cleanup {

struct CredentialsOptions {
  // The identity the certificate is for: CN and O (groups); kc-cleanup's RBAC names the user.
  std::string user = "kc-cleanup";
  std::vector<std::string> groups;
  std::string server;  // default: the server in /etc/kubernetes/admin.conf
  std::string ca_cert = "/etc/kubernetes/pki/ca.crt";
  std::string ca_key = "/etc/kubernetes/pki/ca.key";
  std::string admin_kubeconfig = "/etc/kubernetes/admin.conf";
  std::string kubeconfig = "/etc/kc/kc-cleanup.kubeconfig";
  std::string rbac_manifest = "/etc/kc/kc-cleanup-rbac.yaml";
  int valid_days = 365;
  int renew_days = 30;  // renew when the certificate expires within this many days
};

// The ClusterRole and ClusterRoleBinding kc-cleanup needs, as a YAML manifest.
std::string rbac_manifest();

// The manifest's objects, parsed.
Result<std::vector<nlohmann::json>> rbac_objects();

// The step that applies the RBAC objects with the admin kubeconfig (server-side apply).
std::unique_ptr<Step> make_rbac_apply_step(const CredentialsOptions& options);

// The step that issues (or keeps) the key, certificate and kubeconfig.
std::unique_ptr<Step> make_client_credentials_step(const CredentialsOptions& options);

Plan make_credentials_plan(const CredentialsOptions& options);

}  // namespace kc::cleanup
