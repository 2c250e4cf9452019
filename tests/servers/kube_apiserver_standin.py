#!/usr/bin/env python3
"""A STAND-IN for the Kubernetes API server, for kc's tests and benchmark only.

No real kube-apiserver can run here (it needs etcd and images), so this speaks the parts of
its protocol kc uses, as the real one does:
  - HTTPS; client-certificate authentication (the client certificate is optional in the TLS
    handshake as with the real server: without one the request is 401, with one signed by
    another CA the handshake fails, and a user not in --allow-user gets 403 as RBAC would);
  - GET /api/v1/nodes?limit=&continue= : NodeList pages from a consistent snapshot, gzip when
    asked and the body exceeds 128 KiB (the API server's threshold);
  - GET /api/v1/nodes?watch=1&resourceVersion=&timeoutSeconds=&allowWatchBookmarks= :
    chunked, newline-delimited watch events, BOOKMARKs, a 410 ERROR event when the version has
    been compacted away;
  - DELETE /api/v1/nodes/NAME with DeleteOptions.preconditions.uid and .resourceVersion (409
    Conflict on a mismatch, with the Status message the API server writes);
  - GET and server-side apply (PATCH application/apply-patch+yaml with fieldManager, force and
    dryRun=All) of the objects in RESOURCES below, at their real paths (/api/v1/..., /apis/GROUP/
    VERSION/..., namespaces/NS/... for namespaced ones): a namespaced object needs its Namespace
    (404 otherwise, as the NamespaceLifecycle admission answers), the server sets uid,
    resourceVersion, creationTimestamp and managedFields and a few defaults, a dry run writes
    nothing; kc being the only field manager, an apply replaces the object by the applied
    configuration as SSA then does;
  - a no-op apply (the object would not change) writes nothing and keeps the resourceVersion, and
    an apply never touches .status (the status subresource is the controllers'), as SSA does;
  - GET /readyz, /livez and /healthz ("ok", no credentials needed);
  - GET /api/v1/nodes/NAME; GET /api/v1/namespaces/NS/events?fieldSelector=involvedObject.name=X;
    CertificateSigningRequests (list, get, PUT .../approval setting status.conditions);
  - object status set through the control endpoint ("status", "object", or "auto-ready", which
    plays the controllers: applied DaemonSets, Deployments and APIServices become ready), so
    the waits of kc can be tested both ways;
  - with --rbac the RBAC authorizer for nodes, from the applied ClusterRoleBindings (users in
    group system:masters may do anything);
  - Node objects shaped like a real cluster's (~8 KB: conditions, taints with timeAdded,
    labels, annotations, addresses, providerID, nodeInfo, status.images).
  - bootstrap tokens as the real cluster keeps them (Secrets kube-system/bootstrap-token-ID of
    type bootstrap.kubernetes.io/token, created (POST .../secrets) and deleted (DELETE
    .../secrets/NAME) as kubeadm token create/delete do, applied, or made by the
    "bootstrap-token" control op):
    the bearer-token authenticator (user system:bootstrap:ID, group system:bootstrappers), the
    anonymous GET of kube-public/cluster-info with a detached JWS per signing token as the
    bootstrap signer controller adds them (HS256 keyed by the token's secret; a deleted or
    expired token has none), and POST of a CertificateSigningRequest by a bootstrap identity
    (the kubelet's TLS bootstrap), recorded in /state "joins";
Faults can be injected (500, connection reset, stall, truncated or malformed JSON, 410).

A plain-HTTP control endpoint on another loopback port drives it (POST JSON, GET /state).
"""
import argparse
import base64
import bisect
import gzip
import hashlib
import hmac
import json
import random
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TAINT_TBD = "ToBeDeletedByClusterAutoscaler"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def node_uid(name, generation=0):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.{generation}.kc-test"))


