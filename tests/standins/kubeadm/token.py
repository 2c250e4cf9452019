#!/usr/bin/python3
"""Stand-in for `kubeadm token create|list|delete` (no API server can run here).

It speaks kubeadm's command line and output: `create [--ttl D] [--description S]` prints the new
token ([a-z0-9]{6}.[a-z0-9]{16}) alone on standard output; `list` prints kubeadm's text table
(TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS), the token first on each row; `delete ID|TOKEN`
prints `bootstrap token "ID" deleted`. Like kubeadm it needs the --kubeconfig file to exist and
rejects a --ttl that is not a Go duration. When an API server answers at the kubeconfig's server
(the API server stand-in, with admin.conf's client certificate), create and delete also write and
remove the Secret kube-system/bootstrap-token-ID there, as kubeadm does (the Secret's fields are
kubeadm's: token-id, token-secret, usage-bootstrap-*, auth-extra-groups, expiration, description);
with none answering (tests of the command line alone), the token stays with the stand-in.
Tokens are kept in STATE/tokens.json and every call's
argv is appended to STATE/calls.log (one JSON array a line), where STATE is
$KC_KUBEADM_STANDIN_STATE or a kubeadm-standin/ directory beside the kubeconfig.
KC_KUBEADM_STANDIN_FAIL=create|list|delete makes that subcommand fail as kubeadm does when the
API server is unreachable.

Run by the kubeadm dispatcher (tests/standins/kubeadm/kubeadm) as `token.py token SUB ...`, or
directly as `token.py SUB ...`.
"""
import base64
import json
import os
import re
import secrets
import ssl
import string
import sys
import tempfile
import time
import urllib.error
import urllib.request

DEFAULT_GROUP = "system:bootstrappers:kubeadm:default-node-token"
DURATION = re.compile(r"^(0|([0-9]+(\.[0-9]+)?(h|m|s|ms|us|ns))+)$")


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    print("To see the stack trace of this error execute with --v=5 or higher", file=sys.stderr)
    sys.exit(1)


def seconds(duration):
    total = 0.0
    for number, unit in re.findall(r"([0-9.]+)(h|ms|us|ns|m|s)", duration):
        total += float(number) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6,
                                  "ns": 1e-9}[unit]
    return total


def api_server(kubeconfig, method, path, body=None):
    """The response of the kubeconfig's API server; None when none answers there."""
    try:
        import yaml
    except ImportError:
        return None
    config = yaml.safe_load(open(kubeconfig)) or {}
    try:
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        server = cluster["server"]
        ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
        cert = base64.b64decode(user["client-certificate-data"])
        key = base64.b64decode(user["client-key-data"])
    except (KeyError, IndexError, TypeError):
        return None
    context = ssl.create_default_context(cadata=ca)
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in (("cert", cert), ("key", key)):
            fd = os.open(os.path.join(tmp, name), os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, data)
            os.close(fd)
        context.load_cert_chain(os.path.join(tmp, "cert"), os.path.join(tmp, "key"))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server + path, data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return None


