#include "agent/kubeconfig_step.h"

#include <fmt/format.h>

#include <cstdlib>
#include <sstream>

#include "agent/kubeadm_init_step.h"

namespace kc::leader {
namespace {

std::string kube_dir(const PasswdEntry& user) {
  return user.home + "/.kube";
}
std::string config_path(const PasswdEntry& user) {
  return kube_dir(user) + "/config";
}

enum Item : std::size_t { make_dir = 0, own_dir, write_config, chmod_config, own_config };

}  // namespace

std::optional<PasswdEntry> find_passwd_entry(const std::string& passwd, const std::string& user) {
  std::istringstream in(passwd);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream parts(line);
    for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
    if (fields.size() < 6 || fields[0] != user) continue;
    try {
      PasswdEntry e{fields[0], static_cast<uid_t>(std::stoul(fields[2])),
                    static_cast<gid_t>(std::stoul(fields[3])), fields[5]};
      if (e.home.empty() || e.home[0] != '/') return std::nullopt;
      return e;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string kubeconfig_user(const std::string& flag, bool* given) {
  if (given != nullptr) *given = true;
  if (!flag.empty()) return flag;
  const char* sudo_user = std::getenv("SUDO_USER");
  if (sudo_user != nullptr && *sudo_user != 0 && std::string(sudo_user) != "root") return sudo_user;
  if (given != nullptr) *given = false;
  return "core";
}

KubeconfigStep::KubeconfigStep(std::string user_flag) : user_flag_(std::move(user_flag)) {}

std::string KubeconfigStep::describe() const {
  return "~" + kubeconfig_user(user_flag_) + "/.kube/config from " + kAdminConf + " (0600)";
}

Result<Findings> KubeconfigStep::check(const StepContext& context) {
  bool named = false;
  const std::string name = kubeconfig_user(user_flag_, &named);
  auto passwd = context.host.read_file("/etc/passwd");
  if (!passwd) return std::move(passwd).error();
  user_ = find_passwd_entry(passwd->value_or(""), name);
  if (!user_) {
    if (named) {
      return Error{"copy the admin kubeconfig", name, "no such user in /etc/passwd",
                   "pass --kubeconfig-user with an existing user"};
    }
    context.warn(
        fmt::format("no user {} in /etc/passwd: no kubeconfig copied (pass "
                    "--kubeconfig-user USER; root can use {})",
                    name, kAdminConf));
    return Findings{{}, fmt::format("no user {}, so no ~/.kube/config to keep", name)};
  }
  const std::string target = config_path(*user_);
  Findings findings{{}, target};
  auto dir = context.host.lstat(kube_dir(*user_));
  if (!dir) return std::move(dir).error();
  if (!dir->has_value()) {
    findings.changes.push_back(
        {Verb::create, kube_dir(*user_), "(owned by " + name + ")", make_dir});
  } else if ((*dir)->st_uid != user_->uid || (*dir)->st_gid != user_->gid) {
    findings.changes.push_back(
        {Verb::set_mode, kube_dir(*user_), "(owner to " + name + ")", own_dir});
  }
  auto admin = context.host.read_file(kAdminConf);
  if (!admin) return std::move(admin).error();
  if (!admin->has_value()) {
    findings.changes.push_back({Verb::write, target,
                                fmt::format("(from {}, which kubeadm init writes)", kAdminConf),
                                write_config});
    return findings;
  }
  auto diff = compare_file(context.host, target, **admin, 0600);
  if (!diff) return std::move(diff).error();
  if (diff->has_value()) {
    const bool content = (*diff)->content;
    findings.changes.push_back({content ? Verb::write : Verb::set_mode, target,
                                "(" + (*diff)->reason + ")",
                                content ? std::size_t{write_config} : std::size_t{chmod_config}});
    if (content) return findings;  // the write sets the owner too
  }
  auto info = context.host.lstat(target);
  if (!info) return std::move(info).error();
  if (info->has_value() && ((*info)->st_uid != user_->uid || (*info)->st_gid != user_->gid)) {
    findings.changes.push_back({Verb::set_mode, target, "(owner to " + name + ")", own_config});
  }
  return findings;
}

Status KubeconfigStep::apply(const StepContext& context, std::vector<Change>& changes) {
  const PasswdEntry& user = *user_;
  const std::string target = config_path(user);
  for (const Change& change : changes) {
    switch (change.item) {
      case make_dir:
        KC_TRY(context.host.make_dirs(kube_dir(user)));
        KC_TRY(context.host.chmod(kube_dir(user), 0750));
        [[fallthrough]];
      case own_dir:
        KC_TRY(context.host.chown(kube_dir(user), user.uid, user.gid));
        break;
      case write_config: {
        auto admin = context.host.read_file(kAdminConf);
        if (!admin) return std::move(admin).error();
        if (!admin->has_value()) {
          return Error{"copy the admin kubeconfig", kAdminConf, "kubeadm init did not write it",
                       ""};
        }
        KC_TRY(context.host.write_file(target, **admin, 0600));
        KC_TRY(context.host.chown(target, user.uid, user.gid));
        break;
      }
      case chmod_config:
        KC_TRY(context.host.chmod(target, 0600));
        break;
      case own_config:
        KC_TRY(context.host.chown(target, user.uid, user.gid));
        break;
    }
  }
  return {};
}

}  // namespace kc::leader