def make_node(spec, rv):
    """A Node as a real API server returns it, from a small spec."""
    now = time.time()
    name = spec["name"]
    rng = random.Random(name)
    ready = spec.get("ready", "True")
    ready_since = now - spec.get("ready_for", 3600)
    if "ready_since" in spec:
        ready_since = spec["ready_since"]
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    instance = "i-" + hashlib.sha1(name.encode()).hexdigest()[:17]
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": "m6i.large",
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": "eu-west-1",
        "failure-domain.beta.kubernetes.io/zone": "eu-west-1a",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.large",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": "eu-west-1a",
    }
    if spec.get("control_plane"):
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    taints = []
    if spec.get("control_plane"):
        taints.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
    for key in spec.get("taints", []):
        if key == TAINT_TBD:
            taints.append({"key": key, "value": str(int(now - 600)), "effect": "NoSchedule"})
        elif key == TAINT_UNREACHABLE:
            taints.append({"key": key, "effect": "NoSchedule", "timeAdded": rfc3339(ready_since)})
            taints.append({"key": key, "effect": "NoExecute", "timeAdded": rfc3339(ready_since)})
        else:
            taints.append({"key": key, "effect": "NoSchedule"})
    heartbeat = rfc3339(now - rng.randrange(0, 40))
    reasons = {"True": ("KubeletReady", "kubelet is posting ready status"),
               "False": ("KubeletNotReady", "container runtime network not ready"),
               "Unknown": ("NodeStatusUnknown", "Kubelet stopped posting node status.")}
    conditions = []
    for ctype, reason, message in [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]:
        if ready == "Unknown":
            conditions.append({"type": ctype, "status": "Unknown", "lastHeartbeatTime": heartbeat,
                               "lastTransitionTime": rfc3339(ready_since),
                               "reason": "NodeStatusUnknown",
                               "message": "Kubelet stopped posting node status."})
        else:
            conditions.append({"type": ctype, "status": "False", "lastHeartbeatTime": heartbeat,
                               "lastTransitionTime": rfc3339(now - 86400), "reason": reason,
                               "message": message})
    if "ready" in spec or True:
        r, m = reasons[ready]
        conditions.append({"type": "Ready", "status": ready, "lastHeartbeatTime": heartbeat,
                           "lastTransitionTime": rfc3339(ready_since), "reason": r, "message": m})
    images = []
    for i in range(spec.get("images", 27)):
        digest = hashlib.sha256(f"{name}-{i}".encode()).hexdigest()
        repo = f"registry.k8s.io/example/component-{i % 17}"
        images.append({"names": [f"{repo}@sha256:{digest}", f"{repo}:v1.{i}.{i % 7}"],
                       "sizeBytes": rng.randrange(5_000_000, 900_000_000)})
    node = {
        "kind": "Node", "apiVersion": "v1",
        "metadata": {
            "name": name, "uid": spec.get("uid") or node_uid(name),
            "resourceVersion": str(rv),
            "creationTimestamp": rfc3339(now - 86400 * 3),
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                "cluster-autoscaler.kubernetes.io/scale-down-disabled": "false",
            },
        },
        "spec": {"podCIDR": "192.168.%d.0/24" % rng.randrange(256),
                 "podCIDRs": ["192.168.%d.0/24" % rng.randrange(256)],
                 "providerID": f"aws:///eu-west-1a/{instance}"},
        "status": {
            "capacity": {"cpu": "2", "ephemeral-storage": "20959212Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": "7910348Ki", "pods": "29"},
            "allocatable": {"cpu": "2", "ephemeral-storage": "19316009748", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": "7807948Ki", "pods": "29"},
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "InternalDNS", "address": f"ip-{ip.replace('.', '-')}.eu-west-1.compute.internal"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hashlib.md5(name.encode()).hexdigest(),
                "systemUUID": "ec2" + hashlib.md5(name.encode()).hexdigest()[3:],
                "bootID": node_uid(name, 99), "kernelVersion": "6.6.60-flatcar",
                "osImage": "Flatcar Container Linux by Kinvolk 4081.2.0 (Oklo)",
                "containerRuntimeVersion": "containerd://1.7.23", "kubeletVersion": "v1.36.3",
                "kubeProxyVersion": "v1.36.3", "operatingSystem": "linux", "architecture": "amd64",
            },
            "images": images,
        },
    }
    if taints:
        node["spec"]["taints"] = taints
    if spec.get("no_provider_id"):
        del node["spec"]["providerID"]
    return node


