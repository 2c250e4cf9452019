#!/usr/bin/env python3
"""Writes a C++ source that embeds unit files: embed.py OUT.cpp BASEDIR FILE...

Each file becomes an entry {relative path, contents} in kc::embedded_units()."""
import os
import sys

out, base, files = sys.argv[1], sys.argv[2], sys.argv[3:]
lines = ['#include "common/systemd/units.h"', "", "namespace kc {", "namespace {",
         "constexpr EmbeddedFile kUnits[] = {"]
for path in files:
    with open(path, "rb") as f:
        data = f.read()
    name = os.path.relpath(path, base)
    body = "".join(f"\\x{b:02x}" for b in data)
    lines.append(f'    {{"{name}", std::string_view("{body}", {len(data)})}},')
lines += ["};", "}  // namespace", "",
          "std::span<const EmbeddedFile> embedded_units() { return kUnits; }", "",
          "}  // namespace kc", ""]
with open(out, "w") as f:
    f.write("\n".join(lines))
