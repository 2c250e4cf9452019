// The kubeconfig phase: admin.conf copied for the admin who ran kc (--kubeconfig-user, else
// $SUDO_USER, else core, Flatcar's login user) to ~USER/.kube/config, mode 0600, owned by that
// user, and updated whenever admin.conf changes. Users come from the root's /etc/passwd.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/core/plan.h"

namespace kc::leader {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
};

// The entry of `user` in an /etc/passwd text; nullopt when absent.
std::optional<PasswdEntry> find_passwd_entry(const std::string& passwd, const std::string& user);

// Whose kubeconfig: `flag` when given, else $SUDO_USER unless it is root, else "core". `given`
// says whether the user was named (flag or SUDO_USER) rather than defaulted.
std::string kubeconfig_user(const std::string& flag, bool* given = nullptr);

class KubeconfigStep final : public Step {
 public:
  // `user_flag` as --kubeconfig-user gave it (may be empty).
  explicit KubeconfigStep(std::string user_flag);
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  std::string user_flag_;
  std::optional<PasswdEntry> user_;  // as of the last check()
};

}  // namespace kc::leader
