#include "common/kube/kube_wait.h"

#include <algorithm>
#include <thread>

namespace kc::kube {
namespace {

using nlohmann::json;

const json& conditions_of(const json& object) {
  static const json none = json::array();
  if (!object.is_object()) return none;
  auto status = object.find("status");
  if (status == object.end() || !status->is_object()) return none;
  auto c = status->find("conditions");
  return c != status->end() && c->is_array() ? *c : none;
}

std::string condition_status(const json& object, const std::string& type) {
  for (const json& c : conditions_of(object)) {
    if (c.is_object() && c.value("type", "") == type) return c.value("status", "");
  }
  return "";
}

Readiness condition_true(const json& object, const std::string& type) {
  if (object.is_null()) return {false, "not found"};
  const std::string status = condition_status(object, type);
  if (status == "True") return {true, type + "=True"};
  return {false, type + "=" + (status.empty() ? "(not reported yet)" : status)};
}

long number_at(const json& object, const char* key) {
  const json status = object.value("status", json::object());
  auto it = status.find(key);
  return it != status.end() && it->is_number() ? it->get<long>() : 0;
}

// The last few events about one object, newest last: "Reason: message (xN)".
std::string last_events(Client& client, const WaitTarget& target, const Tick& tick) {
  if (target.events_name.empty()) return "";
  const std::string ns = target.events_namespace.empty() ? "default" : target.events_namespace;
  auto response =
      client.request("GET",
                     with_query("/api/v1/namespaces/" + path_segment(ns) + "/events",
                                {{"fieldSelector", "involvedObject.name=" + target.events_name}}),
                     "", "", tick);
  if (!response || response->status != 200) return "(could not read events)";
  json list = json::parse(response->body, nullptr, false);
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) return "";
  std::vector<json> items(list["items"].begin(), list["items"].end());
  auto when = [](const json& e) {
    std::string t = e.value("lastTimestamp", "");
    if (t.empty()) t = e.value("eventTime", "");
    return t;
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const json& a, const json& b) { return when(a) < when(b); });
  std::string out;
  const size_t first = items.size() > 3 ? items.size() - 3 : 0;
  for (size_t i = first; i < items.size(); ++i) {
    const json& e = items[i];
    std::string line = e.value("reason", "") + ": " + e.value("message", "");
    if (e.value("count", 1) > 1) line += " (x" + std::to_string(e.value("count", 1)) + ")";
    out += (out.empty() ? "" : " | ") + line;
  }
  return out;
}

Result<Readiness> observe_one(Client& client, const WaitTarget& target, json* last,
                              const Tick& tick) {
  if (target.poll) return target.poll(client);
  auto response = client.request("GET", target.path, "", "", tick);
  if (!response) return std::move(response).error().context("read " + target.what);
  if (response->status == 404) {
    if (last != nullptr) *last = nullptr;
    return target.judge(nullptr);
  }
  if (response->status != 200) {
    return Error{"read " + target.what, client.server() + target.path, api_error(*response), ""};
  }
  json object = json::parse(response->body, nullptr, false);
  if (object.is_discarded()) {
    return Error{"read " + target.what, client.server() + target.path, "not JSON", ""};
  }
  Readiness r = target.judge(object);
  if (last != nullptr) *last = std::move(object);
  return r;
}

}  // namespace

std::string conditions_text(const json& object) {
  std::string out;
  for (const json& c : conditions_of(object)) {
    if (!c.is_object()) continue;
    std::string one = c.value("type", "?") + "=" + c.value("status", "?");
    const std::string reason = c.value("reason", "");
    const std::string message = c.value("message", "");
    if (!reason.empty() || !message.empty()) {
      one += " (" + reason + (reason.empty() || message.empty() ? "" : ": ") + message + ")";
    }
    out += (out.empty() ? "" : ", ") + one;
  }
  return out.empty() ? "none" : out;
}

Result<std::vector<Readiness>> observe_targets(Client& client,
                                               const std::vector<WaitTarget>& targets,
                                               const Tick& tick) {
  std::vector<Readiness> out;
  for (const WaitTarget& t : targets) {
    auto r = observe_one(client, t, nullptr, tick);
    if (!r) return std::move(r).error();
    out.push_back(std::move(*r));
  }
  return out;
}

