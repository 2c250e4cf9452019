// Scanning JSON text 8 bytes at a time: the pieces the reader's string scan (cleanup_json.cpp)
// and the page stream's search for where a value ends (cleanup_node_stream.cpp) share.
#pragma once

#include <cstdint>
#include <cstring>

namespace kc::cleanup::word_scan {

inline constexpr uint64_t kOnes = 0x0101010101010101ull;
inline constexpr uint64_t kHighs = 0x8080808080808080ull;

// The 8 bytes at p as one word, the first byte lowest.
inline uint64_t load(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

// The high bit of every byte of `word` equal to c ("has a zero byte" of word ^ c...c). A flag
// can be set wrongly only above a byte truly flagged, so the lowest one is exact.
inline uint64_t equal_bytes(uint64_t word, unsigned char c) {
  const uint64_t x = word ^ (kOnes * c);
  return (x - kOnes) & ~x & kHighs;
}

// The index of the lowest byte whose high bit is set in `flags`, or 8.
inline unsigned first_flagged(uint64_t flags) {
  flags &= kHighs;
  return flags == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(flags)) / 8;
}

}  // namespace kc::cleanup::word_scan
