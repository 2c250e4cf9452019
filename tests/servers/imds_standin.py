#!/usr/bin/env python3
"""A STAND-IN for the EC2 instance metadata service (IMDSv2 only), for kc's tests.

It speaks the token protocol as IMDSv2 with HttpTokens=required does:
  - PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1-21600) returns a
    session token (text/plain); a missing or out-of-range TTL is 400, a request carrying
    X-Forwarded-For (one that went through a proxy) is 403;
  - GET /latest/meta-data/PATH needs X-aws-ec2-metadata-token with a token it issued that has
    not expired, else 401; a path it does not know is 404; values are text/plain;
  - any other method on the token path is 405.
Options for faults: --ttl-cap SECONDS makes tokens expire sooner than asked (to test refresh),
--silent-token never answers token requests (what a container behind the instance's hop limit
sees), --slow-first N delays the first N requests by 1.5 s each.

Prints the port it listens on (127.0.0.1) as the first line of stdout, and appends one line per
request ("METHOD PATH STATUS") to --log when given.
"""
import argparse
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VALUES = {
    "local-hostname": "ip-10-0-0-10.ec2.internal",
    "local-ipv4": "10.0.0.10",
    "placement/region": "us-east-1",
    "placement/availability-zone": "us-east-1a",
    "instance-id": "i-0123456789abcdef0",
    "mac": "0e:12:34:56:78:9a",
    "network/interfaces/macs/0e:12:34:56:78:9a/vpc-ipv4-cidr-blocks": "10.0.0.0/16\n100.64.0.0/16",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", help="JSON file: metadata path -> value (replaces the defaults)")
    parser.add_argument("--ttl-cap", type=float, default=None)
    parser.add_argument("--silent-token", action="store_true")
    parser.add_argument("--slow-first", type=int, default=0)
    parser.add_argument("--log")
    args = parser.parse_args()
    values = VALUES
    if args.values:
        with open(args.values) as f:
            values = json.load(f)
    tokens = {}  # token -> expiry (monotonic seconds)
    lock = threading.Lock()
    slow_left = [args.slow_first]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body=b""):
            if args.log:
                with lock, open(args.log, "a") as f:
                    f.write(f"{self.command} {self.path} {status}\n")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def delay(self):
            with lock:
                slow = slow_left[0] > 0
                slow_left[0] -= 1 if slow else 0
            if slow:
                time.sleep(1.5)

        def do_PUT(self):
            self.delay()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if self.path != "/latest/api/token":
                return self.reply(404)
            if args.silent_token:
                time.sleep(60)  # the answer never comes back (hop limit exceeded)
                return
            if self.headers.get("X-Forwarded-For"):
                return self.reply(403)
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400)
            lifetime = float(ttl) if args.ttl_cap is None else min(float(ttl), args.ttl_cap)
            token = secrets.token_urlsafe(32)
            with lock:
                tokens[token] = time.monotonic() + lifetime
            self.reply(200, token.encode())

        def do_GET(self):
            self.delay()
            if self.path == "/latest/api/token":
                return self.reply(405)
            token = self.headers.get("X-aws-ec2-metadata-token", "")
            with lock:
                expiry = tokens.get(token)
            if expiry is None or expiry < time.monotonic():
                return self.reply(401)
            prefix = "/latest/meta-data/"
            if not self.path.startswith(prefix) or self.path[len(prefix):] not in values:
                return self.reply(404)
            self.reply(200, values[self.path[len(prefix):]].encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
