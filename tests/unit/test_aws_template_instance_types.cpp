#include "agent/aws_template/instance_types.h"

#include <doctest/doctest.h>

using kc::aws_template::ephemeral_storage_quantity;
using kc::aws_template::instance_type_info;
using kc::aws_template::is_storage_quantity;
using kc::aws_template::known_instance_type;

TEST_CASE("instance types: the architecture of known families") {
  CHECK(instance_type_info("m7i.large")->arch == "amd64");
  CHECK(instance_type_info("c6a.48xlarge")->arch == "amd64");
  CHECK(instance_type_info("m7i-flex.xlarge")->arch == "amd64");
  CHECK(instance_type_info("t3.micro")->arch == "amd64");
  CHECK(instance_type_info("m7g.large")->arch == "arm64");
  CHECK(instance_type_info("c7gd.metal")->arch == "arm64");
  CHECK(instance_type_info("t4g.nano")->arch == "arm64");
  CHECK(instance_type_info("r8g.metal-24xl")->arch == "arm64");
}

TEST_CASE("instance types: unknown families and malformed names are not known") {
  CHECK_FALSE(instance_type_info("m99z.large"));
  CHECK_FALSE(instance_type_info("large"));
  CHECK_FALSE(instance_type_info("m7i"));
  CHECK_FALSE(instance_type_info("m7i.huge"));
  CHECK_FALSE(instance_type_info("M7I.LARGE"));
  CHECK_FALSE(instance_type_info(""));
  auto error = known_instance_type("m99z.large", "--instance-type");
  REQUIRE_FALSE(error.ok());
  CHECK(error.error().what == "--instance-type");
  CHECK(error.error().where == "m99z.large");
  CHECK(error.error().hint.find("m7g.large") != std::string::npos);
}

TEST_CASE("ephemeral storage: derived from the root volume, below what the disk holds") {
  // 32 GiB: 29 GiB of ROOT partition, 90% of it before the kubelet evicts.
  CHECK(ephemeral_storage_quantity(32, "m7i.large", "") == "26Gi");
  CHECK(ephemeral_storage_quantity(100, "m7i.large", "") == "87Gi");
  CHECK(ephemeral_storage_quantity(8, "m7i.large", "") == "4Gi");
  CHECK(ephemeral_storage_quantity(16384, "m7i.large", "") == "14742Gi");
}

TEST_CASE("ephemeral storage: from the instance store of types in common/storage's table") {
  // m5d.2xlarge: one 300 GB disk; 98% after the filesystem's metadata, 90% of that for pods.
  CHECK(ephemeral_storage_quantity(32, "m5d.2xlarge", "") == "264G");
  // i3.8xlarge: four 1900 GB disks in one RAID0, whatever the root volume.
  CHECK(ephemeral_storage_quantity(100, "i3.8xlarge", "") == "6703G");
  CHECK(ephemeral_storage_quantity(32, "i3.8xlarge", "") == "6703G");
  // A type without instance store (or one the table lacks) falls back to the root volume.
  CHECK(ephemeral_storage_quantity(32, "m5.2xlarge", "") == "26Gi");
  CHECK(ephemeral_storage_quantity(32, "i7i.large", "") == "26Gi");
}

TEST_CASE("ephemeral storage: --ephemeral-storage wins") {
  CHECK(ephemeral_storage_quantity(32, "m5d.2xlarge", "50Gi") == "50Gi");
  CHECK(ephemeral_storage_quantity(32, "i4i.xlarge", "937G") == "937G");
}

TEST_CASE("ephemeral storage: quantities the tag takes") {
  CHECK(is_storage_quantity("100Gi"));
  CHECK(is_storage_quantity("100G"));
  CHECK(is_storage_quantity("1.5Ti"));
  CHECK(is_storage_quantity("107374182400"));
  CHECK_FALSE(is_storage_quantity("10XB"));
  CHECK_FALSE(is_storage_quantity("Gi"));
  CHECK_FALSE(is_storage_quantity("-5Gi"));
  CHECK_FALSE(is_storage_quantity("0"));
  CHECK_FALSE(is_storage_quantity(""));
  CHECK_FALSE(is_storage_quantity("100 Gi"));
}
