#include "common/storage/instance_store_sizes.h"

#include <doctest/doctest.h>

using kc::storage::ephemeral_storage_quantity;
using kc::storage::ephemeral_storage_tag;
using kc::storage::instance_store_for;

TEST_CASE("instance-store sizes of common types, in GB") {
  auto m5d = instance_store_for("m5d.2xlarge");
  REQUIRE(m5d.has_value());
  CHECK(m5d->disks == 1);
  CHECK(m5d->disk_gb == 300);
  CHECK(instance_store_for("i3.8xlarge")->total_gb() == 4 * 1900);
  CHECK(instance_store_for("c6id.12xlarge")->disks == 2);
  CHECK(instance_store_for("r6id.large")->total_gb() == 118);
  CHECK(ephemeral_storage_quantity("m5d.large") == "75G");
  CHECK(ephemeral_storage_quantity("i4i.4xlarge") == "3750G");
}

TEST_CASE("types without instance store, unknown sizes and bad names have no entry") {
  CHECK_FALSE(instance_store_for("m5.large").has_value());
  CHECK_FALSE(instance_store_for("m5d.huge").has_value());
  CHECK_FALSE(instance_store_for("m5d").has_value());
  CHECK_FALSE(instance_store_for("").has_value());
  CHECK_FALSE(ephemeral_storage_quantity("t3.micro").has_value());
}

TEST_CASE("the autoscaler's node-template tag for a type with instance store") {
  auto tag = ephemeral_storage_tag("c6id.2xlarge");
  REQUIRE(tag.has_value());
  CHECK(tag->first == "k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage");
  CHECK(tag->second == "474G");
  CHECK_FALSE(ephemeral_storage_tag("c6i.2xlarge").has_value());
}
