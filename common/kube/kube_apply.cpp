#include "common/kube/kube_apply.h"

#include <algorithm>
#include <array>
#include <set>

namespace kc::kube {
namespace {

using nlohmann::json;

// The kinds kc applies, in the order they must exist: a namespace before what lives in it, a
// CRD before its objects, service accounts and RBAC before the workloads that run as them,
// configuration and services before the pods that read and serve them, and the API services
// and webhooks (which send requests to those pods) last.
constexpr std::array kTypes{
    ResourceType{"", "Namespace", "namespaces", false, 0},
    ResourceType{"apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
                 false, 1},
    ResourceType{"scheduling.k8s.io", "PriorityClass", "priorityclasses", false, 1},
    ResourceType{"storage.k8s.io", "StorageClass", "storageclasses", false, 1},
    ResourceType{"", "ServiceAccount", "serviceaccounts", true, 2},
    ResourceType{"rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false, 2},
    ResourceType{"rbac.authorization.k8s.io", "Role", "roles", true, 2},
    ResourceType{"rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", false,
                 3},
    ResourceType{"rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true, 3},
    ResourceType{"", "ConfigMap", "configmaps", true, 4},
    ResourceType{"", "Secret", "secrets", true, 4},
    ResourceType{"", "Service", "services", true, 5},
    ResourceType{"policy", "PodDisruptionBudget", "poddisruptionbudgets", true, 6},
    ResourceType{"apps", "Deployment", "deployments", true, 7},
    ResourceType{"apps", "DaemonSet", "daemonsets", true, 7},
    ResourceType{"apps", "StatefulSet", "statefulsets", true, 7},
    ResourceType{"batch", "Job", "jobs", true, 7},
    ResourceType{"apiregistration.k8s.io", "APIService", "apiservices", false, 8},
    ResourceType{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration",
                 "validatingwebhookconfigurations", false, 8},
    ResourceType{"admissionregistration.k8s.io", "MutatingWebhookConfiguration",
                 "mutatingwebhookconfigurations", false, 8},
};

// A name that can stand in a URL path as it is (object names are DNS subdomains, RBAC names may
// also hold ':' and upper case).
bool usable_name(const std::string& name) {
  if (name.empty() || name.size() > 253 || name == "." || name == "..") return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == '%' || c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ' ||
           c == 0x7f;
  });
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A copy without what every write changes, so a dry-run result compares with the live object.
json comparable(json object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return object;
  meta->erase("resourceVersion");
  auto managed = meta->find("managedFields");
  if (managed != meta->end() && managed->is_array()) {
    for (json& entry : *managed) {
      if (entry.is_object()) entry.erase("time");
    }
  }
  return object;
}

void collect_differences(const json& a, const json& b, const std::string& prefix, int depth,
                         std::vector<std::string>& out) {
  if (a == b) return;
  if (depth < 2 && a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const std::string& k : keys) {
      auto ia = a.find(k);
      auto ib = b.find(k);
      collect_differences(ia != a.end() ? *ia : json(), ib != b.end() ? *ib : json(),
                          prefix.empty() ? k : prefix + "." + k, depth + 1, out);
    }
    return;
  }
  out.push_back(prefix.empty() ? "the whole object" : prefix);
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string apply_path(const ApplyObject& object, bool dry_run) {
  std::vector<std::pair<std::string, std::string>> query{{"fieldManager", "kc"}, {"force", "true"}};
  if (dry_run) query.emplace_back("dryRun", "All");
  return with_query(object.path, query);
}

Result<json> send_apply(Client& client, const ApplyObject& object, bool dry_run, long& status,
                        const Tick& tick) {
  const std::string what = (dry_run ? "dry-run apply " : "apply ") + object.display();
  auto response = client.request("PATCH", apply_path(object, dry_run), object.manifest.dump(),
                                 "application/apply-patch+yaml", tick);
  if (!response) return std::move(response).error().context(what);
  status = response->status;
  if (status != 200 && status != 201) {
    return Error{what, client.server() + object.path, api_error(*response), ""};
  }
  json result = json::parse(response->body, nullptr, false);
  if (result.is_discarded() || !result.is_object()) {
    return Error{what, client.server() + object.path, "the response is not a JSON object", ""};
  }
  return result;
}

}  // namespace

Result<ResourceType> resource_type(std::string_view api_version, std::string_view kind) {
  const size_t slash = api_version.find('/');
  const std::string_view group =
      slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
  for (const ResourceType& t : kTypes) {
    if (t.kind == kind && t.group == group) return t;
  }
  return Error{"apply", std::string(kind) + " (" + std::string(api_version) + ")",
               "kc does not know where objects of kind " + std::string(kind) + " live",
               "add the kind to the table in common/kube/kube_apply.cpp"};
}

std::string ApplyObject::display() const {
  return kind + " " + (namespace_.empty() ? name : namespace_ + "/" + name);
}

Result<std::vector<ApplyObject>> prepare_apply(const std::vector<json>& objects) {
  std::vector<ApplyObject> out;
  std::set<std::string> paths;
  for (size_t i = 0; i < objects.size(); ++i) {
    const json& o = objects[i];
    const std::string which = "object " + std::to_string(i + 1);
    if (!o.is_object()) return Error{"apply", which, "not a JSON object", ""};
    const std::string api_version = string_at(o, "apiVersion");
    ApplyObject a;
    a.kind = string_at(o, "kind");
    if (api_version.empty() || a.kind.empty()) {
      return Error{"apply", which, "it needs apiVersion and kind", ""};
    }
    auto type = resource_type(api_version, a.kind);
    if (!type) return std::move(type).error();
    auto meta = o.find("metadata");
    if (meta == o.end() || !meta->is_object()) {
      return Error{"apply", which + " (" + a.kind + ")", "no metadata", ""};
    }
    a.name = string_at(*meta, "name");
    a.namespace_ = string_at(*meta, "namespace");
    if (!usable_name(a.name)) {
      return Error{"apply", which + " (" + a.kind + ")",
                   "metadata.name '" + a.name + "' is empty or not a name", ""};
    }
    if (type->namespaced && !usable_name(a.namespace_)) {
      return Error{"apply", a.kind + " " + a.name,
                   "a namespaced kind needs metadata.namespace (kc applies no default)", ""};
    }
    if (!type->namespaced && !a.namespace_.empty()) {
      return Error{"apply", a.kind + " " + a.name,
                   a.kind + " is cluster-scoped but has metadata.namespace " + a.namespace_, ""};
    }
    a.path = (type->group.empty() ? "/api/" : "/apis/") + api_version;
    if (type->namespaced) a.path += "/namespaces/" + a.namespace_;
    a.path += "/" + std::string(type->plural) + "/" + a.name;
    a.rank = type->rank;
    a.manifest = o;
    // Two apiVersions of one kind are one object.
    const std::string key = std::string(type->group) + "/" + std::string(type->plural) + "/" +
                            a.namespace_ + "/" + a.name;
    if (!paths.insert(key).second) return Error{"apply", a.display(), "listed twice", ""};
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ApplyObject& x, const ApplyObject& y) { return x.rank < y.rank; });
  return out;
}

// Why a server-side dry run and not a comparison in kc: the live object differs from the
// manifest by everything the API server adds (defaults, normalized quantities, other managers'
// fields), so comparing them in kc needs a model of the server that is wrong as soon as a
// default changes, and reports "configured" forever or misses a change. The dry run is the
// server's own answer to "what would this apply make of the object", through the same
// defaulting, validation and admission as the real apply (kubectl diff works the same way), and
// it writes nothing. A missing object is reported as created without a dry run: its namespace
// may be one this same apply creates first.
Result<std::vector<ObjectDifference>> observe_apply(Client& client,
                                                    const std::vector<ApplyObject>& objects,
                                                    const Tick& tick) {
  std::vector<ObjectDifference> out;
  for (const ApplyObject& object : objects) {
    const std::string what = "read " + object.display();
    auto live = client.request("GET", object.path, "", "", tick);
    if (!live) return std::move(live).error().context(what);
    if (live->status == 404) {
      out.push_back({object, ApplyAction::create, "", ""});
      continue;
    }
    if (live->status != 200) {
      return Error{what, client.server() + object.path, api_error(*live), ""};
    }
    json current = json::parse(live->body, nullptr, false);
    if (current.is_discarded() || !current.is_object()) {
      return Error{what, client.server() + object.path, "the response is not a JSON object", ""};
    }
    long status = 0;
    auto would_be = send_apply(client, object, true, status, tick);
    if (!would_be) return std::move(would_be).error();
    const std::vector<std::string> fields = object_differences(current, *would_be);
    out.push_back({object, fields.empty() ? ApplyAction::unchanged : ApplyAction::configure,
                   join(fields), current.value("/metadata/resourceVersion"_json_pointer, "")});
  }
  return out;
}

Result<std::vector<ObjectResult>> apply_differences(Client& client,
                                                    const std::vector<ObjectDifference>& changes,
                                                    const Tick& tick) {
  std::vector<ObjectResult> out;
  for (const ObjectDifference& change : changes) {
    if (change.action == ApplyAction::unchanged) {
      out.push_back({change.object, ApplyAction::unchanged});
      continue;
    }
    long status = 0;
    auto applied = send_apply(client, change.object, false, status, tick);
    if (!applied) return std::move(applied).error();
    ApplyAction done = status == 201 ? ApplyAction::create : ApplyAction::configure;
    const std::string version = applied->value("/metadata/resourceVersion"_json_pointer, "");
    if (done == ApplyAction::configure && !change.live_resource_version.empty() &&
        version == change.live_resource_version) {
      done = ApplyAction::unchanged;
    }
    out.push_back({change.object, done});
  }
  return out;
}

std::string_view action_name(ApplyAction action) {
  switch (action) {
    case ApplyAction::create:
      return "created";
    case ApplyAction::configure:
      return "configured";
    case ApplyAction::unchanged:
      break;
  }
  return "unchanged";
}

std::vector<std::string> object_differences(const json& live, const json& wanted) {
  std::vector<std::string> out;
  collect_differences(comparable(live), comparable(wanted), "", 0, out);
  return out;
}

}  // namespace kc::kube
