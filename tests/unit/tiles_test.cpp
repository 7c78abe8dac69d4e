#include "tabella/ledger/tiles.h"

#include <gtest/gtest.h>

namespace tabella::ledger {
namespace {

TEST(TilesTest, IndexEncoding) {
  EXPECT_EQ(encode_tile_index(0), "000");
  EXPECT_EQ(encode_tile_index(5), "005");
  EXPECT_EQ(encode_tile_index(999), "999");
  EXPECT_EQ(encode_tile_index(1000), "x001/000");
  EXPECT_EQ(encode_tile_index(1234067), "x001/x234/067");  // the C2SP example
  EXPECT_EQ(encode_tile_index(1000000), "x001/x000/000");
  EXPECT_EQ(encode_tile_index(UINT64_MAX), "x018/x446/x744/x073/x709/x551/615");
}

TEST(TilesTest, Paths) {
  EXPECT_EQ(tile_path(0, 1234067), "tile/0/x001/x234/067");
  EXPECT_EQ(tile_path(2, 5, 17), "tile/2/005.p/17");
  EXPECT_EQ(tile_path(63, 0, 1), "tile/63/000.p/1");
  EXPECT_EQ(entries_path(1234067), "tile/entries/x001/x234/067");
  EXPECT_EQ(entries_path(0, 255), "tile/entries/000.p/255");
}

TEST(TilesTest, ParseRoundTrip) {
  std::vector<TileId> ids = {
      {false, 0, 0, 256},       {false, 0, 1234067, 256},   {false, 1, 7, 112},
      {true, 0, 1000, 1},       {true, 0, UINT64_MAX, 256}, {false, 63, 999, 255},
      {false, 5, 1000000, 256},
  };
  for (const TileId& id : ids) {
    std::string p = format_tile_path(id);
    auto back = parse_tile_path(p);
    ASSERT_TRUE(back.ok()) << p << ": " << back.error().describe();
    EXPECT_EQ(*back, id) << p;
  }
}

TEST(TilesTest, ParseRejectsNonCanonicalPaths) {
  std::vector<std::string> bad = {
      "",
      "tile",
      "tile/",
      "tile/0",
      "tile/0/",
      "tiles/0/000",
      "tile/00/000",  // level with leading zero
      "tile/64/000",  // level above 63
      "tile/-1/000",
      "tile/1a/000",
      "tile/0/00",         // 2 digits
      "tile/0/0000",       // 4 digits
      "tile/0/5",          // not zero-padded
      "tile/0/x000/005",   // leading zero group
      "tile/0/x001",       // 'x' on the last group
      "tile/0/x001/",      // empty last group
      "tile/0/001/002",    // missing 'x'
      "tile/0/x1/002",     // short group
      "tile/0/x001x002",   // missing '/'
      "tile/0/000.p/0",    // width 0
      "tile/0/000.p/256",  // full width written as partial
      "tile/0/000.p/300",
      "tile/0/000.p/07",  // width with leading zero
      "tile/0/000.p/",
      "tile/0/000.p",
      "tile/0/000/",
      "tile/0/000.q/5",
      "tile/0/000.p/5/",
      "tile/entries/x018/x446/x744/x073/x709/x551/616",       // 2^64
      "tile/entries/x001/x018/x446/x744/x073/x709/x551/615",  // 8 groups
      "tile/entry/000",
  };
  for (const auto& p : bad) {
    auto r = parse_tile_path(p);
    EXPECT_FALSE(r.ok()) << p;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
  }
}

TEST(TilesTest, PartialWidthsOfTheSpecExample) {
  // A tree of size 70,000: 273 full level-0 tiles and a partial of width 112, one full
  // level-1 tile and a partial of width 17, a partial level-2 tile of width 1.
  EXPECT_EQ(70000u / 256, 273u);
  EXPECT_EQ(partial_tile_width(0, 70000), 112u);
  EXPECT_EQ(partial_tile_width(1, 70000), 17u);
  EXPECT_EQ(partial_tile_width(2, 70000), 1u);
  EXPECT_EQ(partial_tile_width(3, 70000), 0u);
  EXPECT_EQ(partial_tile_width(0, 256), 0u);
  EXPECT_EQ(partial_tile_width(1, 256), 1u);
}

TEST(TilesTest, TileContentFromStoredHashes) {
  MemoryHashStore store;
  std::vector<Hash> leaves;
  for (std::uint32_t i = 0; i < 70000; ++i) {
    Bytes e = {static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
               static_cast<std::uint8_t>(i)};
    leaves.push_back(leaf_hash(e));
    store.append(leaves.back());
  }
  // Level 0 tile 273, partial width 112: the leaf hashes 69888..69999.
  auto t0 = read_tile(store, 0, 273, 112);
  ASSERT_TRUE(t0.ok());
  auto h0 = decode_tile(*t0, 112);
  ASSERT_TRUE(h0.ok());
  for (std::size_t i = 0; i < 112; ++i) EXPECT_EQ((*h0)[i], leaves[69888 + i]);
  // Level 1 tile 0 (full): hash i is the root of level-0 tile i.
  auto t1 = read_tile(store, 1, 0, 256);
  ASSERT_TRUE(t1.ok());
  auto h1 = *decode_tile(*t1, 256);
  EXPECT_EQ(h1[3], root_of(std::span<const Hash>(leaves.data() + 3 * 256, 256)));
  // Level 2, width 1: the root of the first 65,536 leaves.
  auto t2 = read_tile(store, 2, 0, 1);
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(decode_tile(*t2, 1)->front(), root_of(std::span<const Hash>(leaves.data(), 65536)));
  // A tile past the tree's size is not stored.
  EXPECT_EQ(read_tile(store, 0, 273, 113).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read_tile(store, 1, 1, 18).error().code, ErrorCode::kNotFound);
  // Tile bytes of the wrong length.
  EXPECT_EQ(decode_tile(*t0, 111).error().code, ErrorCode::kInvalidEncoding);
  EXPECT_FALSE(decode_tile(ByteView(t0->data(), t0->size() - 1), 112).ok());
  EXPECT_FALSE(decode_tile({}, 0).ok());
}

TEST(TilesTest, EntryBundles) {
  std::vector<Bytes> entries = {{}, {1}, Bytes(300, 7), Bytes(65535, 1)};
  auto b = encode_entry_bundle(entries);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 2 + 0 + 2 + 1 + 2 + 300 + 2 + 65535u);
  EXPECT_EQ((*b)[0], 0);
  EXPECT_EQ((*b)[1], 0);
  EXPECT_EQ((*b)[2], 0);
  EXPECT_EQ((*b)[3], 1);
  EXPECT_EQ((*b)[5], 0x01);  // 300 = 0x012c
  EXPECT_EQ((*b)[6], 0x2c);
  auto back = decode_entry_bundle(*b, 4);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, entries);
  EXPECT_TRUE(decode_entry_bundle({}).ok());

