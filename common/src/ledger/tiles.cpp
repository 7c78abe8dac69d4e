#include "tabella/ledger/tiles.h"

#include <cassert>
#include <cstdio>

#include "tabella/util/canonical.h"

namespace tabella::ledger {

namespace {

Error bad_path(std::string_view path, const std::string& why) {
  return make_error(ErrorCode::kInvalidArgument,
                    "tile path \"" + std::string(path.substr(0, 200)) + "\": " + why);
}

// Decimal without leading zeros within [lo, hi].
std::optional<std::uint64_t> small_decimal(std::string_view s, std::uint64_t lo, std::uint64_t hi) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

}  // namespace

std::string encode_tile_index(std::uint64_t index) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%03u", static_cast<unsigned>(index % 1000));
  std::string out = buf;
  while (index >= 1000) {
    index /= 1000;
    std::snprintf(buf, sizeof buf, "x%03u/", static_cast<unsigned>(index % 1000));
    out = buf + out;
  }
  return out;
}

std::string tile_path(int level, std::uint64_t index, std::uint32_t width) {
  assert(level >= 0 && level <= kMaxTileLevel && width >= 1 && width <= kTileWidth);
  std::string out = "tile/" + std::to_string(level) + "/" + encode_tile_index(index);
  if (width < kTileWidth) out += ".p/" + std::to_string(width);
  return out;
}

std::string entries_path(std::uint64_t index, std::uint32_t width) {
  assert(width >= 1 && width <= kTileWidth);
  std::string out = "tile/entries/" + encode_tile_index(index);
  if (width < kTileWidth) out += ".p/" + std::to_string(width);
  return out;
}

std::string format_tile_path(const TileId& id) {
  return id.entries ? entries_path(id.index, id.width) : tile_path(id.level, id.index, id.width);
}

Result<TileId> parse_tile_path(std::string_view path) {
  const std::string_view full = path;
  if (path.substr(0, 5) != "tile/") return bad_path(full, "does not start with \"tile/\"");
  path.remove_prefix(5);
  TileId id;
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return bad_path(full, "has no tile index");
  std::string_view level = path.substr(0, slash);
  path.remove_prefix(slash + 1);
  if (level == "entries") {
    id.entries = true;
  } else {
    auto l = small_decimal(level, 0, kMaxTileLevel);
    if (!l) return bad_path(full, "level must be 0..63 without leading zeros");
    id.level = static_cast<int>(*l);
  }
  // Index groups: "xDDD/" ... "DDD", then optionally ".p/W".
  std::uint64_t index = 0;
  int groups = 0;
  while (true) {
    ++groups;
    if (groups > 7) return bad_path(full, "index has more than 7 groups");
    bool prefixed = !path.empty() && path[0] == 'x';
    std::string_view digits = path.substr(prefixed ? 1 : 0, 3);
    if (digits.size() != 3 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad_path(full, "index group " + std::to_string(groups) + " is not 3 digits");
    }
    std::uint64_t g = static_cast<std::uint64_t>((digits[0] - '0') * 100 + (digits[1] - '0') * 10 +
                                                 (digits[2] - '0'));
    if (groups == 1 && prefixed && g == 0) {
      return bad_path(full, "index has a leading zero group \"x000\"");
    }
    if (index > (UINT64_MAX - g) / 1000) return bad_path(full, "index exceeds 2^64 - 1");
    index = index * 1000 + g;
    path.remove_prefix(prefixed ? 4 : 3);
    if (prefixed) {
      if (path.empty() || path[0] != '/') {
        return bad_path(full, "'x' group " + std::to_string(groups) + " is not followed by '/'");
      }
      path.remove_prefix(1);
      continue;
    }
    break;  // an unprefixed group is the last one
  }
  id.index = index;
  if (path.empty()) return id;
  if (path.substr(0, 3) != ".p/") return bad_path(full, "unexpected text after the index");
  path.remove_prefix(3);
  auto w = small_decimal(path, 1, kTileWidth - 1);
  if (!w) return bad_path(full, "partial width must be 1..255 without leading zeros");
  id.width = static_cast<std::uint32_t>(*w);
  return id;
}