Status wait_for_targets(Client& client, const std::vector<WaitTarget>& targets,
                        const WaitOptions& options, const Tick& tick) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::vector<Readiness> state(targets.size());
  std::vector<json> last(targets.size());
  while (true) {
    bool all = true;
    for (size_t i = 0; i < targets.size(); ++i) {
      if (state[i].ready) continue;
      auto r = observe_one(client, targets[i], &last[i], tick);
      // A failed read is a state, not the end: the API server may be restarting.
      state[i] = r ? std::move(*r) : Readiness{false, r.error().message()};
      all = all && state[i].ready;
    }
    if (all) return {};
    if (std::chrono::steady_clock::now() >= deadline) break;
    const auto until = std::min(deadline, std::chrono::steady_clock::now() + options.interval);
    while (std::chrono::steady_clock::now() < until) {
      if (tick && !tick()) return Error{"wait", "add-ons", "interrupted", ""};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::string why;
  std::string hints;
  std::vector<std::string> names;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (state[i].ready) continue;
    names.push_back(targets[i].what);
    std::string one = targets[i].what + ": " + state[i].state;
    if (!targets[i].poll) one += "; conditions: " + conditions_text(last[i]);
    const std::string events = last_events(client, targets[i], tick);
    one += "; last events: " + (events.empty() ? std::string("none") : events);
    why += (why.empty() ? "" : "\n  ") + one;
    if (!targets[i].hint.empty()) hints += (hints.empty() ? "" : "; ") + targets[i].hint;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
  std::string what_list;
  for (const std::string& n : names) what_list += (what_list.empty() ? "" : ", ") + n;
  return Error{"wait " + std::to_string(seconds) + "s for " + what_list, client.server(),
               "not ready in time:\n  " + why, hints};
}

WaitTarget daemonset_ready(const std::string& ns, const std::string& name, std::string hint) {
  WaitTarget t;
  t.what = "DaemonSet " + ns + "/" + name + " ready";
  t.path = "/apis/apps/v1/namespaces/" + ns + "/daemonsets/" + name;
  t.judge = [](const json& o) -> Readiness {
    if (o.is_null()) return {false, "not found"};
    const long desired = number_at(o, "desiredNumberScheduled");
    const long ready = number_at(o, "numberReady");
    const std::string state = std::to_string(ready) + "/" + std::to_string(desired) + " pods ready";
    return {desired >= 1 && ready >= desired, state};
  };
  t.events_namespace = ns;
  t.events_name = name;
  t.hint = std::move(hint);
  return t;
}

WaitTarget deployment_available(const std::string& ns, const std::string& name, std::string hint) {
  WaitTarget t;
  t.what = "Deployment " + ns + "/" + name + " available";
  t.path = "/apis/apps/v1/namespaces/" + ns + "/deployments/" + name;
  t.judge = [](const json& o) { return condition_true(o, "Available"); };
  t.events_namespace = ns;
  t.events_name = name;
  t.hint = std::move(hint);
  return t;
}

WaitTarget apiservice_available(const std::string& name, std::string hint) {
  WaitTarget t;
  t.what = "APIService " + name + " available";
  t.path = "/apis/apiregistration.k8s.io/v1/apiservices/" + name;
  t.judge = [](const json& o) { return condition_true(o, "Available"); };
  t.events_namespace = "default";
  t.events_name = name;
  t.hint = std::move(hint);
  return t;
}

WaitTarget node_ready(const std::string& name, std::string hint) {
  WaitTarget t;
  t.what = "Node " + name + " Ready";
  t.path = "/api/v1/nodes/" + path_segment(name);
  t.judge = [](const json& o) { return condition_true(o, "Ready"); };
  t.events_namespace = "default";
  t.events_name = name;
  t.hint = std::move(hint);
  return t;
}

WaitTarget node_initialized(const std::string& name, std::string hint) {
  WaitTarget t;
  t.what = "Node " + name + " initialised by the cloud provider";
  t.path = "/api/v1/nodes/" + path_segment(name);
  t.judge = [](const json& o) -> Readiness {
    if (o.is_null()) return {false, "not found"};
    const json spec = o.value("spec", json::object());
    const std::string provider = spec.value("providerID", "");
    bool tainted = false;
    for (const json& taint : spec.value("taints", json::array())) {
      if (taint.is_object() &&
          taint.value("key", "") == "node.cloudprovider.kubernetes.io/uninitialized") {
        tainted = true;
      }
    }
    if (!provider.empty() && !tainted) return {true, "providerID " + provider};
    std::string state = provider.empty() ? "no providerID" : "providerID " + provider;
    if (tainted) state += ", still tainted node.cloudprovider.kubernetes.io/uninitialized";
    return {false, state};
  };
  t.events_namespace = "default";
  t.events_name = name;
  t.hint = std::move(hint);
  return t;
}

}  // namespace kc::kube
