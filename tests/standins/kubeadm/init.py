#!/usr/bin/env python3
"""A STAND-IN for `kubeadm init --config FILE [--rootfs DIR]`, for kc's tests.

It checks what kc must get right and the real kubeadm would reject or misapply:
  - argv: exactly `init --config FILE`, optionally `--rootfs DIR` (paths then under DIR); no
    secret on the command line;
  - the file: mode 0600; three YAML documents, kubeadm.k8s.io/v1beta4 InitConfiguration and
    ClusterConfiguration, kubelet.config.k8s.io/v1beta1 KubeletConfiguration; every extraArgs
    and kubeletExtraArgs a list of {name, value} (v1beta4; v1beta3's maps fail); no
    timeoutForControlPlane; kubelet cloud-provider=external, node-ip and provider-id
    aws:///ZONE/ID; criSocket containerd; controlPlaneEndpoint, podSubnet, serviceSubnet set;
    no --cloud-provider on kube-apiserver (removed in 1.33); flex-volume-plugin-dir on the
    controller-manager exactly for 1.33-1.35; cgroupDriver systemd, serverTLSBootstrap and
    rotateCertificates true.
Then it does what kc relies on, with real OpenSSL: /etc/kubernetes/pki/ca.{crt,key} (0600 key),
an admin.conf whose client certificate (CN kubernetes-admin, O system:masters) that CA signed,
the four static-pod manifests, and (unless KC_KUBEADM_STANDIN_APISERVER=0) starts the Kubernetes
API server stand-in ($KC_APISERVER_STANDIN, tests/servers/kube_apiserver_standin.py) on the
endpoint's port with a serving certificate of that CA (SANs: the endpoint's host, the node name,
127.0.0.1, localhost), as its own systemd service when KC_APISERVER_STANDIN_UNIT names one (so it
outlives kubeadm, as the static pod does), and gives it what kubeadm and the node's kubelet and
the cloud-controller-manager would have made: the kube-system and kube-public namespaces, a
CoreDNS Deployment that is Available, the leader's Node (Ready, control plane, providerID, no
uninitialized taint), the kubelet's serving CSR (real openssl, SANs node name and node IP), and
the stand-in's "auto-ready" mode for what kc applies. It prints kubeadm-like "[phase] ..." lines;
a failed check ends with "error execution phase preflight:".
"""
import base64
import json
import os
import stat
import subprocess
import sys
import time
import urllib.request

import yaml


def fail(phase, message):
    print(f"error execution phase {phase}: {message}", file=sys.stderr)
    sys.exit(1)


def check_args(argv):
    rootfs = "/"
    if len(argv) not in (3, 5) or argv[0] != "init" or argv[1] != "--config":
        fail("preflight", f"unexpected arguments {argv!r}")
    if len(argv) == 5:
        if argv[3] != "--rootfs":
            fail("preflight", f"unexpected arguments {argv!r}")
        rootfs = argv[4]
    return argv[2], rootfs


def is_arg_list(value):
    return isinstance(value, list) and all(
        isinstance(a, dict) and set(a) == {"name", "value"} for a in value)


def args_of(value):
    return {a["name"]: a["value"] for a in value or []}