def status_body(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def detached_jws(payload, token_id, secret):
    """What the bootstrap signer writes: a compact HS256 JWS with the payload left out."""
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    signing_input = header + "." + b64url(payload.encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return header + ".." + b64url(signature)


def bootstrap_tokens():
    """{id: (secret, usages)} of the valid bootstrap-token Secrets (with the lock held)."""
    out = {}
    for (group, resource, ns, name), obj in STATE.objects.items():
        if (group, resource, ns) != ("", "secrets", "kube-system") or \
                not name.startswith("bootstrap-token-") or \
                obj.get("type") != "bootstrap.kubernetes.io/token":
            continue
        data = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        data.update(obj.get("stringData") or {})
        expiration = data.get("expiration")
        if expiration and time.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ") < time.gmtime():
            continue
        out[data.get("token-id", name[len("bootstrap-token-"):])] = (
            data.get("token-secret", ""),
            {u for u in ("signing", "authentication") if data.get("usage-bootstrap-" + u) == "true"})
    return out


class State:
    def __init__(self):
        self.lock = threading.Condition()
        self.rv = int(time.time() * 1000)  # restarts continue upwards, as etcd revisions would
        self.specs = {}
        self.nodes = {}  # name -> serialized JSON (str)
        self.uids = {}
        self.events = []  # (rv, line), oldest first; bounded, like etcd's compacted history
        self.event_rvs = []
        self.compacted = 0
        self.snapshots = {}
        self.faults = []  # dicts: target, kind, count
        self.deleted = []
        self.rejected = []
        self.requests = {"list": 0, "watch": 0, "delete": 0, "denied": 0}
        self.bytes_sent = {"list": 0, "watch": 0, "delete": 0}
        self.bookmark_interval = 10.0
        self.reregister_on_delete = set()
        self.update_on_delete = {}  # name -> node spec applied (same uid, new rv) before a DELETE
        self.watch_generation = 0
        self.objects = {}  # (group, resource, namespace, name) -> object
        self.applied = []
        self.dry_runs = []
        self.auto_ready = False
        self.k8s_events = []
        self.approvals = []
        self.joins = []  # CertificateSigningRequests posted by bootstrap identities
        self.cluster_server = ""  # the server URL in cluster-info; empty: this listener's

    def rbac(self, resource):  # with the lock held: cluster-scoped RBAC objects by name
        return {k[3]: o for k, o in self.objects.items()
                if k[0] == "rbac.authorization.k8s.io" and k[1] == resource}

    def next_rv(self):
        self.rv += 1
        return self.rv

    def put(self, spec, event=True):
        with self.lock:
            rv = self.next_rv()
            name = spec["name"]
            old = self.specs.get(name, {})
            merged = dict(old)
            merged.update(spec)
            obj = make_node(merged, rv)
            self.specs[name] = merged
            typ = "MODIFIED" if name in self.nodes else "ADDED"
            self.nodes[name] = json.dumps(obj, separators=(",", ":"))
            self.uids[name] = obj["metadata"]["uid"]
            if event:
                self.record(rv, '{"type":"%s","object":%s}\n' % (typ, self.nodes[name]))
            self.lock.notify_all()

    def remove(self, name, by=None):
        with self.lock:
            if name not in self.nodes:
                return None
            rv = self.next_rv()
            obj = json.loads(self.nodes.pop(name))
            obj["metadata"]["resourceVersion"] = str(rv)
            self.specs.pop(name, None)
            self.uids.pop(name, None)
            line = json.dumps({"type": "DELETED", "object": obj}, separators=(",", ":"))
            self.record(rv, line + "\n")
            if by is not None:
                self.deleted.append({"name": name, "uid": obj["metadata"]["uid"], "user": by,
                                     "time": time.time()})
            self.lock.notify_all()
            return obj

    def record(self, rv, line):  # with the lock held
        self.events.append((rv, line))
        self.event_rvs.append(rv)
        if len(self.events) > 20000:
            del self.events[:10000]
            del self.event_rvs[:10000]
            self.compacted = self.event_rvs[0] - 1

    def events_after(self, rv):  # with the lock held
        return self.events[bisect.bisect_right(self.event_rvs, rv):]

    def take_fault(self, target):
        with self.lock:
            for f in self.faults:
                if f["target"] in (target, "any") and f["count"] > 0:
                    f["count"] -= 1
                    return f["kind"]
        return None


STATE = State()
ALLOWED_USERS = set()
RBAC = False
# What this stand-in serves besides nodes: (group, resource) -> namespaced, as in the real
# server's discovery documents.
RESOURCES = {
    ("", "namespaces"): False, ("", "configmaps"): True, ("", "secrets"): True,
    ("", "serviceaccounts"): True, ("", "services"): True,
    ("rbac.authorization.k8s.io", "clusterroles"): False,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): False,
    ("rbac.authorization.k8s.io", "roles"): True,
    ("rbac.authorization.k8s.io", "rolebindings"): True,
    ("apps", "deployments"): True, ("apps", "daemonsets"): True,
    ("policy", "poddisruptionbudgets"): True,
    ("apiextensions.k8s.io", "customresourcedefinitions"): False,
    ("apiregistration.k8s.io", "apiservices"): False,
    ("certificates.k8s.io", "certificatesigningrequests"): False,
    ("scheduling.k8s.io", "priorityclasses"): False,
}


def ready_status(resource, obj):
    """The status the controllers would give a healthy object of this kind."""
    if resource == "daemonsets":
        return {"desiredNumberScheduled": 1, "numberReady": 1, "currentNumberScheduled": 1,
                "updatedNumberScheduled": 1, "numberAvailable": 1,
                "observedGeneration": obj.get("metadata", {}).get("generation", 1)}
    if resource == "deployments":
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        return {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas,
                "conditions": [{"type": "Available", "status": "True",
                                "reason": "MinimumReplicasAvailable",
                                "message": "Deployment has minimum availability."}]}
    if resource == "apiservices":
        return {"conditions": [{"type": "Available", "status": "True", "reason": "Passed",
                                "message": "all checks passed"}]}
    return None


def comparable(obj):
    o = json.loads(json.dumps(obj))
    meta = o.get("metadata", {})
    meta.pop("resourceVersion", None)
    for m in meta.get("managedFields", []):
        m.pop("time", None)
    o.pop("status", None)
    return o


def object_key(path):
    """(group, resource, namespace, name) for an object path, or None."""
    parts = path.strip("/").split("/")
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, rest = parts[1], parts[3:]
    else:
        return None
    if len(rest) == 4 and rest[0] == "namespaces":
        ns, resource, name = rest[1], rest[2], rest[3]
        if not RESOURCES.get((group, resource)):
            return None
        return (group, resource, ns, name)
    if len(rest) == 2 and RESOURCES.get((group, rest[0])) is False:
        return (group, rest[0], "", rest[1])
    return None


def apply_defaults(key, obj):
    """A few of the defaults the real API server fills in, so a client comparing its manifest
    with the live object by itself would see differences that are not there."""
    spec = obj.get("spec")
    if key[1] == "services" and isinstance(spec, dict):
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports", []):
            port.setdefault("protocol", "TCP")
    if key[1] == "deployments" and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet; tests read /state instead
        pass

    def identity(self):
        """(user, groups) from the client certificate, as the API server's x509 authenticator:
        CN is the user, each O a group. None without a certificate. A bearer token of a valid
        bootstrap token is system:bootstrap:ID (None for any other bearer token: 401)."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token_id, _, secret = auth[len("Bearer "):].strip().partition(".")
            with STATE.lock:
                known = bootstrap_tokens().get(token_id)
            if known and "authentication" in known[1] and hmac.compare_digest(known[0], secret):
                return ("system:bootstrap:" + token_id,
                        ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token",
                         "system:authenticated"])
            return None
        cert = self.connection.getpeercert()
        if not cert:
            return None
        user, groups = "", []
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    user = v
                elif k == "organizationName":
                    groups.append(v)
        return user, groups

    def user(self):
        ident = self.identity()
        return None if ident is None else ident[0]

    def send_json(self, code, body, kind="list", allow_gzip=False):
        data = (body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        if allow_gzip and len(data) > 128 * 1024 and "gzip" in self.headers.get("Accept-Encoding", ""):
            data = gzip.compress(data, 1)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        with STATE.lock:
            STATE.bytes_sent[kind] = STATE.bytes_sent.get(kind, 0) + len(data)

    def allowed(self, user, groups, verb, resource):
        if "system:masters" in groups:
            return True
        if resource != "nodes":
            return False
        if user in ALLOWED_USERS:
            return True
        if not RBAC:
            return False
        # The RBAC authorizer, for ClusterRoleBindings of Users to ClusterRoles.
        with STATE.lock:
            roles = STATE.rbac("clusterroles")
            for binding in STATE.rbac("clusterrolebindings").values():
                if not any(sub.get("kind") == "User" and sub.get("name") == user
                           for sub in binding.get("subjects", [])):
                    continue
                role = roles.get(binding.get("roleRef", {}).get("name"))
                for rule in (role or {}).get("rules", []):
                    if "" in rule.get("apiGroups", []) and resource in rule.get("resources", []) \
                            and (verb in rule.get("verbs", []) or "*" in rule.get("verbs", [])):
                        return True
        return False

    def authorize(self, verb="list", resource="nodes"):
        ident = self.identity()
        if ident is None:
            STATE.requests["denied"] += 1
            self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"), "delete")
            return None
        user, groups = ident
        if not self.allowed(user, groups, verb, resource):
            STATE.requests["denied"] += 1
            self.send_json(403, status_body(403, "Forbidden",
                                            f'{resource} is forbidden: User "{user}" cannot {verb} '
                                            f'resource "{resource}" at the cluster scope'),
                           "delete")
            return None
        return user

    def apply_fault(self, fault, kind):
        if fault == "500":
            self.send_json(500, status_body(500, "InternalError", "injected fault: etcd timeout"), kind)
            return True
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.connection.close()
            self.close_connection = True
            return True
        if fault == "stall":
            time.sleep(STALL_SECONDS)
            self.close_connection = True
            return True
        return False

    def do_GET(self):
        url = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path in ("/api", "/apis", "/version", "/api/v1"):
            return self.discovery(url.path)
        if url.path in ("/readyz", "/livez", "/healthz"):
            return self.health()
        if url.path == CLUSTER_INFO_PATH:
            return self.cluster_info()
        if object_key(url.path) is not None:
            return self.api_object("GET", url.path, q)
        if url.path.startswith("/api/v1/nodes/") and url.path.count("/") == 4:
            if self.authorize("get") is None:
                return
            name = url.path[len("/api/v1/nodes/"):]
            with STATE.lock:
                node = STATE.nodes.get(name)
            if node is None:
                return self.send_json(404, status_body(404, "NotFound", f'nodes "{name}" not found'), "delete")
            return self.send_json(200, node, "delete")
        parts = url.path.strip("/").split("/")
        if len(parts) == 5 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "events":
            if self.authorize("list", "events") is None:
                return
            selector = q.get("fieldSelector", "")
            want = selector[len("involvedObject.name="):] if selector.startswith("involvedObject.name=") else None
            with STATE.lock:
                items = [e for e in STATE.k8s_events if e["metadata"]["namespace"] == parts[3]
                         and (want is None or e["involvedObject"]["name"] == want)]
            return self.send_json(200, {"kind": "EventList", "apiVersion": "v1", "metadata": {},
                                        "items": items}, "delete")
        if url.path == "/apis/certificates.k8s.io/v1/certificatesigningrequests":
            if self.authorize("list", "certificatesigningrequests") is None:
                return
            with STATE.lock:
                items = [o for k, o in sorted(STATE.objects.items()) if k[1] == "certificatesigningrequests"]
            return self.send_json(200, {"kind": "CertificateSigningRequestList",
                                        "apiVersion": "certificates.k8s.io/v1", "metadata": {},
                                        "items": items}, "delete")
        if url.path != "/api/v1/nodes":
            user = self.authorize()
            if user is None:
                return
            return self.send_json(404, status_body(404, "NotFound", "the server could not find the requested resource"))
        watching = q.get("watch") in ("1", "true")
        if self.authorize("watch" if watching else "list") is None:
            return
        if watching:
            return self.watch(q)
        return self.list(q)

    def health(self):
        # As the real server: "ok" as text/plain, readable without credentials
        # (system:public-info-viewer).
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def discovery(self, path):
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "36", "gitVersion": "v1.36.3"})
        if path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                                        "serverAddress": "127.0.0.1:6443"}]})
        if path == "/api/v1":
            return self.send_json(200, {
                "kind": "APIResourceList", "groupVersion": "v1",
                "resources": [
                    {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node",
                     "verbs": ["create", "delete", "deletecollection", "get", "list", "patch",
                               "update", "watch"], "shortNames": ["no"],
                     "storageVersionHash": "XwShjMxG9Fs="},
                    {"name": "nodes/status", "singularName": "", "namespaced": False, "kind": "Node",
                     "verbs": ["get", "patch", "update"]},
                ]})
        return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})

    def list(self, q):
        STATE.requests["list"] += 1
        fault = STATE.take_fault("list")
        if fault and self.apply_fault(fault, "list"):
            return
        limit = int(q.get("limit", "0") or 0)
        token = q.get("continue")
        with STATE.lock:
            if token:
                snap_id, _, offset = token.partition(":")
                snap = STATE.snapshots.get(snap_id)
                if snap is None:
                    return self.send_json(410, status_body(410, "Expired", "The provided continue parameter is too old"))
                offset = int(offset)
            else:
                snap_id = str(len(STATE.snapshots) + 1)
                snap = (STATE.rv, [STATE.nodes[n] for n in sorted(STATE.nodes)])
                STATE.snapshots[snap_id] = snap
                offset = 0
        rv, items = snap
        end = len(items) if limit <= 0 else min(len(items), offset + limit)
        meta = {"resourceVersion": str(rv)}
        if end < len(items):
            meta["continue"] = f"{snap_id}:{end}"
            meta["remainingItemCount"] = len(items) - end
        body = '{"kind":"NodeList","apiVersion":"v1","metadata":%s,"items":[%s]}' % (
            json.dumps(meta), ",".join(items[offset:end]))
        if fault == "truncate":
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "malformed":
            body = body[: len(body) // 2] + "}}]"
        self.send_json(200, body, "list", allow_gzip=True)

    def chunk(self, text):
        data = text.encode()
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()
        with STATE.lock:
            STATE.bytes_sent["watch"] += len(data)

    def watch(self, q):
        STATE.requests["watch"] += 1
        fault = STATE.take_fault("watch")
        if fault and self.apply_fault(fault, "watch"):
            return
        if fault == "410http":
            return self.send_json(410, status_body(410, "Gone", "too old resource version"), "watch")
        try:
            since = int(q.get("resourceVersion", "0") or 0)
        except ValueError:
            return self.send_json(400, status_body(400, "BadRequest", "invalid resourceVersion"))
        timeout = float(q.get("timeoutSeconds", "300"))
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        try:
            if fault == "410" or since < STATE.compacted:
                self.chunk(json.dumps({"type": "ERROR", "object": status_body(
                    410, "Expired", f"too old resource version: {since} ({STATE.compacted})")}) + "\n")
                self.wfile.write(b"0\r\n\r\n")
                return
            if fault == "malformed":
                self.chunk('{"type":"MODIFIED","object":{"kind":"Node",,}}\n')
                self.wfile.write(b"0\r\n\r\n")
                return
            if fault == "truncate":
                name = next(iter(STATE.nodes), None)
                line = '{"type":"MODIFIED","object":%s}' % (STATE.nodes.get(name, "{}"))
                self.chunk(line[: len(line) // 2])
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            deadline = time.time() + timeout
            last = since
            generation = STATE.watch_generation
            next_bookmark = time.time() + STATE.bookmark_interval
            while time.time() < deadline and not SHUTTING_DOWN.is_set():
                if STATE.watch_generation != generation:  # dropped: close without the last chunk
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                with STATE.lock:
                    pending = STATE.events_after(last)
                    if not pending:
                        STATE.lock.wait(0.2)
                        pending = STATE.events_after(last)
                    current = STATE.rv
                if pending:
                    self.chunk("".join(line for _, line in pending))
                    last = pending[-1][0]
                if bookmarks and time.time() >= next_bookmark:
                    self.chunk('{"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1",'
                               '"metadata":{"resourceVersion":"%d","annotations":'
                               '{"k8s.io/initial-events-end":"false"}}}}\n' % max(last, current))
                    next_bookmark = time.time() + STATE.bookmark_interval
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass

    def cluster_info(self):
        """kube-public/cluster-info, readable by anyone (kubeadm's RBAC for system:anonymous),
        with the bootstrap signer's signatures."""
        STATE.requests["cluster-info"] = STATE.requests.get("cluster-info", 0) + 1
        fault = STATE.take_fault("cluster-info")
        if fault and self.apply_fault(fault, "delete"):
            return
        with STATE.lock:
            applied = STATE.objects.get(("", "configmaps", "kube-public", "cluster-info"))
            kubeconfig = ((applied or {}).get("data") or {}).get("kubeconfig")
            if kubeconfig is None:
                server = STATE.cluster_server or "https://%s:%d" % self.server.server_address[:2]
                kubeconfig = ("apiVersion: v1\nclusters:\n- cluster:\n"
                              "    certificate-authority-data: %s\n    server: %s\n  name: \"\"\n"
                              "contexts: null\ncurrent-context: \"\"\nkind: Config\n"
                              "preferences: {}\nusers: null\n" % (CLUSTER_CA_B64, server))
            data = {"kubeconfig": kubeconfig}
            for token_id, (secret, usages) in sorted(bootstrap_tokens().items()):
                if "signing" in usages:
                    data["jws-kubeconfig-" + token_id] = detached_jws(kubeconfig, token_id, secret)
        self.send_json(200, {"kind": "ConfigMap", "apiVersion": "v1",
                             "metadata": {"name": "cluster-info", "namespace": "kube-public"},
                             "data": data}, "delete")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        if SECRETS_PATH.fullmatch(url.path):
            return self.create_secret(SECRETS_PATH.fullmatch(url.path).group(1), body)
        if url.path != "/apis/certificates.k8s.io/v1/certificatesigningrequests":
            return self.send_json(405, status_body(405, "MethodNotAllowed", "not allowed"), "delete")
        ident = self.identity()
        if ident is None:
            STATE.requests["denied"] += 1
            return self.send_json(401, status_body(401, "Unauthorized", "Unauthorized"), "delete")
        user, groups = ident
        if "system:bootstrappers" not in groups and "system:masters" not in groups:
            return self.send_json(403, status_body(403, "Forbidden", "cannot create "
                                                   "certificatesigningrequests"), "delete")
        try:
            csr = json.loads(body)
        except ValueError:
            return self.send_json(400, status_body(400, "BadRequest", "malformed CSR"), "delete")
        node = ((csr.get("metadata") or {}).get("annotations") or {}).get("kc-test/node-name", "")
        with STATE.lock:
            STATE.joins.append({"user": user, "node": node, "time": time.time(),
                                "signerName": (csr.get("spec") or {}).get("signerName", "")})
        if node:  # the kubelet registers its Node once its client certificate is issued
            STATE.put({"name": node, "ready": "True", "taints": []})
        meta = dict(csr.get("metadata") or {})
        meta.setdefault("name", "csr-" + uuid.uuid4().hex[:5])
        meta["uid"] = str(uuid.uuid4())
        self.send_json(201, {"kind": "CertificateSigningRequest",
                             "apiVersion": "certificates.k8s.io/v1", "metadata": meta,
                             "spec": csr.get("spec", {}), "status": {}}, "delete")

    def do_PATCH(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        if object_key(url.path) is None:
            return self.send_json(405, status_body(405, "MethodNotAllowed", "not allowed"), "delete")
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        return self.api_object("PATCH", url.path, q, body)

    def api_object(self, method, path, q, body=b""):
        """GET and server-side apply (PATCH, application/apply-patch+yaml) of one object."""
        key = object_key(path)
        group, resource, ns, name = key
        if self.authorize("get" if method == "GET" else "patch", resource) is None:
            return
        with STATE.lock:
            current = STATE.objects.get(key)
            ns_exists = not ns or ("", "namespaces", "", ns) in STATE.objects
        if method == "GET":
            if current is None:
                return self.send_json(404, status_body(404, "NotFound", f'{resource} "{name}" not found'), "delete")
            return self.send_json(200, current, "delete")
        if not self.headers.get("Content-Type", "").startswith("application/apply-patch+yaml"):
            return self.send_json(415, status_body(415, "UnsupportedMediaType", "apply patch expected"), "delete")
        manager = q.get("fieldManager", "")
        if not manager:
            return self.send_json(422, status_body(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: "
                                                   "fieldManager: Required value: is required for apply patch"), "delete")
        try:
            obj = json.loads(body)  # JSON is YAML; kc sends JSON
        except ValueError:
            return self.send_json(400, status_body(400, "BadRequest", "malformed apply patch"), "delete")
        meta = obj.get("metadata", {})
        if meta.get("name") != name or meta.get("namespace", "") != ns:
            return self.send_json(400, status_body(400, "BadRequest", "the name or namespace of the object "
                                                   "does not match the URL"), "delete")
        if not ns_exists:
            return self.send_json(404, status_body(404, "NotFound", f'namespaces "{ns}" not found'), "delete")
        dry_run = q.get("dryRun") == "All"
        apply_defaults(key, obj)
        with STATE.lock:
            old = (current or {}).get("metadata", {})
            meta["uid"] = old.get("uid") or str(uuid.uuid4())
            meta["creationTimestamp"] = old.get("creationTimestamp") or rfc3339(time.time())
            meta["managedFields"] = [{
                "manager": manager, "operation": "Apply", "apiVersion": obj.get("apiVersion", ""),
                "time": rfc3339(time.time()), "fieldsType": "FieldsV1",
                "fieldsV1": {"f:" + k: {} for k in sorted(obj) if k not in ("apiVersion", "kind")}}]
            entry = {"kind": resource, "namespace": ns, "name": name, "user": self.user()}
            if current is not None and "status" in current:
                obj["status"] = current["status"]
            unchanged = current is not None and comparable(current) == comparable(obj)
            if unchanged:  # SSA writes nothing when nothing changes
                meta["managedFields"] = current["metadata"].get("managedFields", meta["managedFields"])
            if dry_run or unchanged:  # nothing stored, no new resourceVersion
                meta["resourceVersion"] = old.get("resourceVersion", "")
                (STATE.dry_runs if dry_run else STATE.applied).append(entry)
            else:
                STATE.rv += 1
                meta["resourceVersion"] = str(STATE.rv)
                if STATE.auto_ready and ready_status(resource, obj) is not None:
                    obj["status"] = ready_status(resource, obj)
                STATE.objects[key] = obj
                STATE.applied.append(entry)
        self.send_json(201 if current is None else 200, obj, "delete")

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        prefix = "/apis/certificates.k8s.io/v1/certificatesigningrequests/"
        if not (url.path.startswith(prefix) and url.path.endswith("/approval")):
            return self.send_json(405, status_body(405, "MethodNotAllowed", "not allowed"), "delete")
        name = url.path[len(prefix):-len("/approval")]
        user = self.authorize("update", "certificatesigningrequests")
        if user is None:
            return
        try:
            sent = json.loads(body)
        except ValueError:
            return self.send_json(400, status_body(400, "BadRequest", "malformed body"), "delete")
        key = ("certificates.k8s.io", "certificatesigningrequests", "", name)
        with STATE.lock:
            current = STATE.objects.get(key)
            if current is None:
                return self.send_json(404, status_body(404, "NotFound", f'certificatesigningrequests "{name}" not found'), "delete")
            conditions = (sent.get("status") or {}).get("conditions") or []
            types = {c.get("type") for c in conditions}
            if "Approved" in types and "Denied" in types:
                return self.send_json(422, status_body(422, "Invalid", "Approved and Denied conditions are mutually exclusive"), "delete")
            current["status"] = {"conditions": conditions}
            STATE.rv += 1
            current["metadata"]["resourceVersion"] = str(STATE.rv)
            STATE.approvals.append({"name": name, "user": user, "conditions": conditions})
        return self.send_json(200, current, "delete")

    def create_secret(self, ns, body):
        """POST /api/v1/namespaces/NS/secrets, as `kubeadm token create` makes a bootstrap token."""
        if self.authorize("create", "secrets") is None:
            return
        try:
            secret = json.loads(body)
            name = secret["metadata"]["name"]
        except (ValueError, KeyError, TypeError):
            return self.send_json(400, status_body(400, "BadRequest", "malformed Secret"), "delete")
        key = ("", "secrets", ns, name)
        with STATE.lock:
            if ("", "namespaces", "", ns) not in STATE.objects:
                return self.send_json(404, status_body(404, "NotFound",
                                                       f'namespaces "{ns}" not found'), "delete")
            if key in STATE.objects:
                return self.send_json(409, status_body(409, "AlreadyExists",
                                                       f'secrets "{name}" already exists'), "delete")
            secret["metadata"]["namespace"] = ns
            STATE.objects[key] = secret
        self.send_json(201, secret, "delete")

    def delete_secret(self, ns, name):
        """DELETE /api/v1/namespaces/NS/secrets/NAME, as `kubeadm token delete` revokes a token."""
        if self.authorize("delete", "secrets") is None:
            return
        with STATE.lock:
            gone = STATE.objects.pop(("", "secrets", ns, name), None)
        if gone is None:
            return self.send_json(404, status_body(404, "NotFound", f'secrets "{name}" not found'),
                                  "delete")
        self.send_json(200, status_body(200, "Success", "deleted"), "delete")

    def do_DELETE(self):
        secret = SECRET_PATH.fullmatch(urlparse(self.path).path)
        if secret:
            return self.delete_secret(secret.group(1), secret.group(2))
        user = self.authorize("delete")
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if user is None:
            return
        STATE.requests["delete"] += 1
        prefix = "/api/v1/nodes/"
        url = urlparse(self.path)
        if not url.path.startswith(prefix):
            return self.send_json(405, status_body(405, "MethodNotAllowed", "not allowed"), "delete")
        name = url.path[len(prefix):]
        fault = STATE.take_fault("delete")
        if fault and self.apply_fault(fault, "delete"):
            return
        if name in STATE.reregister_on_delete:
            # The race the UID precondition exists for: a new instance registered under the same
            # name after kc decided to delete the old one.
            STATE.reregister_on_delete.discard(name)
            apply_op({"op": "reregister", "name": name, "spec": {"ready": "True", "taints": []}})
        if name in STATE.update_on_delete:
            # The race the resourceVersion precondition exists for: the node changed (here: it
            # turned Ready) after kc judged it.
            spec = dict(STATE.update_on_delete.pop(name))
            spec["name"] = name
            apply_op({"op": "put", "nodes": [spec]})
        want_uid = want_rv = None
        if body:
            try:
                opts = json.loads(body)
            except ValueError:
                return self.send_json(400, status_body(400, "BadRequest", "malformed DeleteOptions"), "delete")
            want_uid = ((opts.get("preconditions") or {}).get("uid"))
            want_rv = ((opts.get("preconditions") or {}).get("resourceVersion"))
        with STATE.lock:
            if name not in STATE.nodes:
                return self.send_json(404, status_body(404, "NotFound", f'nodes "{name}" not found'), "delete")
            uid = STATE.uids[name]
            if want_uid is not None and want_uid != uid:
                STATE.rejected.append({"name": name, "uid": want_uid})
                return self.send_json(409, status_body(
                    409, "Conflict",
                    f"Precondition failed: UID in precondition: {want_uid}, UID in object meta: {uid}"),
                    "delete")
            rv = json.loads(STATE.nodes[name])["metadata"]["resourceVersion"]
            if want_rv is not None and want_rv != rv:
                STATE.rejected.append({"name": name, "resourceVersion": want_rv})
                conflict = status_body(
                    409, "Conflict",
                    f'Operation cannot be fulfilled on nodes "{name}": Precondition failed: '
                    f"ResourceVersion in precondition: {want_rv}, ResourceVersion in object meta: {rv}")
                conflict["details"] = {"name": name, "kind": "nodes"}
                return self.send_json(409, conflict, "delete")
            obj = STATE.remove(name, by=user)
        self.send_json(200, obj, "delete")


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with STATE.lock:
            self.reply({"nodes": sorted(STATE.nodes), "uids": STATE.uids, "deleted": STATE.deleted,
                        "rejected": STATE.rejected, "requests": STATE.requests,
                        "bytes_sent": STATE.bytes_sent, "rv": STATE.rv,
                        "faults": STATE.faults, "churned": getattr(STATE, "churned", 0),
                        "applied": STATE.applied, "dry_runs": STATE.dry_runs,
                        "approvals": STATE.approvals,
                        "joins": STATE.joins,
                        "bootstrap_tokens": sorted(bootstrap_tokens()),
                        "rbac": {r: STATE.rbac(r) for r in ("clusterroles", "clusterrolebindings")},
                        "objects": {"/".join(k): o for k, o in STATE.objects.items()}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        ops = json.loads(self.rfile.read(length) or b"[]")
        if isinstance(ops, dict):
            ops = [ops]
        for op in ops:
            apply_op(op)
        self.reply({"ok": True})


def apply_op(op):
    kind = op["op"]
    if kind == "status":  # {"op":"status","key":"apps/deployments/NS/NAME","status":{...}}
        with STATE.lock:
            key = tuple(op["key"].split("/"))
            obj = STATE.objects.get(key)
            if obj is None:
                raise ValueError(f"no object {op['key']}")
            obj["status"] = op["status"]
            STATE.rv += 1
            obj.setdefault("metadata", {})["resourceVersion"] = str(STATE.rv)
    elif kind == "object":  # an object made by someone else (kubeadm's CoreDNS): key, object
        with STATE.lock:
            STATE.rv += 1
            obj = op["object"]
            obj.setdefault("metadata", {})["resourceVersion"] = str(STATE.rv)
            obj["metadata"].setdefault("uid", str(uuid.uuid4()))
            STATE.objects[tuple(op["key"].split("/"))] = obj
    elif kind == "auto-ready":  # plays the controllers for objects applied from now on
        with STATE.lock:
            STATE.auto_ready = bool(op.get("enabled", True))
    elif kind == "event":  # {"op":"event","namespace":..,"name":..,"reason":..,"message":..}
        with STATE.lock:
            STATE.k8s_events.append({
                "kind": "Event", "apiVersion": "v1",
                "metadata": {"name": f"{op['name']}.{len(STATE.k8s_events)}",
                             "namespace": op.get("namespace", "default")},
                "involvedObject": {"name": op["name"], "kind": op.get("kind", "")},
                "reason": op["reason"], "message": op["message"], "type": op.get("type", "Warning"),
                "count": op.get("count", 1),
                "lastTimestamp": rfc3339(time.time() - op.get("age", 0))})
    elif kind == "csr":  # a kubelet's CSR: name, username, request (base64 PEM), signerName
        with STATE.lock:
            STATE.rv += 1
            STATE.objects[("certificates.k8s.io", "certificatesigningrequests", "", op["name"])] = {
                "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
                "metadata": {"name": op["name"], "uid": str(uuid.uuid4()),
                             "resourceVersion": str(STATE.rv)},
                "spec": {"request": op["request"], "username": op["username"],
                         "groups": ["system:nodes", "system:authenticated"],
                         "signerName": op.get("signerName", "kubernetes.io/kubelet-serving"),
                         "usages": ["digital signature", "server auth"]},
                "status": {}}
    elif kind == "put":  # add or update nodes: {"op":"put","nodes":[spec...]}
        for spec in op["nodes"]:
            STATE.put(spec)
    elif kind == "remove":
        STATE.remove(op["name"])
    elif kind == "reregister":  # same name, new uid (a replacement instance took the name)
        STATE.remove(op["name"])
        spec = dict(op.get("spec", {}))
        spec["name"] = op["name"]
        spec["uid"] = node_uid(op["name"], op.get("generation", 1))
        STATE.put(spec)
    elif kind == "fault":
        with STATE.lock:
            STATE.faults.append({"target": op.get("target", "any"), "kind": op["kind"],
                                 "count": op.get("count", 1)})
    elif kind == "clear-faults":
        with STATE.lock:
            STATE.faults.clear()
    elif kind == "compact":
        with STATE.lock:
            STATE.compacted = STATE.rv + 1
            STATE.events.clear()
            STATE.event_rvs.clear()
    elif kind == "heartbeat":  # every node's status touched, as kubelets do every few minutes
        with STATE.lock:
            names = list(STATE.nodes)
        for n in names:
            STATE.put({"name": n})
    elif kind == "drop-watches":  # as an API server restart or a load balancer would
        with STATE.lock:
            STATE.watch_generation += 1
            STATE.lock.notify_all()
    elif kind == "reregister-on-delete":
        STATE.reregister_on_delete.add(op["name"])
    elif kind == "update-on-delete":  # {"op":..,"name":..,"spec":{"ready":"True",...}}
        STATE.update_on_delete[op["name"]] = op.get("spec", {"ready": "True", "taints": []})
    elif kind == "churn":  # kubelets updating their Node status: per_second updates, round-robin
        threading.Thread(target=churn, args=(float(op["per_second"]), float(op["seconds"])),
                         daemon=True).start()
    elif kind == "bookmark-interval":
        STATE.bookmark_interval = float(op["seconds"])
    elif kind == "bootstrap-token":  # as kubeadm token create: {"token": "ID.SECRET", "ttl": s}
        token_id, _, secret = op["token"].partition(".")
        data = {"token-id": token_id, "token-secret": secret, "usage-bootstrap-signing": "true",
                "usage-bootstrap-authentication": "true",
                "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}
        if op.get("ttl"):
            data["expiration"] = rfc3339(time.time() + float(op["ttl"]))
        with STATE.lock:
            for ns in ("kube-system", "kube-public"):
                STATE.objects.setdefault(("", "namespaces", "", ns), {
                    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
            STATE.objects[("", "secrets", "kube-system", "bootstrap-token-" + token_id)] = {
                "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
                "metadata": {"name": "bootstrap-token-" + token_id, "namespace": "kube-system"},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
    elif kind == "delete-bootstrap-token":  # as kubeadm token delete ID
        with STATE.lock:
            STATE.objects.pop(("", "secrets", "kube-system", "bootstrap-token-" + op["id"]), None)
    elif kind == "cluster-server":  # the server URL cluster-info advertises
        STATE.cluster_server = op["url"]
    else:
        raise ValueError(f"unknown op {kind}")


def churn(per_second, seconds):
    with STATE.lock:
        names = sorted(STATE.nodes)
    start = time.time()
    i = 0
    while time.time() - start < seconds and names:
        due = int((time.time() - start) * per_second)
        while i < due:
            name = names[i % len(names)]
            if name in STATE.nodes:
                STATE.put({"name": name})
            i += 1
        time.sleep(0.02)
    with STATE.lock:
        STATE.churned = getattr(STATE, "churned", 0) + i


SHUTTING_DOWN = threading.Event()
STALL_SECONDS = 30
CLUSTER_INFO_PATH = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
SECRETS_PATH = re.compile(r"/api/v1/namespaces/([a-z0-9-]+)/secrets")
SECRET_PATH = re.compile(r"/api/v1/namespaces/([a-z0-9-]+)/secrets/([a-z0-9.-]+)")
CLUSTER_CA_B64 = ""  # the cluster CA (--tls-dir/ca.pem, which signed server.pem), base64


def generate(count, doomed, now):
    specs = []
    for i in range(count):
        spec = {"name": f"ip-10-1-{i // 250}-{i % 250}.eu-west-1.compute.internal"}
        if i < doomed:
            spec.update({"ready": "Unknown", "ready_since": now - 3600,
                         "taints": [TAINT_TBD, TAINT_UNREACHABLE]})
        specs.append(spec)
    return specs


def main():
    global STALL_SECONDS, RBAC, CLUSTER_CA_B64
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tls-dir", required=True, help="server.pem, server.key and ca.pem (client CA)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--bind", default="127.0.0.1", help="address of the API listener")
    p.add_argument("--bootstrap-token", action="append", default=[],
                   help="ID.SECRET: a bootstrap token that exists from the start")
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--ports-file", help="writes 'API_PORT CONTROL_PORT' here once listening")
    p.add_argument("--allow-user", action="append", default=[], help="CNs allowed (RBAC stand-in)")
    p.add_argument("--fixtures", help="JSON list of node specs to start with")
    p.add_argument("--generate", type=int, default=0, help="generate this many nodes")
    p.add_argument("--generate-doomed", type=int, default=0, help="of which this many meet the rule")
    p.add_argument("--stall-seconds", type=int, default=30)
    p.add_argument("--rbac", action="store_true",
                   help="authorize node access by the ClusterRoleBindings applied to it")
    args = p.parse_args()
    STALL_SECONDS = args.stall_seconds
    RBAC = args.rbac
    ALLOWED_USERS.update(args.allow_user)
    with open(f"{args.tls_dir}/ca.pem", "rb") as f:
        CLUSTER_CA_B64 = base64.b64encode(f.read()).decode()
    for token in args.bootstrap_token:
        apply_op({"op": "bootstrap-token", "token": token})

    if args.fixtures:
        with open(args.fixtures) as f:
            for spec in json.load(f):
                STATE.put(spec, event=False)
    for spec in generate(args.generate, args.generate_doomed, time.time()):
        STATE.put(spec, event=False)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{args.tls_dir}/server.pem", f"{args.tls_dir}/server.key")
    ctx.load_verify_locations(f"{args.tls_dir}/ca.pem")
    ctx.verify_mode = ssl.CERT_OPTIONAL

    class TlsServer(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def get_request(self):
            sock, addr = super().get_request()
            sock.settimeout(60)
            # Headers and body go out in separate writes: without this, Nagle's algorithm and
            # the client's delayed ACK add 40 ms to every response.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

        def handle_error(self, request, client_address):
            pass  # injected resets and clients going away are expected here

        def finish_request(self, request, client_address):
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return
            super().finish_request(request, client_address)

    api = TlsServer((args.bind, args.port), ApiHandler)
    control = ThreadingHTTPServer(("127.0.0.1", args.control_port), ControlHandler)
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True).start()
    if args.ports_file:
        with open(args.ports_file + ".tmp", "w") as f:
            f.write(f"{api.server_address[1]} {control.server_address[1]}\n")
        import os
        os.rename(args.ports_file + ".tmp", args.ports_file)
    import signal

    def stop(*_):
        SHUTTING_DOWN.set()
        threading.Thread(target=api.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    api.serve_forever(poll_interval=0.1)


if __name__ == "__main__":
    main()
