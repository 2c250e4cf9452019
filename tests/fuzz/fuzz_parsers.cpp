// libFuzzer target for kc's text parsers. The first byte picks the parser, the rest is its input,
// so one corpus covers them all: 'c' catalog, 's' .sha256 file, 'y' YAML stream, 'k' kubeconfig
// YAML, 'j' --config JSON, 'a' asset state, 'n' NodeList page, 'w' watch event, 'd' duration,
// 'm' tar member path and link target ("PATH\0TARGET").
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include "agent/cleanup_nodes.h"
#include "agent/cleanup_rule.h"
#include "common/assets/asset_state.h"
#include "common/assets/catalog.h"
#include "common/assets/tar_extract.h"
#include "common/cli/cli.h"
#include "common/core/duration.h"
#include "common/core/yaml.h"
#include "common/kube/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char which = static_cast<char>(data[0]);
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (which) {
    case 'c': {
      auto catalog = kc::parse_catalog(text, "fuzz");
      if (catalog) (void)kc::resolve(*catalog, {"1.36.3", "amd64", "", true});
      break;
    }
    case 's':
      (void)kc::parse_sha256_file(text, "fuzz");
      break;
    case 'y':
      (void)kc::parse_yaml_documents(text, "fuzz");
      break;
    case 'k': {
      auto config = kc::parse_yaml(text, "fuzz");
      static const kc::Host nowhere("/nonexistent/kc-fuzz");  // files it names are missing
      if (config) (void)kc::credentials_from_kubeconfig(*config, nowhere, "/kubeconfig");
      break;
    }
    case 'j': {
      std::istringstream in(text);
      try {
        (void)kc::cli::JsonConfig().from_config(in);
      } catch (const CLI::Error&) {  // a usage error is the expected answer to bad input
      }
      break;
    }
    case 'a': {
      auto state = kc::parse_asset_state(text);
      if (state) (void)kc::to_json(*state);
      break;
    }
    case 'n':
      (void)kc::cleanup::parse_node_list(text);
      break;
    case 'w':
      (void)kc::cleanup::parse_watch_event(text);
      break;
    case 'd':
      // Never past the cap, which keeps every sum from overflowing (UBSan checks the sums).
      for (const auto bare : {kc::BareNumber::zero_only, kc::BareNumber::seconds}) {
        const auto d = kc::parse_duration(text, bare);
        if (d && (d->count() < 0 || *d > kc::kMaxDuration)) std::abort();
      }
      break;
    case 'm': {
      const size_t nul = text.find('\0');
      const std::string path = text.substr(0, nul);
      auto rel = kc::safe_member_path(path);
      if (rel && rel->find("..") != std::string::npos && rel->find("../") == 0) std::abort();
      if (nul != std::string::npos) (void)kc::link_stays_inside(path, text.substr(nul + 1));
      break;
    }
    default:
      break;
  }
  return 0;
}
