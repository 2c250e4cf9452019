#!/usr/bin/env python3
"""Synthetic node artifacts for the asset tests: fake kubeadm/kubelet/kubectl binaries, crictl
and CNI plugin tarballs laid out under DOCROOT with the upstream paths, and catalogs (kc's
--catalog format) pinning their digests. Also tarballs with unsafe entries, each with its own
catalog. Sizes are small by default; --scale multiplies them (the benchmark uses real sizes)."""
import argparse
import hashlib
import io
import json
import os
import random
import tarfile

VERSION = "1.36.3"
ARCH = "amd64"
CRICTL = "1.35.0"
CNI = "1.9.1"
UPSTREAM = {
    "kubeadm": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubeadm",
    "kubelet": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubelet",
    "kubectl": "https://dl.k8s.io/release/v{version}/bin/linux/{arch}/kubectl",
    "crictl": "https://github.com/kubernetes-sigs/cri-tools/releases/download/v{version}/crictl-v{version}-linux-{arch}.tar.gz",
    "cni-plugins": "https://github.com/containernetworking/plugins/releases/download/v{version}/cni-plugins-linux-{arch}-v{version}.tgz",
}


def content(name, size):
    # Deterministic, incompressible (as real binaries nearly are), different per file.
    head = b"#!/bin/sh\necho " + name.encode() + b"\nexit 0\n"
    return (head + random.Random(name).randbytes(max(0, size - len(head))))[:size]


def path_of(url_pattern, version):
    url = url_pattern.replace("{version}", version).replace("{arch}", ARCH)
    return url.split("/", 3)[3]


def write(docroot, rel, data):
    full = os.path.join(docroot, rel)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)
    with open(full + ".sha256", "w") as f:
        f.write(hashlib.sha256(data).hexdigest() + "  " + os.path.basename(rel) + "\n")


def tarball(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, kind, value in members:
            info = tarfile.TarInfo(name)
            info.mode = 0o755
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = value
                tar.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = value
                tar.addfile(info)
            else:
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
    return buf.getvalue()


def entry(name, kind, version, url, sha, destination):
    return {
        "name": name, "kind": kind, "version": version, "url": url,
        "destination": destination, "sha256": {ARCH: {version if version != "kubernetes" else VERSION: sha}},
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("docroot")
    p.add_argument("catalog_dir")
    p.add_argument("--scale", type=float, default=1.0, help="multiplies the default sizes (MB)")
    p.add_argument("--sizes", default="kubeadm=3,kubelet=24,kubectl=2,crictl=1,cni-plugins=2",
                   help="NAME=MB,... before --scale")
    args = p.parse_args()
    sizes = {k: int(float(v) * args.scale * 1000 * 1000) for k, v in
             (kv.split("=") for kv in args.sizes.split(","))}
    digests = {}
    for name in ("kubeadm", "kubelet", "kubectl"):
        data = content(name, sizes[name])
        write(args.docroot, path_of(UPSTREAM[name], VERSION), data)
        digests[name] = hashlib.sha256(data).hexdigest()
    crictl = tarball([("crictl", "file", content("crictl", sizes["crictl"]))])
    write(args.docroot, path_of(UPSTREAM["crictl"], CRICTL), crictl)
    digests["crictl"] = hashlib.sha256(crictl).hexdigest()
    per_plugin = max(1, sizes["cni-plugins"] // 3)
    cni = tarball([("./", "dir", None), ("./bridge", "file", content("bridge", per_plugin)),
                   ("./host-local", "file", content("host-local", per_plugin)),
                   ("./loopback", "file", content("loopback", per_plugin)),
                   ("./LICENSE", "file", b"Apache License 2.0\n")])
    write(args.docroot, path_of(UPSTREAM["cni-plugins"], CNI), cni)
    digests["cni-plugins"] = hashlib.sha256(cni).hexdigest()

    def catalog(cni_url=None, cni_sha=None, pinned=True):
        arts = []
        for name in ("kubeadm", "kubelet", "kubectl"):
            e = entry(name, "binary", "kubernetes", UPSTREAM[name], digests[name], "/opt/bin")
            if not pinned:
                del e["sha256"]
            arts.append(e)
        arts.append(entry("crictl", "tarball", CRICTL, UPSTREAM["crictl"], digests["crictl"], "/opt/bin"))
        arts.append(entry("cni-plugins", "tarball", CNI, cni_url or UPSTREAM["cni-plugins"],
                          cni_sha or digests["cni-plugins"], "/opt/cni/bin"))
        return {"artifacts": arts}

    os.makedirs(args.catalog_dir, exist_ok=True)

    def dump(name, cat):
        with open(os.path.join(args.catalog_dir, name), "w") as f:
            json.dump(cat, f, indent=2)

    dump("catalog.json", catalog())
    dump("catalog-unpinned.json", catalog(pinned=False))
    evil = {
        "dotdot": [("./", "dir", None), ("./bridge", "file", b"ok\n"), ("../escaped", "file", b"evil\n")],
        "absolute": [("./bridge", "file", b"ok\n"), ("/tmp/kc-absolute-escape", "file", b"evil\n")],
        "symlink": [("./bridge", "file", b"ok\n"), ("./evil", "symlink", "../../../../etc/passwd")],
        "symlink-abs": [("./bridge", "file", b"ok\n"), ("./evil", "symlink", "/etc/passwd")],
    }
    for name, members in evil.items():
        data = tarball(members)
        rel = f"evil/{name}.tgz"
        write(args.docroot, rel, data)
        dump(f"catalog-evil-{name}.json",
             catalog(cni_url="https://github.com/" + rel, cni_sha=hashlib.sha256(data).hexdigest()))
    with open(os.path.join(args.catalog_dir, "digests.json"), "w") as f:
        json.dump(digests, f, indent=2)


if __name__ == "__main__":
    main()
