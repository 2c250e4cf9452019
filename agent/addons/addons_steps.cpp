#include "agent/addons/addons_steps.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "agent/addons/addons.h"
#include "common/kube/kube_client.h"
#include "common/kube/kube_inventory.h"
#include "common/kube/kube_wait.h"
#include "common/kube/kubeconfig.h"

namespace kc::addons {
namespace {

using nlohmann::json;

// What the steps of one phase share: the settings, the built add-ons and one client.
struct Shared {
  SettingsSource source;
  ApplyOptions options;
  std::optional<std::vector<Addon>> addons;
  std::unique_ptr<kube::Client> client;

  Result<const std::vector<Addon>*> built() {
    if (!addons) {
      auto settings = source();
      if (!settings) return std::move(settings).error();
      auto made = build_addons(*settings);
      if (!made) return std::move(made).error();
      addons = std::move(*made);
    }
    return &*addons;
  }

  // False when the kubeconfig does not exist yet (before kubeadm init).
  Result<bool> kubeconfig_exists(const Host& host) const {
    auto stat = host.stat(options.kubeconfig);
    if (!stat) return std::move(stat).error();
    return stat->has_value();
  }

  Result<kube::Client*> connect(const Host& host) {
    if (!client) {
      auto credentials = load_kubeconfig(host, options.kubeconfig);
      if (!credentials) return std::move(credentials).error().context("apply the add-ons");
      KC_TRY(kube::validate_credentials(*credentials, options.kubeconfig));
      kube::ClientOptions o;
      o.credentials = std::move(*credentials);
      o.request_timeout = std::chrono::seconds(30);
      client = std::make_unique<kube::Client>(std::move(o));
    }
    return client.get();
  }
};

std::string names(const std::vector<kube::ApplyObject>& objects) {
  std::string out;
  for (const kube::ApplyObject& o : objects) out += (out.empty() ? "" : ", ") + o.display();
  return out;
}

class AddonApplyStep final : public Step {
 public:
  AddonApplyStep(std::shared_ptr<Shared> shared, size_t index, std::string name)
      : shared_(std::move(shared)), index_(index), name_(std::move(name)) {}

  std::string describe() const override { return "add-on " + name_ + ", server-side applied"; }

  Result<Findings> check(const StepContext& context) override {
    observed_.clear();
    auto exists = shared_->kubeconfig_exists(context.host);
    if (!exists) return std::move(exists).error();
    Findings findings{{}, name_};
    if (!*exists) {
      findings.changes.push_back(
          {Verb::apply, "add-on " + name_, "once " + shared_->options.kubeconfig + " exists"});
      return findings;
    }
    auto addons = shared_->built();
    if (!addons) return std::move(addons).error();
    const Addon& addon = (**addons)[index_];
    auto client = shared_->connect(context.host);
    if (!client) return std::move(client).error();
    if (name_ == "inventory") KC_TRY(list_no_longer_shipped(context, **client, **addons));
    auto differences = kube::observe_apply(**client, addon.objects);
    if (!differences) return std::move(differences).error().context("add-on " + name_);
    findings.subject = name_ + " (" + std::to_string(addon.objects.size()) +
                       " objects: " + names(addon.objects) + ")";
    for (size_t i = 0; i < differences->size(); ++i) {
      const kube::ObjectDifference& d = (*differences)[i];
      if (d.action == kube::ApplyAction::unchanged) continue;
      findings.changes.push_back(
          {Verb::apply, d.object.display(),
           d.action == kube::ApplyAction::create ? "(new)" : "(" + d.detail + ")", i});
    }
    observed_ = std::move(*differences);
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    auto client = shared_->connect(context.host);
    if (!client) return std::move(client).error();
    if (observed_.empty()) {  // check() ran before the kubeconfig existed
      auto addons = shared_->built();
      if (!addons) return std::move(addons).error();
      auto differences = kube::observe_apply(**client, (**addons)[index_].objects);
      if (!differences) return std::move(differences).error().context("add-on " + name_);
      observed_ = std::move(*differences);
      changes.clear();
      for (size_t i = 0; i < observed_.size(); ++i) {
        if (observed_[i].action == kube::ApplyAction::unchanged) continue;
        changes.push_back({Verb::apply, observed_[i].object.display(), "", i});
      }
    }
    auto applied = kube::apply_differences(**client, observed_);
    if (!applied) return std::move(applied).error().context("add-on " + name_);
    for (Change& change : changes) {
      const kube::ObjectResult& r = (*applied)[change.item];
      const std::string& fields = observed_[change.item].detail;
      std::string detail(kube::action_name(r.action));
      if (r.action == kube::ApplyAction::configure && !fields.empty()) detail += ": " + fields;
      change.detail = "(" + detail + ")";
    }
    return {};
  }

