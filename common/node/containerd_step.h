// Makes the container runtime answer: on Flatcar containerd ships with the OS but may be
// stopped. check() asks the CRI Version over the socket; when it does not answer, it asks
// systemd (over D-Bus) about containerd.service and plans to start it and then enable it, so a
// runtime that cannot start leaves it as it was.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/core/plan.h"
#include "common/node/cri_version.h"
#include "common/systemd/systemd_manager.h"

namespace kc::node {

class ContainerdStep final : public Step {
 public:
  using Connect = std::function<Result<std::unique_ptr<Systemd>>(const std::string& address)>;
  using AskCri = std::function<Result<CriVersion>(const std::string& socket_path)>;
  // Defaults: SystemdManager::connect, cri_version(). `wait` bounds how long apply() waits for
  // the socket to answer after the start.
  explicit ContainerdStep(Connect connect = {}, AskCri ask = {},
                          std::chrono::milliseconds wait = std::chrono::seconds(20));

  std::string describe() const override { return "containerd answers CRI on its socket"; }
  bool needs_systemd() const override { return true; }
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  Result<Systemd*> systemd(const StepContext& context);

  Connect connect_;
  AskCri ask_;
  std::chrono::milliseconds wait_;
  std::unique_ptr<Systemd> systemd_;
  bool not_installed_ = false;  // as of the last check()
};

}  // namespace kc::node