def check_config(docs):
    kinds = [(d.get("apiVersion"), d.get("kind")) for d in docs]
    want = [("kubeadm.k8s.io/v1beta4", "InitConfiguration"),
            ("kubeadm.k8s.io/v1beta4", "ClusterConfiguration"),
            ("kubelet.config.k8s.io/v1beta1", "KubeletConfiguration")]
    if kinds != want:
        fail("preflight", f"documents {kinds}, expected {want}")
    init, cluster, kubelet = docs
    node = init.get("nodeRegistration", {})
    if node.get("criSocket") != "unix:///run/containerd/containerd.sock":
        fail("preflight", "criSocket is not containerd's")
    if not is_arg_list(node.get("kubeletExtraArgs")):
        fail("preflight", "kubeletExtraArgs is not a v1beta4 list of {name, value}")
    kubelet_args = args_of(node["kubeletExtraArgs"])
    if kubelet_args.get("cloud-provider") != "external" or "node-ip" not in kubelet_args:
        fail("preflight", "kubelet needs cloud-provider=external and node-ip")
    if not kubelet_args.get("provider-id", "").startswith("aws:///"):
        fail("preflight", "kubelet provider-id is not aws:///ZONE/INSTANCE-ID")
    for part in ("apiServer", "controllerManager", "scheduler"):
        extra = cluster.get(part, {}).get("extraArgs")
        if extra is not None and not is_arg_list(extra):
            fail("preflight", f"{part}.extraArgs is not a v1beta4 list of {{name, value}}")
    if "timeoutForControlPlane" in cluster.get("apiServer", {}):
        fail("preflight", "timeoutForControlPlane is v1beta3")
    if "cloud-provider" in args_of(cluster.get("apiServer", {}).get("extraArgs")):
        fail("preflight", "kube-apiserver has no --cloud-provider since 1.33")
    for key in ("controlPlaneEndpoint", "clusterName", "kubernetesVersion"):
        if not cluster.get(key):
            fail("preflight", f"ClusterConfiguration.{key} is missing")
    net = cluster.get("networking", {})
    if not net.get("podSubnet") or not net.get("serviceSubnet"):
        fail("preflight", "podSubnet and serviceSubnet must be set")
    minor = int(cluster["kubernetesVersion"].split(".")[1])
    flex = "flex-volume-plugin-dir" in args_of(cluster.get("controllerManager", {}).get("extraArgs"))
    if flex != (minor <= 35):
        fail("preflight", f"flex-volume-plugin-dir {'set' if flex else 'missing'} on 1.{minor}")
    if (kubelet.get("cgroupDriver") != "systemd" or kubelet.get("serverTLSBootstrap") is not True
            or kubelet.get("rotateCertificates") is not True):
        fail("preflight", "kubelet needs cgroupDriver systemd, serverTLSBootstrap, rotateCertificates")
    return cluster


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def write(path, content, mode):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, mode)


def main():
    config, rootfs = check_args(sys.argv[1:])
    under = lambda p: os.path.join(rootfs, p.lstrip("/"))
    path = under(config)
    if stat.S_IMODE(os.stat(path).st_mode) != 0o600:
        fail("preflight", f"{config} is not mode 0600")
    with open(path) as f:
        docs = list(yaml.safe_load_all(f))
    print("[preflight] Running pre-flight checks (stand-in: argv and config structure)", flush=True)
    cluster = check_config(docs)
    print(f"[init] Using Kubernetes version: {cluster['kubernetesVersion']}", flush=True)
    pki = under("/etc/kubernetes/pki")
    os.makedirs(pki, exist_ok=True)
    print("[certs] Generating \"ca\" certificate and key", flush=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{pki}/ca.key", "-out", f"{pki}/ca.crt", "-days", "3650",
            "-subj", "/CN=kubernetes")
    os.chmod(f"{pki}/ca.key", 0o600)
    work = under("/etc/kubernetes/.standin")
    os.makedirs(work, exist_ok=True)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{work}/admin.key", "-out", f"{work}/admin.csr",
            "-subj", "/O=system:masters/CN=kubernetes-admin")
    openssl("x509", "-req", "-in", f"{work}/admin.csr", "-CA", f"{pki}/ca.crt", "-CAkey",
            f"{pki}/ca.key", "-CAcreateserial", "-out", f"{work}/admin.crt", "-days", "365")
    b64 = lambda p: base64.b64encode(open(p, "rb").read()).decode()
    endpoint = cluster["controlPlaneEndpoint"]
    server = os.environ.get("KC_KUBEADM_STANDIN_SERVER", f"https://{endpoint}")
    print("[kubeconfig] Writing \"admin.conf\" kubeconfig file", flush=True)
    write(under("/etc/kubernetes/admin.conf"), yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kubernetes-admin@kubernetes",
        "clusters": [{"name": cluster["clusterName"], "cluster": {
            "server": server, "certificate-authority-data": b64(f"{pki}/ca.crt")}}],
        "users": [{"name": "kubernetes-admin", "user": {
            "client-certificate-data": b64(f"{work}/admin.crt"),
            "client-key-data": b64(f"{work}/admin.key")}}],
        "contexts": [{"name": "kubernetes-admin@kubernetes", "context": {
            "cluster": cluster["clusterName"], "user": "kubernetes-admin"}}]}), 0o600)
    print("[control-plane] Creating static Pod manifests", flush=True)
    for name in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        write(under(f"/etc/kubernetes/manifests/{name}.yaml"), yaml.safe_dump({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "kube-system"}}), 0o600)
    if os.environ.get("KC_KUBEADM_STANDIN_APISERVER", "1") != "0":
        print("[wait-control-plane] Starting the API server stand-in", flush=True)
        start_apiserver(pki, work, endpoint, server, docs[0]["nodeRegistration"])
    print("Your Kubernetes control-plane has initialized successfully! (stand-in)", flush=True)