  auto wrong_count = decode_entry_bundle(*b, 5);
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(wrong_count.error().message, "bundle has 4 entries, expected 5");

  Bytes truncated(b->begin(), b->end() - 1);
  auto r = decode_entry_bundle(truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidEncoding);
  EXPECT_EQ(r.error().field, "[3]");
  EXPECT_NE(r.error().message.find("length 65535 at byte offset 307"), std::string::npos)
      << r.error().message;

  Bytes half_prefix = {0, 1, 9, 0};
  r = decode_entry_bundle(half_prefix);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "[1]");
  EXPECT_NE(r.error().message.find("truncated length prefix at byte offset 3"), std::string::npos);

  EXPECT_EQ(encode_entry_bundle(std::vector<Bytes>{Bytes(65536)}).error().code, ErrorCode::kLimit);
  EXPECT_EQ(encode_entry_bundle(std::vector<Bytes>(257)).error().code, ErrorCode::kLimit);
  Bytes too_many(257 * 2, 0);
  EXPECT_EQ(decode_entry_bundle(too_many).error().code, ErrorCode::kLimit);
  Bytes exactly_256(256 * 2, 0);
  EXPECT_EQ(decode_entry_bundle(exactly_256, 256)->size(), 256u);
}

}  // namespace
}  // namespace tabella::ledger
