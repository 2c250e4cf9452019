// kc-leader's join-data commands: "ca-hash [CERT]", "user-data", "token rotate" and "serve"
// (kc-serve.service). The command line only; the work is in join_data.h and serve.h.
#pragma once

#include <string>
#include <vector>

#include "agent/serve.h"
#include "common/cli/cli.h"

namespace kc::leader {

struct CaHashOptions {
  std::string certificate;  // a file of the operator's; "" = /etc/kubernetes/pki/ca.crt
};

struct UserDataOptions {
  std::string format = "ignition";
  std::string arch;               // "" = the arch of the kc-worker this leader serves
  std::string worker_binary_url;  // "" = what init was given, else kc-serve
  std::string worker_args;        // kc-worker join flags for every boot (KC_WORKER_ARGS)
};

struct TokenRotateOptions {
  std::string token_ttl = "0";
  std::string format = "ignition";
  bool keep_old_token = false;
};

struct JoinCommands {
  CaHashOptions ca_hash;
  UserDataOptions user_data;
  TokenRotateOptions token_rotate;
  ServeOptions serve;
  CLI::App* ca_hash_command = nullptr;
  CLI::App* user_data_command = nullptr;
  CLI::App* token_rotate_command = nullptr;
  CLI::App* serve_command = nullptr;
};

void add_join_commands(CLI::App& app, JoinCommands& commands);

int run_ca_hash_command(const CaHashOptions& options, const cli::GlobalOptions& global);
int run_user_data_command(const UserDataOptions& options, const cli::GlobalOptions& global);
int run_token_rotate_command(const TokenRotateOptions& options, const cli::GlobalOptions& global);
int run_serve_command(const ServeOptions& options, const cli::GlobalOptions& global);

// After a real init: prints both user data copies init kept (stdout), each after a header.
int print_init_user_data(const cli::GlobalOptions& global);

}  // namespace kc::leader
