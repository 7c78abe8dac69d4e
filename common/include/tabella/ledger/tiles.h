// C2SP tlog-tiles: the static read API of the ledger (tile and entry-bundle paths, tile
// contents, entry bundles). Tile height 8: a full tile holds 256 hashes (8,192 bytes).
//
//   tile/<L>/<N>[.p/<W>]        hashes i = 0..W-1 of tile N at level L are the stored
//                               hashes (8*L, N*256 + i) (see merkle.h), concatenated
//   tile/entries/<N>[.p/<W>]    entries N*256 .. N*256+W-1, each u16be(length) || bytes
//
// <N> is written in groups of three decimal digits, all but the last prefixed with 'x':
// 1234067 -> "x001/x234/067", 5 -> "005". <L> is 0..63, <W> is 1..255, both decimal without
// leading zeros; a full tile (W = 256) has no ".p/" suffix.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/ledger/merkle.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

inline constexpr int kTileHeight = 8;
inline constexpr std::uint32_t kTileWidth = 256;
inline constexpr int kMaxTileLevel = 63;
inline constexpr std::size_t kMaxBundleEntrySize = 65535;

struct TileId {
  bool entries = false;  // true: an entry bundle (level is then 0)
  int level = 0;         // 0..63
  std::uint64_t index = 0;
  std::uint32_t width = kTileWidth;  // 1..256; 256 = full tile
  bool operator==(const TileId&) const = default;
};

// "x001/x234/067" for 1234067.
std::string encode_tile_index(std::uint64_t index);

// REQUIRES: 0 <= level <= 63, 1 <= width <= 256.
std::string tile_path(int level, std::uint64_t index, std::uint32_t width = kTileWidth);
// REQUIRES: 1 <= width <= 256.
std::string entries_path(std::uint64_t index, std::uint32_t width = kTileWidth);
std::string format_tile_path(const TileId& id);

// Strict inverse of format_tile_path: kInvalidArgument naming the bad element (leading zeros,
// 'x' misplaced, more than 7 groups, index above 2^64 - 1, level above 63, width not in
// 1..255, trailing parts).
Result<TileId> parse_tile_path(std::string_view path);

// Width of the rightmost tile at `level` for a tree of `tree_size` leaves:
// floor(tree_size / 256^level) mod 256 hashes (0: no partial tile at this level).
std::uint32_t partial_tile_width(int level, std::uint64_t tree_size);

// The content of tile (level, index, width) from stored hashes.
// REQUIRES: 0 <= level <= 7 (higher levels exceed 2^64 leaves), 1 <= width <= 256.
Result<Bytes> read_tile(const HashReader& reader, int level, std::uint64_t index,
                        std::uint32_t width);

Bytes encode_tile(std::span<const Hash> hashes);
// kInvalidEncoding unless data is exactly 32 * expected_width bytes (1..256 hashes).
Result<std::vector<Hash>> decode_tile(ByteView data, std::uint32_t expected_width);

// u16be(len) || entry for each entry. kLimit for an entry over 65535 bytes or more than 256
// entries.
Result<Bytes> encode_entry_bundle(std::span<const Bytes> entries);
// Strict decode: kInvalidEncoding naming the entry and byte offset of a truncated length or
// entry; kLimit above 256 entries; kInvalidArgument if expected_count is given and differs.
Result<std::vector<Bytes>> decode_entry_bundle(ByteView data,
                                               std::optional<std::uint32_t> expected_count = {});

}  // namespace tabella::ledger
