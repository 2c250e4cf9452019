// Reading the objects of one add-on builder by kind and name, for the upstream-facts tests.
#pragma once

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "addons_fixture.h"
#include "agent/addons/builders.h"

namespace kc::addons::testing {

inline const nlohmann::json& object(const Objects& objects, const std::string& kind,
                                    const std::string& name) {
  for (const nlohmann::json& o : objects) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return o;
  }
  FAIL("no " << kind << " " << name);
  static const nlohmann::json none;
  return none;
}

inline const nlohmann::json& pod_spec(const nlohmann::json& workload) {
  return workload["spec"]["template"]["spec"];
}

inline AddonVersions versions(const std::string& kubernetes_version = "1.36.3") {
  auto v = addon_versions(kubernetes_version);
  REQUIRE(v.ok());
  return *v;
}

}  // namespace kc::addons::testing
