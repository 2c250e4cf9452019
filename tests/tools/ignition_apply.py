#!/usr/bin/env python3
"""A STAND-IN for Ignition's files and systemd stages, for kc's tests (the test bed has no
Ignition): applies an Ignition 3.x config's storage.files and systemd.units to a root directory,
as Ignition does in the initramfs at first boot.

  ignition_apply.py ROOT CONFIG.json

- storage.files: each path written with its mode (default 0644), parent directories 0755; the
  contents.source is a data: URL (base64 or percent-encoded) or an http(s) URL fetched here;
  contents.verification.hash ("sha256-HEX" or "sha512-HEX") must match, else nothing at all is
  written and the exit status is 1 (Ignition fails the boot);
- systemd.units: contents written to /etc/systemd/system/NAME; enabled: true links it into the
  .wants directory of each target its [Install] WantedBy= names (what `systemctl enable` and
  Ignition's preset do).
Unsupported fields (append, overwrite=false, links, directories, dropins, mask) are an error.
"""
import base64
import hashlib
import json
import os
import sys
import urllib.parse
import urllib.request


def fetch(source):
    if source.startswith("data:"):
        header, _, data = source[5:].partition(",")
        if header.endswith(";base64"):
            return base64.b64decode(data)
        return urllib.parse.unquote_to_bytes(data)
    with urllib.request.urlopen(source, timeout=30) as answer:
        return answer.read()


def verify(path, body, verification):
    want = (verification or {}).get("hash")
    if not want:
        return
    algorithm, _, digest = want.partition("-")
    if algorithm not in ("sha256", "sha512"):
        sys.exit(f"ignition: {path}: unsupported verification.hash {want}")
    got = hashlib.new(algorithm, body).hexdigest()
    if got != digest:
        sys.exit(f"ignition: {path}: {algorithm} is {got}, verification.hash wants {digest}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, config = sys.argv[1], json.load(open(sys.argv[2]))
    if not config.get("ignition", {}).get("version", "").startswith("3."):
        sys.exit("ignition: not an Ignition 3.x config")
    for key in ("links", "directories"):
        if config.get("storage", {}).get(key):
            sys.exit(f"ignition: storage.{key} is not supported by this stand-in")
    files = []
    for f in config.get("storage", {}).get("files", []):
        if f.get("append") or f.get("overwrite") is False:
            sys.exit(f"ignition: {f['path']}: append/overwrite=false not supported")
        contents = f.get("contents", {})
        body = fetch(contents["source"]) if contents.get("source") else b""
        verify(f["path"], body, contents.get("verification"))
        files.append((f["path"], body, f.get("mode", 0o644)))
    units = config.get("systemd", {}).get("units", [])
    for u in units:
        if u.get("dropins") or u.get("mask"):
            sys.exit(f"ignition: {u['name']}: dropins/mask not supported")
    # Everything fetched and verified: now write.
    for path, body, mode in files:
        target = os.path.join(root, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        with open(target, "wb") as out:
            out.write(body)
        os.chmod(target, mode)
    unit_dir = os.path.join(root, "etc/systemd/system")
    for u in units:
        path = os.path.join(unit_dir, u["name"])
        if "contents" in u:
            os.makedirs(unit_dir, exist_ok=True)
            with open(path, "w") as out:
                out.write(u["contents"])
            os.chmod(path, 0o644)
        if u.get("enabled"):
            text = open(path).read()
            for line in text.splitlines():
                if line.strip().startswith("WantedBy="):
                    for wanted_by in line.split("=", 1)[1].split():
                        wants = os.path.join(unit_dir, wanted_by + ".wants")
                        os.makedirs(wants, exist_ok=True)
                        link = os.path.join(wants, u["name"])
                        if not os.path.lexists(link):
                            os.symlink(f"/etc/systemd/system/{u['name']}", link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