 private:
  static Status list_no_longer_shipped(const StepContext& context, kube::Client& client,
                                       const std::vector<Addon>& addons) {
    auto previous = kube::read_inventory(client, kInventoryNamespace, kInventoryName);
    if (!previous) return std::move(previous).error();
    std::vector<kube::ApplyObject> all;
    for (const Addon& a : addons) all.insert(all.end(), a.objects.begin(), a.objects.end());
    for (const std::string& stale : kube::no_longer_shipped(*previous, all)) {
      context.warn("no longer shipped: " + stale +
                   " (kc applied it before and leaves it in place; delete it with kubectl "
                   "delete if nothing needs it)");
    }
    return {};
  }

  std::shared_ptr<Shared> shared_;
  size_t index_;
  std::string name_;
  std::vector<kube::ObjectDifference> observed_;
};

// The leader's own kubelet serving CSR: approved when one of the leader's is, approving (only
// while `act`) a pending one whose every name and address is the leader's.
kube::WaitTarget leader_csr_target(const LeaderIdentity& leader, const bool* act) {
  kube::WaitTarget t;
  t.what = "the serving certificate of Node " + leader.node_name + " approved";
  t.events_name = "";
  t.hint =
      "kubectl get csr shows the leader's CSRs; kc approves only names and addresses of the "
      "leader itself (its private and public DNS names and IPv4 addresses)";
  t.poll = [leader, act](kube::Client& client) -> Result<kube::Readiness> {
    const std::string base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    auto response = client.request("GET", base, "", "", {});
    if (!response) return std::move(response).error().context("list CSRs");
    if (response->status != 200) {
      return Error{"list CSRs", client.server() + base, kube::api_error(*response), ""};
    }
    json list = json::parse(response->body, nullptr, false);
    std::string state = "no serving CSR from system:node:" + leader.node_name + " yet";
    for (const json& item : list.value("items", json::array())) {
      auto csr = parse_serving_csr(item);
      if (!csr) continue;
      if (csr->signer != "kubernetes.io/kubelet-serving" ||
          csr->username != "system:node:" + leader.node_name) {
        continue;
      }
      if (csr->condition == "Approved")
        return kube::Readiness{true, "CSR " + csr->name + " approved"};
      if (csr->condition == "Denied") {
        state = "CSR " + csr->name + " denied";
        continue;
      }
      const std::string refusal = leader_csr_refusal(leader, *csr);
      if (!refusal.empty()) {
        state = "CSR " + csr->name + " pending; kc does not approve it: " + refusal;
        continue;
      }
      if (!*act) {
        state = "CSR " + csr->name + " pending; kc would approve it";
        continue;
      }
      json approval = item;
      approval["status"]["conditions"].push_back(
          {{"type", "Approved"},
           {"status", "True"},
           {"reason", "KcLeaderApproved"},
           {"message",
            "kc-leader approved its own node's serving certificate: every name and "
            "address in it is the leader's"}});
      const std::string path = base + "/" + kube::path_segment(csr->name) + "/approval";
      auto put = client.request("PUT", path, approval.dump(), "application/json", {});
      if (!put) return std::move(put).error().context("approve CSR " + csr->name);
      if (put->status != 200) {
        return Error{"approve CSR " + csr->name, client.server() + path, kube::api_error(*put),
                     "the admin kubeconfig must allow approving kubelet-serving CSRs"};
      }
      return kube::Readiness{true, "CSR " + csr->name + " approved by kc-leader"};
    }
    return kube::Readiness{false, state};
  };
  return t;
}

class AddonsWaitStep final : public Step {
 public:
  explicit AddonsWaitStep(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  std::string describe() const override { return "add-ons ready"; }

  Result<Findings> check(const StepContext& context) override {
    auto exists = shared_->kubeconfig_exists(context.host);
    if (!exists) return std::move(exists).error();
    Findings findings{{}, "add-ons ready"};
    if (!*exists) {
      findings.changes.push_back({Verb::perform, "wait for the add-ons to be ready",
                                  "once " + shared_->options.kubeconfig + " exists"});
      return findings;
    }
    KC_TRY(make_targets());
    auto client = shared_->connect(context.host);
    if (!client) return std::move(client).error();
    act_ = false;
    auto states = kube::observe_targets(**client, targets_);
    if (!states) return std::move(states).error();
    for (size_t i = 0; i < targets_.size(); ++i) {
      if ((*states)[i].ready) continue;
      findings.changes.push_back(
          {Verb::perform, "wait for " + targets_[i].what, "(now: " + (*states)[i].state + ")", i});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    KC_TRY(make_targets());
    auto client = shared_->connect(context.host);
    if (!client) return std::move(client).error();
    act_ = true;
    kube::WaitOptions wait;
    wait.timeout = shared_->options.wait_timeout;
    wait.interval = shared_->options.wait_interval;
    const auto start = std::chrono::steady_clock::now();
    KC_TRY(kube::wait_for_targets(**client, targets_, wait));
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    for (Change& c : changes) c.detail = "(ready after " + std::to_string(seconds) + " s)";
    return {};
  }

 private:
  Status make_targets() {
    if (made_) return {};
    auto addons = shared_->built();
    if (!addons) return std::move(addons).error();
    std::optional<LeaderIdentity> leader;
    if (shared_->options.leader) {
      auto l = shared_->options.leader();
      if (!l) return std::move(l).error();
      leader = std::move(*l);
    }
    targets_.push_back(kube::daemonset_ready(
        "kube-flannel", "kube-flannel-ds",
        "kubectl -n kube-flannel describe ds kube-flannel-ds; flannel needs br_netfilter and "
        "the portmap CNI plugin in /opt/cni/bin"));
    if (leader) {
      targets_.push_back(
          kube::node_ready(leader->node_name,
                           "journalctl -u kubelet on the leader; the pod network (flannel) "
                           "must be up first"));
      targets_.push_back(kube::node_initialized(
          leader->node_name,
          "kubectl -n kube-system logs ds/aws-cloud-controller-manager; the leader instance "
          "needs its IAM role and the tag kubernetes.io/cluster/CLUSTER"));
    }
    targets_.push_back(kube::deployment_available(
        "kube-system", "coredns", "kubectl -n kube-system describe deployment coredns"));
    targets_.push_back(
        kube::deployment_available("kube-system", "kubelet-csr-approver",
                                   "kubectl -n kube-system logs deployment/kubelet-csr-approver"));
    if (leader) targets_.push_back(leader_csr_target(*leader, &act_));
    targets_.push_back(kube::apiservice_available(
        "v1beta1.metrics.k8s.io",
        "kubectl -n kube-system logs deployment/metrics-server; kubelets need approved "
        "serving certificates (kubectl get csr)"));
    targets_.push_back(
        kube::deployment_available("kube-system", "cluster-autoscaler",
                                   "kubectl -n kube-system logs deployment/cluster-autoscaler"));
    made_ = true;
    return {};
  }

  std::shared_ptr<Shared> shared_;
  std::vector<kube::WaitTarget> targets_;
  bool made_ = false;
  bool act_ = false;
};

}  // namespace

Phase addons_apply_phase(SettingsSource settings, ApplyOptions options) {
  auto shared = std::make_shared<Shared>();
  shared->source = std::move(settings);
  const bool wait = options.wait;
  shared->options = std::move(options);
  Phase phase{"addons", {}};
  size_t index = 0;
  for (const char* name :
       {"flannel", "aws-cloud-controller-manager", "kubelet-csr-approver", "cluster-autoscaler",
        "metrics-server", "kc-cleanup-rbac", "inventory"}) {
    phase.steps.push_back(std::make_unique<AddonApplyStep>(shared, index++, name));
  }
  if (wait) phase.steps.push_back(std::make_unique<AddonsWaitStep>(shared));
  return phase;
}

}  // namespace kc::addons
