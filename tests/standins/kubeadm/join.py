#!/usr/bin/env python3
"""A STAND-IN for `kubeadm join` (and `kubeadm reset --force` on a worker), for kc's tests only.

No real kubeadm join can run here (it needs a control plane and a kubelet that runs pods), so
this does what kubeadm's join does that kc depends on, speaking the real protocol to the API
server stand-in (tests/servers/kube_apiserver_standin.py) or any API server:

  - the configuration: `--config FILE` must be mode 0600 and hold exactly one
    kubeadm.k8s.io/v1beta4 JoinConfiguration (v1beta3 spellings such as map-shaped
    kubeletExtraArgs or discovery.timeout are refused, as kubeadm 1.36 does); the bootstrap token
    must not be on the command line (/proc/PID/cmdline is world-readable);
  - token discovery, as kubeadm's discovery/token: an anonymous GET of the kube-public/cluster-info
    ConfigMap over TLS not yet trusted; the CA in it must match a pinned caCertHashes entry, the
    hash computed with the real openssl command (SHA-256 of the DER SubjectPublicKeyInfo); its
    jws-kubeconfig-TOKENID entry must be a valid HS256 detached JWS keyed by the token's secret;
  - the TLS bootstrap, as the kubelet does it: a CertificateSigningRequest (key and CSR made with
    openssl) POSTed with the bootstrap token as bearer token, now trusting the pinned CA; the API
    server accepts the token or answers 401;
  - the files a joined node has: /etc/kubernetes/kubelet.conf, pki/ca.crt,
    /var/lib/kubelet/config.yaml and kubeadm-flags.env; then `systemctl restart kubelet`.
Errors use kubeadm's own words, so kc's classification of kubeadm's output is tested too.
Every call is appended to /var/lib/kc-test/kubeadm-calls.log (under --rootfs), so a test can
tell that a rebooted node did not join again.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOKEN = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
ROOT = "/"


def host(path):
    return os.path.join(ROOT, path.lstrip("/"))


def die(message):
    print("error execution phase " + message, file=sys.stderr)
    print("To see the stack trace of this error execute with --v=5 or higher", file=sys.stderr)
    sys.exit(1)


def record(call):
    os.makedirs(host("/var/lib/kc-test"), exist_ok=True)
    with open(host("/var/lib/kc-test/kubeadm-calls.log"), "a") as f:
        f.write("%s %s\n" % (call, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())))


def scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_yaml(text):
    """The block-style YAML kc emits (mappings, sequences of scalars or mappings, scalars).
    Debian's python3 has no YAML module; this reads only that subset and fails otherwise."""
    lines = [(len(l) - len(l.lstrip(" ")), l.strip()) for l in text.splitlines()
             if l.strip() and not l.strip().startswith("#") and l.strip() != "---"]
    pos = 0

    def block(indent):
        nonlocal pos
        if pos < len(lines) and lines[pos][1].startswith("- ") and lines[pos][0] >= indent:
            seq, ind = [], lines[pos][0]
            while pos < len(lines) and lines[pos][0] == ind and lines[pos][1].startswith("- "):
                item = lines[pos][1][2:]
                if (": " in item or item.endswith(":")) and not item.startswith(("\"", "'")):
                    # "- key: value" opens a mapping whose other keys are indented by 2 more
                    lines[pos] = (ind + 2, item)
                    seq.append(mapping(ind + 2))
                else:
                    seq.append(scalar(item))
                    pos += 1
            return seq
        return mapping(indent)

    def mapping(indent):
        nonlocal pos
        out = {}
        while pos < len(lines) and lines[pos][0] == indent and not lines[pos][1].startswith("- "):
            line = lines[pos][1]
            key, sep, rest = (line[:-1], ":", "") if line.endswith(":") else line.partition(": ")
            if not sep:
                raise ValueError("not YAML kc writes: " + lines[pos][1])
            pos += 1
            rest = rest.strip()
            if rest:
                out[scalar(key)] = [] if rest == "[]" else ({} if rest == "{}" else scalar(rest))
            elif pos < len(lines) and lines[pos][0] >= indent and \
                    (lines[pos][0] > indent or lines[pos][1].startswith("- ")):
                out[scalar(key)] = block(lines[pos][0])
            else:
                out[scalar(key)] = None
        return out

    doc = block(0)
    if pos != len(lines):
        raise ValueError("unexpected line: " + lines[pos][1])
    return doc


