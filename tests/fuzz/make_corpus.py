#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz: every reproducer of issue 13 plus a few ordinary
inputs. Run from anywhere; the files are committed, so this is only needed to add seeds."""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def header(name, typeflag, size=0, link="", gnu=False):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % 0
    h[156] = ord(typeflag)
    h[157:157 + len(link)] = link.encode()
    h[257:265] = b"ustar  \0" if gnu else b"ustar\x0000"
    return h


def checksum(h):
    h[148:156] = b" " * 8
    h[148:155] = b"%06o\0" % sum(h)
    return bytes(h)


def member(name, typeflag, body=b"", link=""):
    out = checksum(header(name, typeflag, len(body), link))
    return out + body + b"\0" * ((512 - len(body) % 512) % 512)


def number12(value):
    if value < 1 << 33:
        return b"%011o\0" % value
    return b"\x80" + b"\0" * 3 + struct.pack(">Q", value)


def sparse(name, real_size, data_offset, data):
    h = header(name, "S", len(data), gnu=True)
    h[386:398] = number12(data_offset)
    h[398:410] = number12(len(data))
    h[483:495] = number12(real_size)
    return checksum(h) + data + b"\0" * ((512 - len(data) % 512) % 512)


def tar(*members):
    return b"".join(members) + b"\0" * 1024


def write(corpus, name, data):
    path = os.path.join(HERE, "corpus", corpus, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


tars = {
    "ordinary.tgz": gzip.compress(tar(member("./", "5"), member("./bridge", "0", b"bridge"),
                                      member("./same", "1", link="./bridge"),
                                      member("./alias", "2", link="bridge"))),
    "two-hop-escape.tar": tar(member("s1/s2/b", "2", link="../.."),
                              member("s1/s2/d", "2", link="b/../../../etc")),
    "three-hop-escape.tar": tar(member("x/y/z/l1", "2", link="../.."),
                                member("x/y/z/l2", "2", link="l1/.."),
                                member("x/y/z/l3", "2", link="l2/..")),
    "member-below-own-link.tar": tar(member("bridge", "0", b"b"), member("d", "2", link="."),
                                     member("d/x", "0", b"x")),
    "sparse-1GiB-hole.tgz": gzip.compress(tar(sparse("holey", 1 << 30, (1 << 30) - 1, b"!"))),
    "sparse-1TiB-hole.tgz": gzip.compress(tar(sparse("huge", 1 << 40, (1 << 40) - 1, b"!"))),
    "truncated.tgz": gzip.compress(tar(member("a", "0", b"x" * 2000)))[:60],
    "link-loop.tar": tar(member("a", "2", link="b/x"), member("b", "2", link="a/x")),
}
for name, data in tars.items():
    write("tar", name, data)

parsers = {
    "yaml-comma": b"y,",
    "kubeconfig-comma": b"k,",
    "kubeconfig-ok": b"k" + b"apiVersion: v1\nkind: Config\nclusters: []\n",
    "config-1e999": b'j{"init": {"kubernetes-version": 1e999}}',
    "config-ok": b'j{"log-level": "debug", "init": {"cluster-name": "toil"}}',
    "duration-overflow": b"d" + b"1000000000h" * 3000,
    "duration-zero": b"d0",
    "catalog-name-escape": b'c{"artifacts": [{"name": "/../../x", "kind": "tarball", '
                           b'"version": "1.0.0", "url": "https://e/x", "destination": "/o"}]}',
    "catalog-http-unpinned": b'c{"artifacts": [{"name": "x", "kind": "binary", '
                             b'"version": "1.0.0", "url": "http://e/x", "destination": "/o"}]}',
    "catalog-sizes": b'c{"artifacts": [{"name": "x", "kind": "binary", "version": "kubernetes", '
                     b'"url": "https://e/x", "destination": "/o", "max_size": 1000, '
                     b'"size": {"amd64": {"1.36.3": 1000, "1.35.7": 1001}, "arm64": 7}}]}',
    "sha256-file": b"s" + b"a" * 64 + b"  kubelet\n",
    "asset-state": b'a{"artifacts": {"kubelet": {"source": "https://m/k", "sha256": "' +
                   b"a" * 64 + b'", "files": [{"path": "/opt/bin/kubelet", "sha256": "' +
                   b"b" * 64 + b'", "size": 1, "inode": 2, "mtime_ns": 3, "ctime_ns": 4}]}}}',
    "nodes-duplicate-ready": b'n{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":'
                             b'[{"metadata":{"name":"n","uid":"u"},"status":{"conditions":['
                             b'{"type":"Ready","status":"True"},{"type":"Ready","status":"Unknown"}]}}]}',
    "nodes-ready-no-status": b'n{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":'
                             b'[{"metadata":{"name":"n","uid":"u"},"status":{"conditions":[{"type":"Ready"}]}}]}',
    "nodes-members-after-items": b'n{"items":[{"metadata":{"name":"n","uid":"u","resourceVersion":"2"},'
                                 b'"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}}],'
                                 b'"kind":"NodeList","metadata":{"resourceVersion":"1","continue":"c"}}',
    "watch-gone": b'w{"type":"ERROR","object":{"kind":"Status","code":410}}',
    "nodes-deep": b'n{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"x":' +
                  b"[" * 5000 + b"]" * 5000 + b"}]}",
    "nodes-escapes": b'n{"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":'
                     b'{"n\\u0061me":"\\ud83d\\ude00","uid":"\\ud800","labels":{"a\\/b":""}}}]}',
    "watch-number-range": b'w{"type":"MODIFIED","object":{"metadata":{"name":"n","uid":"u",'
                          b'"resourceVersion":"1"},"status":{"images":[{"sizeBytes":1e999}]}}}',
    "member-two-hop": b"ms1/s2/d\0b/../../../etc",
}
for name, data in parsers.items():
    write("parsers", name, data)
