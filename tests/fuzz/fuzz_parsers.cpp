// libFuzzer target for kc's text parsers. The first byte picks the parser, the rest is its input,
// so one corpus covers them all: 'c' catalog, 's' .sha256 file, 'y' YAML stream, 'k' kubeconfig
// YAML, 'j' --config JSON, 'a' asset state, 'n' NodeList page (streamed: whole, a byte at a
// time and in chunks cut where the input's hash says; all three must agree), 'w' watch event,
// 'd' duration, 'm' tar member path and link target ("PATH\0TARGET").
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cleanup_node_stream.h"
#include "agent/cleanup_nodes.h"
#include "agent/cleanup_rule.h"
#include "common/assets/asset_state.h"
#include "common/assets/catalog.h"
#include "common/assets/tar_extract.h"
#include "common/cli/cli.h"
#include "common/core/duration.h"
#include "common/core/yaml.h"
#include "common/kube/kubeconfig.h"

namespace {

// Everything a streamed page yields: the nodes handed over (also before an error), then the
// continue token or the error.
struct Streamed {
  std::vector<kc::cleanup::NodeInfo> nodes;
  std::string end;
  bool operator==(const Streamed&) const = default;
};

// Feeds `page` in chunks of the sizes `next_size()` returns.
template <typename F>
Streamed stream_page(std::string_view page, F&& next_size) {
  Streamed out;
  kc::cleanup::NodeListStream stream(
      [&](kc::cleanup::NodeInfo&& n) { out.nodes.push_back(std::move(n)); });
  stream.begin();
  while (!page.empty()) {
    const size_t n = std::min(page.size(), next_size());
    auto fed = stream.feed(page.substr(0, n));
    if (!fed) {
      out.end = "error: " + fed.error().message();
      return out;
    }
    page.remove_prefix(n);
  }
  auto next = stream.end();
  out.end = next ? "ok: " + *next + " at " + stream.resource_version()
                 : "error: " + next.error().message();
  return out;
}

void fuzz_node_list(std::string_view page) {
  const Streamed whole = stream_page(page, [&] { return page.size() + 1; });
  if (!(stream_page(page, [] { return size_t(1); }) == whole)) std::abort();
  uint64_t state = 0xcbf29ce484222325ull;  // FNV-1a of the page seeds the cuts
  for (const char c : page) state = (state ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  const auto random_size = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return size_t(1) + static_cast<size_t>(state % (state & 1 ? 16 : 4096));
  };
  if (!(stream_page(page, random_size) == whole)) std::abort();
  auto page_whole = kc::cleanup::parse_node_list(page);  // the whole-page entry point agrees
  if (page_whole.ok() != (whole.end.rfind("ok: ", 0) == 0)) std::abort();
  if (page_whole && page_whole->items != whole.nodes) std::abort();
}

}  // namespace

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
      fuzz_node_list(text);
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