std::uint32_t partial_tile_width(int level, std::uint64_t tree_size) {
  assert(level >= 0 && level <= kMaxTileLevel);
  int shift = kTileHeight * level;
  if (shift >= 64) return 0;
  return static_cast<std::uint32_t>((tree_size >> shift) % kTileWidth);
}

Result<Bytes> read_tile(const HashReader& reader, int level, std::uint64_t index,
                        std::uint32_t width) {
  assert(level >= 0 && level <= 7 && width >= 1 && width <= kTileWidth);
  int shift = kTileHeight * (level + 1);
  if (shift >= 64 ? index > 0 : index > (UINT64_MAX >> shift)) {
    return make_error(ErrorCode::kOutOfRange, "tile index " + std::to_string(index) + " at level " +
                                                  std::to_string(level) + " is beyond 2^64 leaves");
  }
  std::vector<HashIndex> at;
  at.reserve(width);
  for (std::uint32_t i = 0; i < width; ++i) {
    at.push_back(HashIndex{kTileHeight * level, index * kTileWidth + i});
  }
  auto hashes = reader.get_many(at);
  if (!hashes.ok()) return hashes.error();
  return encode_tile(*hashes);
}

Bytes encode_tile(std::span<const Hash> hashes) {
  Bytes out;
  out.reserve(hashes.size() * 32);
  for (const Hash& h : hashes) out.insert(out.end(), h.begin(), h.end());
  return out;
}

Result<std::vector<Hash>> decode_tile(ByteView data, std::uint32_t expected_width) {
  if (expected_width < 1 || expected_width > kTileWidth) {
    return make_error(ErrorCode::kInvalidArgument,
                      "tile width " + std::to_string(expected_width) + " is not in 1..256");
  }
  if (data.size() != std::size_t{expected_width} * 32) {
    return make_error(ErrorCode::kInvalidEncoding, "tile is " + std::to_string(data.size()) +
                                                       " bytes; width " +
                                                       std::to_string(expected_width) + " needs " +
                                                       std::to_string(expected_width * 32));
  }
  std::vector<Hash> out(expected_width);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(i * 32),
              data.begin() + static_cast<std::ptrdiff_t>(i * 32 + 32), out[i].begin());
  }
  return out;
}

Result<Bytes> encode_entry_bundle(std::span<const Bytes> entries) {
  if (entries.size() > kTileWidth) {
    return make_error(ErrorCode::kLimit, "an entry bundle holds at most 256 entries, got " +
                                             std::to_string(entries.size()));
  }
  Bytes out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Bytes& e = entries[i];
    if (e.size() > kMaxBundleEntrySize) {
      return make_error(
          ErrorCode::kLimit,
          "entry is " + std::to_string(e.size()) + " bytes; an entry bundle allows at most 65535",
          "[" + std::to_string(i) + "]");
    }
    auto prefix = u16be(static_cast<std::uint16_t>(e.size()));
    out.insert(out.end(), prefix.begin(), prefix.end());
    out.insert(out.end(), e.begin(), e.end());
  }
  return out;
}

Result<std::vector<Bytes>> decode_entry_bundle(ByteView data,
                                               std::optional<std::uint32_t> expected_count) {
  std::vector<Bytes> out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::string where = "[" + std::to_string(out.size()) + "]";
    if (out.size() == kTileWidth) {
      return make_error(
          ErrorCode::kLimit,
          "bundle has more than 256 entries (byte offset " + std::to_string(pos) + ")", where);
    }
    if (data.size() - pos < 2) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "truncated length prefix at byte offset " + std::to_string(pos), where);
    }
    std::size_t len = load_u16be(data.subspan(pos, 2));
    if (data.size() - pos - 2 < len) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "length " + std::to_string(len) + " at byte offset " + std::to_string(pos) +
                            " runs past the end of the bundle (" +
                            std::to_string(data.size() - pos - 2) + " bytes left)",
                        where);
    }
    auto first = data.begin() + static_cast<std::ptrdiff_t>(pos + 2);
    out.emplace_back(first, first + static_cast<std::ptrdiff_t>(len));
    pos += 2 + len;
  }
  if (expected_count && out.size() != *expected_count) {
    return make_error(ErrorCode::kInvalidArgument, "bundle has " + std::to_string(out.size()) +
                                                       " entries, expected " +
                                                       std::to_string(*expected_count));
  }
  return out;
}

}  // namespace tabella::ledger
