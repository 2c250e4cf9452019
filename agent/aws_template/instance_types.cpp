#include "agent/aws_template/instance_types.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <regex>
#include <string_view>

#include "common/storage/instance_store_sizes.h"

namespace kc::aws_template {
namespace {

// Current-generation families (AWS's instance-type naming: family, then ".size"). Graviton
// families (the "g" after the generation digit) are arm64.
constexpr std::string_view kAmd64Families[] = {
    "t3",   "t3a",  "m5",       "m5a", "m5d", "m5n",      "m6i", "m6a",  "m6id", "m6in",
    "m7i",  "m7a",  "m7i-flex", "m8i", "m8a", "c5",       "c5a", "c5d",  "c5n",  "c6i",
    "c6a",  "c6id", "c6in",     "c7i", "c7a", "c7i-flex", "c8i", "r5",   "r5a",  "r5d",
    "r6i",  "r6a",  "r6id",     "r7i", "r7a", "r8i",      "i3",  "i3en", "i4i",  "i7i",
    "g4dn", "g5",   "g6",       "g6e", "p4d", "p5"};
constexpr std::string_view kArm64Families[] = {"t4g",  "m6g",  "m6gd", "m7g",  "m7gd", "m8g", "c6g",
                                               "c6gd", "c6gn", "c7g",  "c7gd", "c7gn", "c8g", "r6g",
                                               "r6gd", "r7g",  "r8g",  "i4g",  "im4gn"};

template <size_t N>
bool contains(const std::string_view (&families)[N], std::string_view family) {
  return std::find(std::begin(families), std::end(families), family) != std::end(families);
}

// Inference (no single source): Flatcar keeps about 2.3 GiB of its disk outside the ROOT
// partition (EFI-SYSTEM, BIOS-BOOT, USR-A, USR-B, OEM), and the kubelet's default hard eviction
// threshold (nodefs.available<10%) keeps a tenth of the rest from pods. Rounding both against
// the pods keeps cluster-autoscaler from scaling up for a pod that will not fit.
constexpr int kFlatcarNonRootGib = 3;
constexpr int kEvictionPercent = 10;
// On the instance store (mkfs -m 0): ext4's inode tables at mkfs's default ratio take about
// 1.6% of the disk, xfs's metadata less.
constexpr std::uint64_t kFilesystemOverheadPercent = 2;

}  // namespace

std::optional<InstanceTypeInfo> instance_type_info(const std::string& type) {
  static const std::regex shape(
      "([a-z][a-z0-9-]*)\\.(nano|micro|small|medium|large|[0-9]*xlarge|"
      "metal(-[0-9]+xl)?)");
  std::smatch match;
  if (!std::regex_match(type, match, shape)) return std::nullopt;
  const std::string family = match[1];
  if (contains(kAmd64Families, family)) return InstanceTypeInfo{"amd64"};
  if (contains(kArm64Families, family)) return InstanceTypeInfo{"arm64"};
  return std::nullopt;
}

Result<InstanceTypeInfo> known_instance_type(const std::string& type, const std::string& flag) {
  auto info = instance_type_info(type);
  if (info) return *info;
  return Error{flag, type,
               "not an instance type kc knows (kc needs its CPU architecture to match the AMI "
               "and the kc-worker binary)",
               "use FAMILY.SIZE of a current family, e.g. m7i.large (amd64) or m7g.large (arm64)"};
}

std::string ephemeral_storage_quantity(int root_volume_gib, const std::string& instance_type,
                                       const std::string& override_quantity) {
  if (!override_quantity.empty()) return override_quantity;
  if (auto store = storage::instance_store_for(instance_type)) {
    const std::uint64_t filesystem = store->total_gb() * (100 - kFilesystemOverheadPercent) / 100;
    const std::uint64_t for_pods =
        std::max<std::uint64_t>(filesystem * (100 - kEvictionPercent) / 100, 1);
    return std::to_string(for_pods) + "G";
  }
  const int filesystem = std::max(root_volume_gib - kFlatcarNonRootGib, 1);
  const int for_pods = std::max(filesystem * (100 - kEvictionPercent) / 100, 1);
  return std::to_string(for_pods) + "Gi";
}

bool is_storage_quantity(const std::string& text) {
  static const std::regex quantity("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?");
  return std::regex_match(text, quantity) && text.find_first_not_of("0.") != std::string::npos;
}

}  // namespace kc::aws_template