def start_apiserver(pki, work, endpoint, server, node):
    host, port = endpoint.rsplit(":", 1)
    name = node["name"]
    kubelet_args = args_of(node["kubeletExtraArgs"])
    node_ip = kubelet_args["node-ip"]
    tls = f"{work}/tls"
    os.makedirs(tls, exist_ok=True)
    sans = [f"DNS:{n}" for n in dict.fromkeys([host, name, "localhost"])] + ["IP:127.0.0.1"]
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{tls}/server.key", "-out", f"{tls}/server.csr", "-subj", "/CN=kube-apiserver")
    with open(f"{tls}/server.cnf", "w") as f:
        f.write(f"subjectAltName={','.join(sans)}\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", f"{tls}/server.csr", "-CA", f"{pki}/ca.crt", "-CAkey",
            f"{pki}/ca.key", "-CAcreateserial", "-extfile", f"{tls}/server.cnf",
            "-out", f"{tls}/server.pem", "-days", "365")
    with open(f"{pki}/ca.crt") as src, open(f"{tls}/ca.pem", "w") as dst:
        dst.write(src.read())
    ports = f"{work}/ports"
    if os.path.exists(ports):
        os.remove(ports)
    # kube-apiserver listens on every address (--bind-address 0.0.0.0) unless told otherwise;
    # the test bed's wrapper says so inside a container, whose network namespace is its own.
    bind = os.environ.get("KC_APISERVER_STANDIN_BIND", "127.0.0.1")
    argv = [sys.executable, os.environ["KC_APISERVER_STANDIN"], "--tls-dir", tls, "--port", port,
            "--bind", bind, "--rbac", "--ports-file", ports]
    unit = os.environ.get("KC_APISERVER_STANDIN_UNIT")
    if unit:
        subprocess.run(["systemd-run", "--quiet", f"--unit={unit}", "--", *argv], check=True)
    else:
        subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(ports) and os.path.getsize(ports):
            break
        time.sleep(0.05)
    else:
        fail("wait-control-plane", "the API server stand-in did not start")
    control = open(ports).read().split()[1]
    csr = subprocess.run(
        ["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", "/dev/null", "-subj", f"/O=system:nodes/CN=system:node:{name}",
         "-addext", f"subjectAltName=DNS:{name},IP:{node_ip}"],
        check=True, capture_output=True).stdout
    ns = lambda n: {"op": "object", "key": f"/namespaces//{n}", "object": {
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}}
    ops = [ns("kube-system"), ns("kube-public"),
           {"op": "object", "key": "apps/deployments/kube-system/coredns", "object": {
               "apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "coredns", "namespace": "kube-system"},
               "status": {"conditions": [{"type": "Available", "status": "True"}]}}},
           {"op": "put", "nodes": [{"name": name, "control_plane": True, "ready": "True"}]},
           {"op": "csr", "name": "csr-leader", "username": f"system:node:{name}",
            "request": base64.b64encode(csr).decode()},
           {"op": "auto-ready"},
           # kubeadm init's cluster-info names the API server as admin.conf does.
           {"op": "cluster-server", "url": server}]
    request = urllib.request.Request(f"http://127.0.0.1:{control}/", json.dumps(ops).encode())
    urllib.request.urlopen(request, timeout=10).read()


if __name__ == "__main__":
    main()
