#!/usr/bin/env python3
"""Receives sd_notify(3) datagrams on an AF_UNIX socket (as systemd does for Type=notify
services) and appends each one, newlines turned into '|', as a line to a file."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        data = s.recv(65536).decode(errors="replace")
        f.write(data.strip().replace("\n", "|") + "\n")
