#include "common/systemd/units.h"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("every unit file in units/ is embedded") {
  for (std::string name : {"kubelet.service", "kubelet.service.d/10-kubeadm.conf",
                           "kc-cleanup.service", "kc-worker.service"}) {
    CAPTURE(name);
    auto unit = kc::embedded_unit(name);
    REQUIRE(unit.has_value());
    CHECK(unit->find("[Service]\n") != std::string_view::npos);
  }
  CHECK_FALSE(kc::embedded_unit("nope.service").has_value());
}

TEST_CASE("kubelet units run the binary from /opt/bin (Flatcar's /usr is read-only)") {
  const std::string service(*kc::embedded_unit("kubelet.service"));
  CHECK(service.find("ExecStart=/opt/bin/kubelet\n") != std::string::npos);
  CHECK(service.find("Restart=always") != std::string::npos);
  const std::string dropin(*kc::embedded_unit("kubelet.service.d/10-kubeadm.conf"));
  CHECK(dropin.find("ExecStart=\n") != std::string::npos);
  CHECK(dropin.find("EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env") != std::string::npos);
}
