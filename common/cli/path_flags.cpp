#include "common/cli/path_flags.h"

namespace kc::cli {

CLI::Option* add_host_path_option(CLI::App* command, const std::string& name, std::string& value,
                                  const std::string& description) {
  return command->add_option(name, value, description + " (a host path, under --root)")
      ->type_name("PATH")
      ->check([name](const std::string& v) {
        return !v.empty() && v[0] == '/'
                   ? std::string()
                   : name + ": expected an absolute host path (kc maps it under --root), got '" +
                         v + "'";
      });
}

CLI::Option* add_operator_file_option(CLI::App* command, const std::string& name,
                                      std::string& value, const std::string& description,
                                      FileUse use) {
  CLI::Option* option =
      command->add_option(name, value, description + " (not under --root)")->type_name("FILE");
  if (use == FileUse::read) option->check(CLI::ExistingFile);
  return option;
}

}  // namespace kc::cli
