#!/usr/bin/env python3
"""A minimal HTTP CONNECT proxy (stand-in for a corporate proxy) on 127.0.0.1: tunnels TLS to
loopback targets only and logs each CONNECT line to LOG. Usage: connect_proxy.py PORT LOG"""
import select
import socket
import socketserver
import sys


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode()
        with open(sys.argv[2], "a") as log:
            log.write(line + "\n")
        method, target, _ = line.split(" ", 2)
        host, port = target.rsplit(":", 1)
        if method != "CONNECT" or host not in ("localhost", "127.0.0.1"):
            self.request.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            return
        upstream = socket.create_connection(("127.0.0.1", int(port)))
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            upstream.sendall(rest)
        socks = [self.request, upstream]
        try:
            while True:
                readable, _, _ = select.select(socks, [], [])
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is self.request else self.request).sendall(data)
        except OSError:
            pass  # either side went away
        finally:
            upstream.close()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