def load_config(path):
    st = os.stat(path)
    if st.st_mode & 0o077:
        die("preflight: %s is mode %04o: the JoinConfiguration holds the bootstrap token and "
            "must be readable by its owner only (kc-worker writes it 0600)" % (path, st.st_mode & 0o777))
    with open(path) as f:
        text = f.read()
    if text.count("\nkind:") + text.startswith("kind:") != 1:
        die("preflight: expected exactly one document in " + path)
    doc = parse_yaml(text)
    if doc.get("apiVersion") != "kubeadm.k8s.io/v1beta4":
        die("preflight: %s: apiVersion %r: kubeadm 1.36 reads kubeadm.k8s.io/v1beta4 only"
            % (path, doc.get("apiVersion")))
    if doc.get("kind") != "JoinConfiguration":
        die("preflight: %s: kind %r is not JoinConfiguration" % (path, doc.get("kind")))
    node = doc.get("nodeRegistration") or {}
    args = node.get("kubeletExtraArgs", [])
    if not isinstance(args, list) or not all(isinstance(a, dict) and set(a) == {"name", "value"}
                                             for a in args):
        die("preflight: nodeRegistration.kubeletExtraArgs must be a list of {name, value} in v1beta4")
    if {"name": "cloud-provider", "value": "external"} not in args:
        die("preflight: kc's workers run with cloud-provider external (missing in kubeletExtraArgs)")
    if node.get("criSocket") != "unix:///run/containerd/containerd.sock":
        die("preflight: criSocket %r is not containerd's" % node.get("criSocket"))
    discovery = doc.get("discovery") or {}
    if "timeout" in discovery or "timeoutForControlPlane" in doc:
        die("preflight: v1beta3 timeout fields are not part of v1beta4 (use timeouts)")
    bt = discovery.get("bootstrapToken") or {}
    for field in ("apiServerEndpoint", "token", "caCertHashes"):
        if not bt.get(field):
            die("preflight: discovery.bootstrapToken.%s is required" % field)
    if not TOKEN.fullmatch(bt["token"]):
        die("preflight: discovery.bootstrapToken.token is not a bootstrap token")
    return doc, node, bt


