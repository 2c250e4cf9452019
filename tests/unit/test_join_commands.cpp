#include "agent/join_commands.h"

#include <doctest/doctest.h>

#include "scratch_dir.h"

using namespace kc;
using namespace kc::leader;

// What the commands print is checked against the real binary by tests/integration/join_data.sh;
// these are the failures before anything is printed or changed.
TEST_CASE("join commands fail with exit code 1 on a leader without join data") {
  ScratchDir root;
  cli::GlobalOptions global;
  global.root = root.path().string();

  CHECK(run_ca_hash_command({}, global) == 1);  // no /etc/kubernetes/pki/ca.crt
  root.write("not-a-cert.pem", "hello");
  CHECK(run_ca_hash_command({(root / "not-a-cert.pem").string()}, global) == 1);

  CHECK(run_user_data_command({}, global) == 1);  // no /etc/kc/join.json
  global.dry_run = true;
  CHECK(run_token_rotate_command({}, global) == 1);
  CHECK_FALSE(std::filesystem::exists(root / "etc"));

  CHECK(print_init_user_data(global) == 0);  // nothing kept yet: nothing printed
}
