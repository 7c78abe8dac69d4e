#include <gtest/gtest.h>

#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"
#include "tabella/record/record_file.h"

namespace tabella::record {
namespace {

SigningKey key_from(std::uint8_t b) {
  return *SigningKey::from_seed(Bytes(32, b));
}

Entry sample_entry(const SigningKey& key) {
  KioskEnrolmentBody body;
  body.key = key_from(9).verify_key().bytes();
  body.name = "kiosk-1";
  body.precinct = "north";
  Digest q{};
  q[0] = 7;
  return Entry::make(EntryType::kKioskEnrolment, q, body.encode(), key);
}

TEST(RecordEntryTest, RoundTripAndSignature) {
  auto key = key_from(1);
  Entry e = sample_entry(key);
  Bytes bytes = e.encode();
  auto d = Entry::decode(bytes);
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(d->type, EntryType::kKioskEnrolment);
  EXPECT_EQ(d->encode(), bytes);
  EXPECT_TRUE(d->verify_signature().ok());
  EXPECT_EQ(d->id(), sha256(bytes));
  auto body = KioskEnrolmentBody::decode(d->body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->name, "kiosk-1");
}

TEST(RecordEntryTest, EveryTypeNameRoundTrips) {
  for (int i = 0; i < kEntryTypeCount; ++i) {
    auto t = static_cast<EntryType>(i);
    auto back = entry_type_from_name(entry_type_name(t));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, t);
  }
  EXPECT_FALSE(entry_type_from_name("ballot").has_value());
}

TEST(RecordEntryTest, EverySingleByteChangeIsCaught) {
  Entry e = sample_entry(key_from(1));
  Bytes bytes = e.encode();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes t = bytes;
    t[i] ^= 0x01;
    auto d = Entry::decode(t);
    if (!d.ok()) continue;  // caught by the decoder
    EXPECT_FALSE(d->verify_signature().ok()) << "byte " << i << " changed without detection";
  }
}

TEST(RecordEntryTest, DecodeRejectsTruncationTrailingBytesAndOversize) {
  Bytes bytes = sample_entry(key_from(1)).encode();
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(Entry::decode(ByteView(bytes).first(n)).ok()) << n;
  }
  Bytes longer = bytes;
  longer.push_back(0);
  auto d = Entry::decode(longer);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("trailing"), std::string::npos);
  EXPECT_EQ(Entry::decode(Bytes(kMaxEntrySize + 1)).error().code, ErrorCode::kLimit);
}

TEST(RecordEntryTest, BodiesRoundTrip) {
  TokenCommitmentsBody t;
  t.precinct = "p1";
  t.token_hashes = {Digest{1}, Digest{2}};
  auto t2 = TokenCommitmentsBody::decode(t.encode());
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(t2->token_hashes, t.token_hashes);

  ResultBody r;
  r.guardians = {1, 3};
  r.cast_count = 5;
  r.counts = {{1, 4}, {0, 2, 3}};
  auto r2 = ResultBody::decode(r.encode());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->counts, r.counts);
  EXPECT_EQ(r2->guardians, r.guardians);

  // The bindings to the log (docs/spec.md §10.2, checks 30..34) survive the round trip.
  r.tally_hash = Digest{7};
  r.partial_hashes = {Digest{8}, Digest{9}};
  r2 = ResultBody::decode(r.encode());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->tally_hash, r.tally_hash);
  EXPECT_EQ(r2->partial_hashes, r.partial_hashes);
  PollsCloseBody c{1767225600, "closed", {42, Digest{3}}, {{PublicKeyBytes{4}, Digest{5}, 6, 1}}};
  auto c2 = PollsCloseBody::decode(c.encode());
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->log, c.log);
  EXPECT_EQ(c2->kiosks, c.kiosks);
  EXPECT_EQ(c2->note, "closed");
  // More kiosks than one polls-close may list are refused before allocating.
  Bytes many = Writer().u64(1).text("n").u64(1).raw(Digest{}).u32(0xffffffff).bytes();
  EXPECT_EQ(PollsCloseBody::decode(many).error().code, ErrorCode::kLimit);

  // A count field claiming more items than the limit is refused before allocating.
  Bytes hostile = Writer().text("p").u32(0xffffffff).bytes();
  auto h = TokenCommitmentsBody::decode(hostile);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code, ErrorCode::kLimit);
}

TEST(RecordFileTest, WriteReadAndRejectBrokenLines) {
  auto dir = std::filesystem::temp_directory_path() / "tabella-record-file-test";
  std::filesystem::create_directories(dir);
  auto path = dir / "record.jsonl";
  Bytes e1 = sample_entry(key_from(1)).encode();
  {
    auto w = RecordWriter::create(path, {"tabella.test/x"});
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->add_checkpoint("origin\n1\nAAAA\n\n— sig\n").ok());
    ASSERT_TRUE(w->add_entry(e1).ok());
    EXPECT_FALSE(w->add_checkpoint("late").ok());
    ASSERT_TRUE(w->close().ok());
  }
  auto r = RecordReader::open(dir);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->header().origin, "tabella.test/x");
  auto a = r->next();
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_TRUE(std::holds_alternative<RecordCheckpoint>(**a));
  auto b = r->next();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ(std::get<RecordEntry>(**b).bytes, e1);
  auto end = r->next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());

  // A truncated last line is reported with its line number.
  {
    std::ofstream out(path, std::ios::app);
    out << "{\"index\":1,\"entry\":\"AAA";
  }
  auto r2 = RecordReader::open(path);
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(r2->next().ok());
  ASSERT_TRUE(r2->next().ok());
  auto bad = r2->next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "line 4");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tabella::record
