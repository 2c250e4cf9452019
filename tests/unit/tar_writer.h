// A minimal ustar writer for unit tests, so a test controls every header field (Python's tarfile
// makes the integration tests' tarballs). libarchive reads the result with or without gzip.
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

struct TarWriter {
  std::string out;
  void add(const std::string& name, char type, const std::string& body,
           const std::string& link = "") {
    char h[512] = {0};
    std::snprintf(h, 100, "%s", name.c_str());
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(body.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = type;
    std::snprintf(h + 157, 100, "%s", link.c_str());
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out.append(h, 512);
    out += body;
    out.append((512 - body.size() % 512) % 512, '\0');
  }
  // An old-GNU sparse member ('S'): `real_size` bytes of which only `data` at `data_offset` is
  // stored, the rest a hole (what GNU tar --sparse writes).
  void add_sparse(const std::string& name, unsigned long long real_size,
                  unsigned long long data_offset, const std::string& data) {
    char h[512] = {0};
    std::snprintf(h, 100, "%s", name.c_str());
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(data.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = 'S';
    std::memcpy(h + 257, "ustar  ", 8);  // GNU magic and version
    number12(h + 386, data_offset);
    number12(h + 398, data.size());
    number12(h + 483, real_size);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out.append(h, 512);
    out += data;
    out.append((512 - data.size() % 512) % 512, '\0');
  }
  // A 12-byte numeric field: octal, or base-256 (GNU) when it does not fit.
  static void number12(char* field, unsigned long long value) {
    if (value < (1ULL << 33)) {
      std::snprintf(field, 12, "%011llo", value);
      return;
    }
    std::memset(field, 0, 12);
    field[0] = static_cast<char>(0x80);
    for (int i = 11; i >= 4; --i, value >>= 8) field[i] = static_cast<char>(value & 0xff);
  }
  std::string finish() { return out + std::string(1024, '\0'); }
};
