// Test driver for common/kube/kube_apply against an API server: applies the objects of a YAML
// manifest with a kubeconfig's credentials, printing one line per object ("created ConfigMap
// ns/name", "unchanged ...", with --dry-run "would create ..."). No kc command applies arbitrary
// manifests yet (the add-on flows will); this lets the integration tests drive the module.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "common/core/host.h"
#include "common/core/yaml.h"
#include "common/kube/kube_apply.h"
#include "common/kube/kubeconfig.h"

namespace {

int fail(const kc::Error& error) {
  std::fprintf(stderr, "kc-apply-probe: %s\n", error.message().c_str());
  return 1;
}

std::string_view would(kc::kube::ApplyAction action) {
  switch (action) {
    case kc::kube::ApplyAction::create:
      return "would create";
    case kc::kube::ApplyAction::configure:
      return "would configure";
    case kc::kube::ApplyAction::unchanged:
      break;
  }
  return "unchanged";
}

}  // namespace

int main(int argc, char** argv) {
  std::string kubeconfig;
  std::string manifest;
  bool dry_run = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--kubeconfig") == 0 && i + 1 < argc) {
      kubeconfig = argv[++i];
    } else if (std::strcmp(argv[i], "--dry-run") == 0) {
      dry_run = true;
    } else if (argv[i][0] != '-' && manifest.empty()) {
      manifest = argv[i];
    } else {
      manifest.clear();
      break;
    }
  }
  if (kubeconfig.empty() || manifest.empty()) {
    std::fprintf(stderr, "usage: kc-apply-probe --kubeconfig FILE [--dry-run] MANIFEST.yaml\n");
    return 2;
  }
  std::ifstream in(manifest);
  if (!in) return fail({"read manifest", manifest, "cannot open", ""});
  std::stringstream text;
  text << in.rdbuf();
  auto objects = kc::parse_yaml_documents(text.str(), manifest);
  if (!objects) return fail(objects.error());
  auto prepared = kc::kube::prepare_apply(*objects);
  if (!prepared) return fail(prepared.error());
  kc::Host host("/");
  auto credentials = kc::load_kubeconfig(host, kubeconfig);
  if (!credentials) return fail(credentials.error());
  kc::kube::ClientOptions options;
  options.credentials = std::move(*credentials);
  kc::kube::Client client(std::move(options));
  auto differences = kc::kube::observe_apply(client, *prepared);
  if (!differences) return fail(differences.error());
  if (dry_run) {
    for (const auto& d : *differences) {
      std::printf("%.*s %s%s\n", static_cast<int>(would(d.action).size()), would(d.action).data(),
                  d.object.display().c_str(),
                  d.detail.empty() ? "" : (" (" + d.detail + ")").c_str());
    }
    return 0;
  }
  auto results = kc::kube::apply_differences(client, *differences);
  if (!results) return fail(results.error());
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& r = (*results)[i];
    const std::string& detail = (*differences)[i].detail;
    const std::string_view name = kc::kube::action_name(r.action);
    std::printf("%.*s %s%s\n", static_cast<int>(name.size()), name.data(),
                r.object.display().c_str(), detail.empty() ? "" : (" (" + detail + ")").c_str());
  }
  return 0;
}