def openssl_spki_hash(pem):
    """sha256:<hex> of the certificate's DER SubjectPublicKeyInfo, with the openssl command."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(pem)
        f.flush()
        pub = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", f.name],
                             check=True, capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                             check=True, capture_output=True).stdout
    return "sha256:" + hashlib.sha256(der).hexdigest()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws_valid(jws, payload, token_id, secret):
    header, _, signature = jws.partition("..")
    try:
        h = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except ValueError:
        return False
    if h.get("alg") != "HS256" or h.get("kid") not in (None, token_id):
        return False
    mac = hmac.new(secret.encode(), (header + "." + b64url(payload.encode())).encode(),
                   hashlib.sha256).digest()
    return hmac.compare_digest(b64url(mac), signature)


def discover(endpoint, token, pins):
    token_id, secret = token.split(".")
    url = "https://%s/api/v1/namespaces/kube-public/configmaps/cluster-info?timeout=10s" % endpoint
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    print("[discovery] Created cluster-info discovery client, requesting info from \"%s\"" % endpoint)
    try:
        with urllib.request.urlopen(url, context=insecure, timeout=10) as r:
            info = json.load(r)
    except urllib.error.HTTPError as e:
        die("preflight: couldn't validate the identity of the API Server: HTTP %d for %s" % (e.code, url))
    except (urllib.error.URLError, socket.timeout, OSError) as e:
        reason = getattr(e, "reason", e)
        words = "connect: connection refused" if isinstance(reason, ConnectionRefusedError) else \
            "i/o timeout" if isinstance(reason, (socket.timeout, TimeoutError)) else str(reason)
        die("preflight: couldn't validate the identity of the API Server: Get \"%s\": dial tcp %s: %s"
            % (url, endpoint, words))
    data = info.get("data") or {}
    kubeconfig = data.get("kubeconfig", "")
    cluster = parse_yaml(kubeconfig)["clusters"][0]["cluster"]
    ca_pem = base64.b64decode(cluster["certificate-authority-data"]).decode()
    actual = openssl_spki_hash(ca_pem)
    if actual not in pins:
        die("preflight: couldn't validate the identity of the API Server: cluster CA found in "
            "cluster-info ConfigMap is invalid: none of the public keys \"%s\" are pinned" % actual)
    jws = data.get("jws-kubeconfig-" + token_id)
    if jws is None:
        die("preflight: couldn't validate the identity of the API Server: could not find a JWS "
            "signature in the cluster-info ConfigMap for token ID \"%s\"" % token_id)
    if not jws_valid(jws, kubeconfig, token_id, secret):
        die("preflight: couldn't validate the identity of the API Server: failed to verify JWS "
            "signature of received cluster info object, can't trust this API Server")
    print("[discovery] Cluster info signature and contents are valid and no TLS pinning was "
          "specified, will use API Server \"%s\"" % endpoint)
    return cluster["server"], ca_pem


def tls_bootstrap(server, ca_pem, token, node_name):
    """The kubelet's TLS bootstrap: a CSR for system:node:NAME, sent with the bootstrap token."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj",
                        "/O=system:nodes/CN=system:node:" + node_name,
                        "-keyout", d + "/key.pem", "-out", d + "/csr.pem"],
                       check=True, capture_output=True)
        with open(d + "/csr.pem", "rb") as f:
            csr = base64.b64encode(f.read()).decode()
        with open(d + "/key.pem") as f:
            key = f.read()
        ca_file = d + "/ca.pem"
        with open(ca_file, "w") as f:
            f.write(ca_pem)
        trusted = ssl.create_default_context(cafile=ca_file)
        trusted.check_hostname = False  # the stand-in's certificate names its test address
        body = json.dumps({
            "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"generateName": "node-csr-", "annotations": {"kc-test/node-name": node_name}},
            "spec": {"request": csr, "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                     "usages": ["digital signature", "client auth"]}}).encode()
        req = urllib.request.Request(server + "/apis/certificates.k8s.io/v1/certificatesigningrequests",
                                     data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": "Bearer " + token})
        try:
            with urllib.request.urlopen(req, context=trusted, timeout=30) as r:
                r.read()
        except urllib.error.HTTPError as e:
            if e.code == 401:
                die("kubelet-start: error uploading crisocket: Unauthorized")
            die("kubelet-start: the TLS bootstrap failed: HTTP %d" % e.code)
        except (urllib.error.URLError, OSError) as e:
            die("kubelet-start: the TLS bootstrap failed: %s: connection refused" % getattr(e, "reason", e)
                if isinstance(getattr(e, "reason", e), ConnectionRefusedError) else
                "kubelet-start: the TLS bootstrap failed: %s" % getattr(e, "reason", e))
    return key


def write(path, content, mode=0o600):
    full = host(path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + ".tmp"
    with open(tmp, "w") as f:
        f.write(content)
    os.chmod(tmp, mode)
    os.rename(tmp, full)


def join(config_path):
    for arg in sys.argv:
        if TOKEN.search(arg):
            die("preflight: a bootstrap token is on kubeadm's command line (world-readable in "
                "/proc/PID/cmdline)")
    print("[preflight] Running pre-flight checks")
    if os.path.exists(host("/etc/kubernetes/kubelet.conf")):
        die("preflight: [preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-"
            "kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists")
    if os.path.exists(host("/etc/kubernetes/pki/ca.crt")):
        die("preflight: [preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-"
            "kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists")
    doc, node, bt = load_config(host(config_path) if ROOT != "/" else config_path)
    server, ca_pem = discover(bt["apiServerEndpoint"], bt["token"], bt["caCertHashes"])
    node_name = node.get("name") or socket.gethostname()
    write("/etc/kubernetes/pki/ca.crt", ca_pem, 0o644)
    print("[kubelet-start] Writing kubelet configuration to file \"/var/lib/kubelet/config.yaml\"")
    write("/var/lib/kubelet/config.yaml",
          "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
          "cgroupDriver: systemd\n", 0o644)
    flags = ["--container-runtime-endpoint=" + node["criSocket"]] + \
        ["--%s=%s" % (a["name"], a["value"]) for a in node.get("kubeletExtraArgs", [])]
    write("/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="%s"\n' % " ".join(flags), 0o644)
    write("/etc/kubernetes/bootstrap-kubelet.conf", "# the bootstrap kubeconfig (stand-in)\n")
    print("[kubelet-start] Starting the kubelet")
    print("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
    key = tls_bootstrap(server, ca_pem, bt["token"], node_name)
    write("/var/lib/kubelet/pki/kubelet-client-current.pem", key)
    ca_b64 = base64.b64encode(ca_pem.encode()).decode()
    write("/etc/kubernetes/kubelet.conf",
          "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
          "    server: %s\n  name: default-cluster\ncontexts:\n- context:\n"
          "    cluster: default-cluster\n    namespace: default\n    user: default-auth\n"
          "  name: default-context\ncurrent-context: default-context\nkind: Config\n"
          "users:\n- name: default-auth\n  user:\n"
          "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n"
          "    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n" % (ca_b64, server))
    os.remove(host("/etc/kubernetes/bootstrap-kubelet.conf"))
    if ROOT == "/" and os.path.exists("/run/systemd/system"):
        subprocess.run(["systemctl", "restart", "kubelet"], check=False)
    record("join " + node_name)
    print("\nThis node has joined the cluster:\n* Certificate signing request was sent to "
          "apiserver and a response was received.\n* The Kubelet was informed of the new secure "
          "connection details.\n\nRun 'kubectl get nodes' on the control-plane to see this node "
          "join the cluster.")


def reset():
    print("[reset] Stopping the kubelet service")
    for path in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf",
                 "/etc/kubernetes/pki/ca.crt", "/var/lib/kubelet/config.yaml",
                 "/var/lib/kubelet/kubeadm-flags.env",
                 "/var/lib/kubelet/pki/kubelet-client-current.pem"):
        try:
            os.remove(host(path))
        except FileNotFoundError:
            pass
    record("reset")
    print("[reset] Deleted contents of the etcd data directory (none on a worker)")


def main():
    global ROOT
    args = sys.argv[1:]
    if "--rootfs" in args:
        i = args.index("--rootfs")
        ROOT = args[i + 1]
        del args[i:i + 2]
    if args[:1] == ["join"] and "--config" in args:
        return join(args[args.index("--config") + 1])
    if args[:1] == ["reset"] and "--force" in args:
        return reset()
    if args[:1] == ["version"]:
        print("kubeadm version: &version.Info{GitVersion:\"v1.36.3-kc-standin\"}")
        return
    print("join.py (a kubeadm join stand-in): unsupported arguments %r" % (args,), file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
