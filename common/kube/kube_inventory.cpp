#include "common/kube/kube_inventory.h"

#include <algorithm>
#include <set>

namespace kc::kube {

using nlohmann::json;

std::string inventory_entry(const ApplyObject& object) {
  const std::string api_version = object.manifest.value("apiVersion", "");
  const size_t slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "core" : api_version.substr(0, slash);
  return group + " " + object.display();
}

json inventory_object(const std::string& ns, const std::string& name,
                      const std::vector<ApplyObject>& objects) {
  std::set<std::string> entries{"core ConfigMap " + ns + "/" + name};
  for (const ApplyObject& o : objects) entries.insert(inventory_entry(o));
  std::string text;
  for (const std::string& e : entries) text += e + "\n";
  return json{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", name}, {"namespace", ns}, {"labels", {{"app.kubernetes.io/managed-by", "kc"}}}}},
      {"data", {{"objects", text}}}};
}

Result<std::vector<std::string>> read_inventory(Client& client, const std::string& ns,
                                                const std::string& name, const Tick& tick) {
  const std::string path = "/api/v1/namespaces/" + ns + "/configmaps/" + name;
  auto response = client.request("GET", path, "", "", tick);
  if (!response)
    return std::move(response).error().context("read the inventory " + ns + "/" + name);
  if (response->status == 404) return std::vector<std::string>{};
  if (response->status != 200) {
    return Error{"read the inventory ConfigMap " + ns + "/" + name, client.server() + path,
                 api_error(*response), ""};
  }
  json object = json::parse(response->body, nullptr, false);
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  const std::string text = object.value("/data/objects"_json_pointer, "");
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> no_longer_shipped(const std::vector<std::string>& previous,
                                           const std::vector<ApplyObject>& objects) {
  std::set<std::string> now;
  for (const ApplyObject& o : objects) now.insert(inventory_entry(o));
  std::vector<std::string> out;
  for (const std::string& p : previous) {
    if (now.count(p) == 0) out.push_back(p);
  }
  return out;
}

}  // namespace kc::kube
