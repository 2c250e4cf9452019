#!/usr/bin/env python3
"""A static HTTPS file server that injects faults, for kc's download tests (a stand-in for a
misbehaving mirror; the well-behaved case is tested against real nginx).

Usage: fault_server.py PORT DOCROOT CERT KEY FAULTS_JSON LOG

Serves DOCROOT with Range support (Accept-Ranges: bytes, 206). FAULTS_JSON is re-read on every
request and maps a URL path to either a list of faults, consumed one per request (the file is
rewritten), or a single fault string that applies to every request:
  "503"       answer 503 Service Unavailable
  "404"       answer 404 Not Found
  "truncate"  announce the full length, send half the body, close the connection
  "reset"     send half the body, then reset the connection (RST)
  "stall"     send half the body, then send nothing for 120 s
  "corrupt"   send the full body with one byte changed (a wrong digest)
  "norange"   ignore the Range header and send the whole file with 200
Each request is logged to LOG as: METHOD PATH range=RANGE fault=FAULT status=STATUS
"""
import http.server
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

PORT, DOCROOT, CERT, KEY, FAULTS, LOG = sys.argv[1:7]
lock = threading.Lock()


def next_fault(path):
    with lock:
        try:
            with open(FAULTS) as f:
                faults = json.load(f)
        except (OSError, ValueError):
            return None
        value = faults.get(path)
        if isinstance(value, list):
            if not value:
                return None
            fault = value.pop(0)
            with open(FAULTS + ".tmp", "w") as f:
                json.dump(faults, f)
            os.replace(FAULTS + ".tmp", FAULTS)
            return fault
        return value


def log(line):
    with lock:
        with open(LOG, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        fault = next_fault(path)
        range_header = self.headers.get("Range")
        status = self.serve(path, fault, range_header)
        log(f"GET {path} range={range_header or '-'} fault={fault or '-'} status={status}")

    def error(self, code):
        body = f"{code}\n".encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return code

    def serve(self, path, fault, range_header):
        if fault in ("503", "404"):
            return self.error(int(fault))
        full = os.path.realpath(os.path.join(DOCROOT, path.lstrip("/")))
        if not full.startswith(os.path.realpath(DOCROOT) + os.sep) or not os.path.isfile(full):
            return self.error(404)
        with open(full, "rb") as f:
            data = f.read()
        start, end = 0, len(data)
        status = 200
        if range_header and fault != "norange" and range_header.startswith("bytes="):
            first, _, last = range_header[6:].partition("-")
            start = int(first)
            end = int(last) + 1 if last else len(data)
            status = 206
        body = data[start:end]
        if fault == "corrupt":
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
        self.end_headers()
        half = len(body) // 2
        if fault == "truncate":
            self.wfile.write(body[:half])
            self.wfile.flush()
            self.close_connection = True
            return status
        if fault == "reset":
            self.wfile.write(body[:half])
            self.wfile.flush()
            raw = self.connection
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(raw.detach())  # no TLS close_notify, no FIN: an RST
            self.close_connection = True
            return status
        if fault == "stall":
            self.wfile.write(body[:half])
            self.wfile.flush()
            time.sleep(120)
            self.close_connection = True
            return status
        self.wfile.write(body)
        return status


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up (as kc does when it aborts a stall) are expected


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(CERT, KEY)
server = Server(("127.0.0.1", int(PORT)), Handler)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
