#include "common/storage/instance_store_sizes.h"

#include <fmt/format.h>

#include <string>

#include "common/aws/cluster_tags.h"

namespace kc::storage {
namespace {

struct Size {
  std::string_view size;  // "2xlarge"
  InstanceStore store;
};

// From AWS's instance-type specifications (instance store volumes, GB). Families with the same
// disks share a row.
constexpr Size kM5d[] = {{"large", {1, 75}},     {"xlarge", {1, 150}},   {"2xlarge", {1, 300}},
                         {"4xlarge", {2, 300}},  {"8xlarge", {2, 600}},  {"12xlarge", {2, 900}},
                         {"16xlarge", {4, 600}}, {"24xlarge", {4, 900}}, {"metal", {4, 900}}};
constexpr Size kC5d[] = {{"large", {1, 50}},     {"xlarge", {1, 100}},   {"2xlarge", {1, 200}},
                         {"4xlarge", {1, 400}},  {"9xlarge", {1, 900}},  {"12xlarge", {2, 900}},
                         {"18xlarge", {2, 900}}, {"24xlarge", {4, 900}}, {"metal", {4, 900}}};
constexpr Size kM6id[] = {{"large", {1, 118}},     {"xlarge", {1, 237}},    {"2xlarge", {1, 474}},
                          {"4xlarge", {1, 950}},   {"8xlarge", {1, 1900}},  {"12xlarge", {2, 1425}},
                          {"16xlarge", {2, 1900}}, {"24xlarge", {4, 1425}}, {"32xlarge", {4, 1900}},
                          {"metal", {4, 1900}}};
constexpr Size kM6gd[] = {{"medium", {1, 59}},     {"large", {1, 118}},     {"xlarge", {1, 237}},
                          {"2xlarge", {1, 474}},   {"4xlarge", {1, 950}},   {"8xlarge", {1, 1900}},
                          {"12xlarge", {2, 1425}}, {"16xlarge", {2, 1900}}, {"metal", {2, 1900}}};
constexpr Size kI3[] = {{"large", {1, 475}},    {"xlarge", {1, 950}},   {"2xlarge", {1, 1900}},
                        {"4xlarge", {2, 1900}}, {"8xlarge", {4, 1900}}, {"16xlarge", {8, 1900}},
                        {"metal", {8, 1900}}};
constexpr Size kI3en[] = {{"large", {1, 1250}},    {"xlarge", {1, 2500}},  {"2xlarge", {2, 2500}},
                          {"3xlarge", {1, 7500}},  {"6xlarge", {2, 7500}}, {"12xlarge", {4, 7500}},
                          {"24xlarge", {8, 7500}}, {"metal", {8, 7500}}};
constexpr Size kI4i[] = {{"large", {1, 468}},     {"xlarge", {1, 937}},    {"2xlarge", {1, 1875}},
                         {"4xlarge", {1, 3750}},  {"8xlarge", {2, 3750}},  {"12xlarge", {3, 3750}},
                         {"16xlarge", {4, 3750}}, {"24xlarge", {6, 3750}}, {"32xlarge", {8, 3750}},
                         {"metal", {8, 3750}}};

struct Row {
  std::string_view family;
  const Size* sizes;
  std::size_t count;
};

template <std::size_t N>
constexpr Row row(std::string_view family, const Size (&sizes)[N]) {
  return {family, sizes, N};
}

constexpr Row kTable[] = {
    row("m5d", kM5d),   row("r5d", kM5d),   row("m5ad", kM5d),  row("r5ad", kM5d),
    row("c5d", kC5d),   row("m6id", kM6id), row("c6id", kM6id), row("r6id", kM6id),
    row("m6gd", kM6gd), row("c6gd", kM6gd), row("r6gd", kM6gd), row("i3", kI3),
    row("i3en", kI3en), row("i4i", kI4i),
};

}  // namespace

std::optional<InstanceStore> instance_store_for(std::string_view type) {
  const auto dot = type.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view family = type.substr(0, dot);
  const std::string_view size = type.substr(dot + 1);
  for (const Row& r : kTable) {
    if (r.family != family) continue;
    for (std::size_t i = 0; i < r.count; ++i) {
      if (r.sizes[i].size == size) return r.sizes[i].store;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ephemeral_storage_quantity(std::string_view type) {
  auto store = instance_store_for(type);
  if (!store) return std::nullopt;
  return fmt::format("{}G", store->total_gb());
}

}  // namespace kc::storage

namespace kc::storage {

std::optional<std::pair<std::string, std::string>> ephemeral_storage_tag(std::string_view type) {
  auto quantity = ephemeral_storage_quantity(type);
  if (!quantity) return std::nullopt;
  return std::make_pair(std::string(aws::kNodeTemplateEphemeralStorageTagKey), *quantity);
}

}  // namespace kc::storage