def secret_of(token, ttl_seconds, description):
    token_id, _, secret = token.partition(".")
    data = {"token-id": token_id, "token-secret": secret, "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true", "auth-extra-groups": DEFAULT_GROUP,
            "description": description}
    if ttl_seconds:
        data["expiration"] = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                           time.gmtime(time.time() + ttl_seconds))
    return {"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
            "metadata": {"name": "bootstrap-token-" + token_id, "namespace": "kube-system"},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


SECRETS = "/api/v1/namespaces/kube-system/secrets"


def parse(argv):
    options = {"--ttl": "24h0m0s", "--description": "", "--kubeconfig": "/etc/kubernetes/admin.conf"}
    positional = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and "=" in arg:
            key, value = arg.split("=", 1)
            options[key] = value
        elif arg in ("--ttl", "--description", "--kubeconfig", "--usages", "--groups"):
            if i + 1 >= len(argv):
                fail(f"flag needs an argument: {arg}")
            options[arg] = argv[i + 1]
            i += 1
        elif arg.startswith("-"):
            fail(f"unknown flag: {arg}")
        else:
            positional.append(arg)
        i += 1
    return options, positional


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "token":
        argv = argv[1:]
    if not argv:
        fail("expected a subcommand: create, list or delete")
    sub, rest = argv[0], argv[1:]
    options, positional = parse(rest)
    kubeconfig = options["--kubeconfig"]
    state = os.environ.get("KC_KUBEADM_STANDIN_STATE") or os.path.join(
        os.path.dirname(os.path.abspath(kubeconfig)), "kubeadm-standin")
    os.makedirs(state, exist_ok=True)
    with open(os.path.join(state, "calls.log"), "a") as log:
        log.write(json.dumps(["kubeadm", "token"] + argv) + "\n")
    if not os.path.isfile(kubeconfig):
        fail(f"failed to load admin kubeconfig: open {kubeconfig}: no such file or directory")
    if os.environ.get("KC_KUBEADM_STANDIN_FAIL") == sub:
        fail('unable to create bootstrap token: Post "https://10.0.0.10:6443/api/v1/namespaces/'
             'kube-system/secrets": dial tcp 10.0.0.10:6443: connect: connection refused')
    path = os.path.join(state, "tokens.json")
    tokens = json.load(open(path)) if os.path.exists(path) else []

    def save():
        with open(path + ".tmp", "w") as out:
            json.dump(tokens, out, indent=1)
        os.replace(path + ".tmp", path)

    if sub == "create":
        ttl = options["--ttl"]
        if not DURATION.match(ttl):
            fail(f'invalid argument "{ttl}" for "--ttl" flag: time: invalid duration "{ttl}"')
        alphabet = string.ascii_lowercase + string.digits
        token = positional[0] if positional else (
            "".join(secrets.choice(alphabet) for _ in range(6)) + "." +
            "".join(secrets.choice(alphabet) for _ in range(16)))
        if not re.fullmatch(r"[a-z0-9]{6}\.[a-z0-9]{16}", token):
            fail(f'the bootstrap token "{token}" was not of the form "[a-z0-9]{{6}}.[a-z0-9]{{16}}"')
        ttl_seconds = seconds(ttl)
        status = api_server(kubeconfig, "POST", SECRETS,
                            secret_of(token, ttl_seconds, options["--description"]))
        if status not in (None, 201):
            fail(f"unable to create bootstrap token: the server answered HTTP {status}")
        tokens.append({"token": token, "ttl": ttl, "description": options["--description"],
                       "expires": time.time() + ttl_seconds if ttl_seconds else None})
        save()
        print(token)
    elif sub == "list":
        print(f"{'TOKEN':<26}{'TTL':<12}{'EXPIRES':<23}{'USAGES':<25}{'DESCRIPTION':<60}EXTRA GROUPS")
        for t in tokens:
            if t["expires"]:
                left = t["expires"] - time.time()
                if left <= 0:
                    continue
                ttl = f"{int(left // 3600)}h"
                expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t["expires"]))
            else:
                ttl, expires = "<forever>", "<never>"
            print(f"{t['token']:<26}{ttl:<12}{expires:<23}{'authentication,signing':<25}"
                  f"{t['description'] or '<none>':<60}{DEFAULT_GROUP}")
    elif sub == "delete":
        if not positional:
            fail("missing subcommand; 'token delete' is missing token of form "
                 "'[a-z0-9]{6}' or '[a-z0-9]{6}.[a-z0-9]{16}'")
        for wanted in positional:
            token_id = wanted.split(".")[0]
            kept = [t for t in tokens if t["token"].split(".")[0] != token_id]
            if len(kept) == len(tokens):
                fail(f'secrets "bootstrap-token-{token_id}" not found')
            status = api_server(kubeconfig, "DELETE", f"{SECRETS}/bootstrap-token-{token_id}")
            if status not in (None, 200, 404):
                fail(f'unable to delete bootstrap token "{token_id}": HTTP {status}')
            tokens = kept
            save()
            print(f'bootstrap token "{token_id}" deleted')
    else:
        fail(f'unknown command "{sub}" for "kubeadm token"')


if __name__ == "__main__":
    main()
