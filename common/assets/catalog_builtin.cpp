// kc's built-in catalog, in the documented --catalog format (see common/catalog.h). Digests are
// the upstream SHA-256 digests as recorded by the kOps and kubespray projects' checksum tables
// (generated there from the upstream SHA256SUMS and .sha256 files). Each "max_size" is an upper
// bound of about twice the artifact's size in recent releases (kubelet, the largest, is ~80 MB),
// not its exact size, which this table does not record per version: 128 MiB for kubeadm and
// kubectl, 192 MiB for kubelet, 64 MiB for crictl and 128 MiB for the CNI plugins.
#include <string_view>

namespace kc {

extern const std::string_view kBuiltinCatalogJson;
const std::string_view kBuiltinCatalogJson = R"json(
{
  "artifacts": [
    {
      "name": "kubeadm",
      "kind": "binary",
      "version": "kubernetes",
      "url": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubeadm",
      "destination": "/opt/bin",
      "max_size": 134217728,
      "sha256": {
        "amd64": {
          "1.36.3": "bba1733c701bf70ec74ba1cc3fd5745404c1134a8a4b0a5f8560cc9832023421",
          "1.35.7": "9206f531ffe9cef39e9b734bc49ee9ca965d646ff6d4536e5b3fd3ff71151512",
          "1.34.4": "b967f1fa0e36621c402d38bb560eb4a943954d5cf5a00e5150842f6f5da73455",
          "1.33.8": "8259af514dc3655e8abec1a69b637f31cce2ecb940a80ae4a268e5287890f009"
        },
        "arm64": {
          "1.36.3": "276cfbdc43b10fef663288cc1ed76abf77b1b7f700e9f1c053cb5dc3115484de",
          "1.35.7": "b8c3a1145a9875f046e9b66d5cd5810431e92ae1d5abca82f0151694cd257928",
          "1.34.4": "d8028b7e8c8d6c9b3fc3da6bc88d4d0cfb33df1b4b026a7d6e8c35d1471c9f6e",
          "1.33.8": "b5248b51e66e4716261f2c926fe2f08a293795e6863099e7792b4d57dbb9109e"
        }
      }
    },
    {
      "name": "kubelet",
      "kind": "binary",
      "version": "kubernetes",
      "url": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubelet",
      "destination": "/opt/bin",
      "max_size": 201326592,
      "sha256": {
        "amd64": {
          "1.36.3": "46707a53209f826ad0f0d62371ac69cd00e78fd9a8176cf5f6f87f18f7f8b718",
          "1.35.7": "e48cbb9c62351aa95f455bdae3c9a9e9d7d644027c231ade7a67b868b2be3258",
          "1.34.4": "03b8fea715a7ef82eeaf518dee34c72670c57cc7bc40dc1320c04fbf4f15172f",
          "1.33.8": "1caa69c5328cfa774218f75f0621a6f10a1b97e095af85015f468aeb8fdf956a"
        },
        "arm64": {
          "1.36.3": "57205a5daf5883873d87b4914e1e00bdd7707acd075714788cfb0fc1f60bc414",
          "1.35.7": "0dc3f53fc51f6a6c26c437ec9eded016106ef931db2dd9b3905c656796bed438",
          "1.34.4": "c78845473c434ee85a2444eeab87f8b20f524e3ab6854a078f79468f44aad8f5",
          "1.33.8": "e835f15be6d8b7b27b963a46c4a054f7663c26741f17e003bfcb8271350cf882"
        }
      }
    },
    {
      "name": "kubectl",
      "kind": "binary",
      "version": "kubernetes",
      "url": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubectl",
      "destination": "/opt/bin",
      "max_size": 134217728,
      "sha256": {
        "amd64": {
          "1.36.3": "ebbd080e7c2e275093b55915722043257eb24004363e20acb3c4d71919f88336",
          "1.35.7": "12e97f9d23a9f6cbb87b89becd6bd291e1a858a3379a4e11e2c822c4c1530052",
          "1.34.4": "d50c359d95e0841eaad08ddc27c7be37cba8fdccfba5c8e2ded65e121ff112db",
          "1.33.8": "7f9c3faab7c9f9cc3f318d49eb88efc60eb3b3a7ce9eee5feb39b1280e108a29"
        },
        "arm64": {
          "1.36.3": "3d86f24401c41ae5a46ac50eef8865fe891d3647d324a0836f6c63757a126e62",
          "1.35.7": "5103d45b8881434d417694057b8ccb5ae79fd310a5c5c13e403c5e62e15909be",
          "1.34.4": "5b982c0644ab1e27780246b9085a5886651b4a7ed86243acbb2bacc1bea01dda",
          "1.33.8": "76e284669f1f6343bd9fe2a011757809c8c01cf51da9f85ee6ef4eb93c8393a8"
        }
      }
    },
    {
      "name": "crictl",
      "kind": "tarball",
      "version": "1.35.0",
      "url": "https://github.com/kubernetes-sigs/cri-tools/releases/download/v{version}/crictl-v{version}-linux-{arch}.tar.gz",
      "destination": "/opt/bin",
      "max_size": 67108864,
      "sha256": {
        "amd64": {
          "1.35.0": "2e141e5b22cb189c40365a11807d69b76b9b3caced89fac2f4ec879408ce2177"
        },
        "arm64": {
          "1.35.0": "519071de89b64c43e2a1661bb5489c6c3fd5e9e5fcef75e50e542b0c891f1118"
        }
      }
    },
    {
      "name": "cni-plugins",
      "kind": "tarball",
      "version": "1.9.1",
      "url": "https://github.com/containernetworking/plugins/releases/download/v{version}/cni-plugins-linux-{arch}-v{version}.tgz",
      "destination": "/opt/cni/bin",
      "max_size": 134217728,
      "sha256": {
        "amd64": {
          "1.9.1": "b98f74a0f8522f0a83867178729c1aa70f2158f90c45a2ca8fa791db1c76b303"
        },
        "arm64": {
          "1.9.1": "56171987d3947707c3563db2f4001bccaf50fd63468611b9f3cbecb1375ee7ec"
        }
      }
    }
  ]
}
)json";

}  // namespace kc
