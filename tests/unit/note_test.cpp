#include "tabella/ledger/note.h"

#include <gtest/gtest.h>

#include "tabella/ledger/checkpoint.h"

namespace tabella::ledger {
namespace {

// golang.org/x/mod/sumdb/note documentation example: PRIVATE+KEY+PeterNeumann+c74f20a3+
// AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz (0x01 || seed).
const char* kGoSeedB64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const char* kGoVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const char* kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const char* kGoNote =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

SigningKey go_key() {
  Bytes raw = *from_base64(kGoSeedB64);
  return std::move(*SigningKey::from_seed(ByteView(raw).subspan(1)));
}

TEST(NoteTest, GoSumdbKnownAnswer) {
  SigningKey key = go_key();
  NoteSigner signer("PeterNeumann", key);
  EXPECT_EQ(signer.key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer.verifier_key(), kGoVkey);
  Note note{kGoText, {signer.sign(kGoText)}};
  EXPECT_EQ(format_note(note), kGoNote);

  auto parsed = parse_note(kGoNote);
  ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
  EXPECT_EQ(*parsed, note);
  auto verifier = NoteVerifier::from_verifier_key(kGoVkey);
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(verifier->name(), "PeterNeumann");
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier->verifier_key(), kGoVkey);
  auto text = open_note(kGoNote, *verifier);
  ASSERT_TRUE(text.ok()) << text.error().describe();
  EXPECT_EQ(*text, kGoText);
}

TEST(NoteTest, RejectsModifiedTextWrongKeyWrongName) {
  auto v = *NoteVerifier::from_verifier_key(kGoVkey);
  std::string tampered = kGoNote;
  tampered.replace(tampered.find("cryptography"), 12, "cryptographY");
  auto r = open_note(tampered, v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidSignature);

  // Another key with the same name: its key id differs, so the note is "not signed by" it.
  SigningKey other = SigningKey::generate();
  NoteVerifier wrong_key("PeterNeumann", other.verify_key());
  EXPECT_EQ(open_note(kGoNote, wrong_key).error().code, ErrorCode::kInvalidSignature);
  // The right key under another name.
  NoteVerifier wrong_name("PeterNeumann2", go_key().verify_key());
  EXPECT_EQ(open_note(kGoNote, wrong_name).error().code, ErrorCode::kInvalidSignature);

  // Same (name, key id) but a corrupted signature: must fail, not be skipped.
  auto note = *parse_note(kGoNote);
  note.signatures[0].signature[10] ^= 1;
  EXPECT_EQ(v.verify(note).error().code, ErrorCode::kInvalidSignature);
  note.signatures[0].signature.pop_back();
  EXPECT_FALSE(v.verify(note).ok());
}

TEST(NoteTest, UnknownSignaturesAreIgnored) {
  SigningKey key = go_key();
  SigningKey k2 = SigningKey::generate();
  NoteSigner other("example.com/other", k2);
  Note note{kGoText, {other.sign(kGoText), NoteSigner("PeterNeumann", key).sign(kGoText)}};
  // Also an unknown signature with garbage bytes.
  note.signatures.push_back({"unknown.example", 0x01020304, Bytes(3, 9)});
  auto v = *NoteVerifier::from_verifier_key(kGoVkey);
  auto parsed = parse_note(format_note(note));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(v.verify(*parsed).ok());
  // Only unknown signatures: rejected.
  Note only_other{kGoText, {other.sign(kGoText)}};
  EXPECT_FALSE(v.verify(only_other).ok());
}

TEST(NoteTest, ParseRejectsMalformedNotes) {
  const std::string sig_line =
      "\xE2\x80\x94 PeterNeumann "
      "x08go/ZJkuBS9UG/"
      "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
  const std::string text = kGoText;
  struct Case {
    std::string name;
    std::string note;
  };
  std::vector<Case> cases = {
      {"missing trailing newline", text + "\n" + sig_line},
      {"no blank line", text + sig_line + "\n"},
      {"no signatures", text + "\n"},
      {"empty", ""},
      {"bad base64", text + "\n\xE2\x80\x94 PeterNeumann x08go/ZJkuBS9U!\n"},
      {"base64 without padding", text + "\n\xE2\x80\x94 PeterNeumann AAAAAAA\n"},
      {"too short signature", text + "\n\xE2\x80\x94 PeterNeumann AAAAAA==\n"},
      {"hyphen instead of em dash", text + "\n- PeterNeumann AAAAAAAA\n"},
      {"no space after name", text + "\n\xE2\x80\x94 PeterNeumann\n"},
      {"empty name", text + "\n\xE2\x80\x94  AAAAAAAA\n"},
      {"plus in name", text + "\n\xE2\x80\x94 Peter+Neumann AAAAAAAA\n"},
      {"duplicate signature", text + "\n" + sig_line + "\n" + sig_line + "\n"},
      {"control character", "If you\tthink\n\n" + sig_line + "\n"},
      {"carriage return", "If you think\r\n\n" + sig_line + "\n"},
      {"invalid UTF-8", "If you \xC3\x28 think\n\n" + sig_line + "\n"},
      {"overlong UTF-8", "If you \xC0\xAF think\n\n" + sig_line + "\n"},
      {"surrogate", "If you \xED\xA0\x80 think\n\n" + sig_line + "\n"},
      {"trailing garbage", text + "\n" + sig_line + "\nx"},
  };
  for (const auto& c : cases) {
    auto r = parse_note(c.note);
    EXPECT_FALSE(r.ok()) << c.name;
    if (!r.ok()) {
      EXPECT_FALSE(r.error().message.empty()) << c.name;
    }
  }
  // A duplicate key id with a different name is a different key: allowed.
  std::string two =
      text + "\n" + sig_line + "\n" +
      "\xE2\x80\x94 Other "
      "x08go/ZJkuBS9UG/"
      "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
  EXPECT_TRUE(parse_note(two).ok());
  // The last blank line separates: a signature-like line before it belongs to the text.
  auto in_text = parse_note(text + "\n" + sig_line + "\n\n" + sig_line + "\n");
  ASSERT_TRUE(in_text.ok());
  EXPECT_EQ(in_text->text, text + "\n" + sig_line + "\n");
  EXPECT_EQ(in_text->signatures.size(), 1u);
  // Text may contain blank lines; the last blank line separates.
  std::string blank_in_text = "a\n\nb\n\n" + sig_line + "\n";
  auto r = parse_note(blank_in_text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "a\n\nb\n");
  EXPECT_EQ(format_note(*r), blank_in_text);
}

TEST(NoteTest, SignatureLimit) {
  std::string s = std::string(kGoText) + "\n";
  for (std::size_t i = 0; i <= kMaxNoteSignatures; ++i) {
    s += "\xE2\x80\x94 k" + std::to_string(i) + " AAAAAAAA\n";
  }
  EXPECT_EQ(parse_note(s).error().code, ErrorCode::kLimit);
}

TEST(NoteTest, VerifierKeyParsing) {
  EXPECT_TRUE(parse_verifier_key(kGoVkey).ok());
  std::vector<std::string> bad = {
      "",
      "PeterNeumann",
      "PeterNeumann+c74f20a3",
      "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   // id mismatch
      "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",    // 7 hex digits
      "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   // not hex
      "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  // space
      "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",               // empty name
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",    // bad base64
      "Peterneumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   // name changed
  };
  for (const auto& k : bad) EXPECT_FALSE(NoteVerifier::from_verifier_key(k).ok()) << k;
  // A cosignature (type 4) key is not a note signer key, and vice versa.
  SigningKey key = go_key();
  CosignatureSigner witness("PeterNeumann", key);
  EXPECT_FALSE(NoteVerifier::from_verifier_key(witness.verifier_key()).ok());
  EXPECT_TRUE(CosignatureVerifier::from_verifier_key(witness.verifier_key()).ok());
  EXPECT_FALSE(CosignatureVerifier::from_verifier_key(kGoVkey).ok());
}

TEST(NoteTest, KeyNames) {
  EXPECT_TRUE(is_valid_key_name("example.com/log42"));
  EXPECT_TRUE(is_valid_key_name("quasimodo.example/salvatore"));
  EXPECT_FALSE(is_valid_key_name(""));
  EXPECT_FALSE(is_valid_key_name("a b"));
  EXPECT_FALSE(is_valid_key_name("a+b"));
  EXPECT_FALSE(
      is_valid_key_name("a\xC2\xA0"
                        "b"));  // U+00A0
  EXPECT_FALSE(
      is_valid_key_name("a\xE3\x80\x80"
                        "b"));                                 // U+3000
  EXPECT_FALSE(is_valid_key_name("a\x7f"));                    // DEL
  EXPECT_FALSE(is_valid_key_name("a\xC2\x9F"));                // U+009F, a C1 control
  EXPECT_TRUE(is_valid_key_name("tabella.example/\xC3\xB1"));  // U+00F1: not only ASCII
}

// ------------------------------------------------------------------------------ Checkpoints

TEST(CheckpointTest, RoundTripAndSpecExample) {
  std::string body =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  auto c = Checkpoint::parse(body);
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_EQ(c->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c->size, 20852163u);
  EXPECT_EQ(to_base64(c->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(c->extensions.empty());
  EXPECT_EQ(c->body(), body);

  Checkpoint e{"tabella.example/election-1", 0, empty_root(), {"ext one", "ext two"}};
  auto back = Checkpoint::parse(e.body());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, e);
  Checkpoint big{"o", UINT64_MAX, {}, {}};
  EXPECT_EQ(Checkpoint::parse(big.body())->size, UINT64_MAX);
}

TEST(CheckpointTest, RejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  std::vector<std::string> bad = {
      "",
      "o\n1\n" + root,                                        // no final newline
      "o\n1\n",                                               // no root
      "\n1\n" + root + "\n",                                  // empty origin
      "o\n01\n" + root + "\n",                                // leading zero
      "o\n-1\n" + root + "\n",                                // sign
      "o\n 1\n" + root + "\n",                                // space
      "o\n18446744073709551616\n" + root + "\n",              // 2^64
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",  // no padding
      "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jx\n",     // 30 bytes
      "o\n1\n" + root + "\n\n",                               // empty extension line
      "o\n1\n" + root + "\next\r\n",                          // control character
  };
  for (const auto& b : bad) EXPECT_FALSE(Checkpoint::parse(b).ok()) << b;
  EXPECT_EQ(Checkpoint::parse("o\n01\n" + root + "\n").error().field, "checkpoint line 2");
}

TEST(CheckpointTest, SignedCheckpointOpens) {
  SigningKey log_key = SigningKey::from_seed(Bytes(32, 1)).value();
  NoteSigner signer("tabella.example/e1", log_key);
  Checkpoint c{"tabella.example/e1", 5, leaf_hash(Bytes{1}), {}};
  std::string note = format_note({c.body(), {signer.sign(c.body())}});
  auto v = *NoteVerifier::from_verifier_key(signer.verifier_key());
  auto opened = open_checkpoint(note, v);
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  EXPECT_EQ(*opened, c);
  std::string tampered = note;
  tampered[tampered.find("\n5\n") + 1] = '6';
  EXPECT_EQ(open_checkpoint(tampered, v).error().code, ErrorCode::kInvalidSignature);
}

// ----------------------------------------------------------------------------- Cosignatures

// Computed independently (Python `cryptography`, message built from the C2SP text):
// seed 00 01 .. 1f, name witness.example.com/w1, checkpoint of the C2SP example, time of the
// C2SP example.
const char* kWitnessVkey =
    "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
const char* kCheckpointBody =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const char* kCosigLine =
    "\xE2\x80\x94 witness.example.com/w1 "
    "oAWfEQAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
    "l73euDMQ9k+bBQ==\n";

SigningKey witness_key() {
  Bytes seed(32);
  for (std::size_t i = 0; i < 32; ++i) seed[i] = static_cast<std::uint8_t>(i);
  return std::move(*SigningKey::from_seed(seed));
}

TEST(CosignatureTest, KnownAnswer) {
  SigningKey key = witness_key();
  CosignatureSigner signer("witness.example.com/w1", key);
  EXPECT_EQ(signer.verifier_key(), kWitnessVkey);
  EXPECT_EQ(signer.key_id(), 0xa0059f11u);
  NoteSignature sig = signer.sign(kCheckpointBody, 1679315147);
  EXPECT_EQ(format_note({kCheckpointBody, {sig}}),
            std::string(kCheckpointBody) + "\n" + kCosigLine);
  EXPECT_EQ(cosign(kCheckpointBody, key, "witness.example.com/w1", 1679315147), sig);
  EXPECT_EQ(cosignature_message(kCheckpointBody, 1679315147),
            std::string("cosignature/v1\ntime 1679315147\n") + kCheckpointBody);

  auto v = CosignatureVerifier::from_verifier_key(kWitnessVkey);
  ASSERT_TRUE(v.ok());
  auto note = parse_note(std::string(kCheckpointBody) + "\n" + kCosigLine);
  ASSERT_TRUE(note.ok());
  auto t = verify_cosignature(*note, *v);
  ASSERT_TRUE(t.ok()) << t.error().describe();
  EXPECT_EQ(*t, 1679315147u);
}

TEST(CosignatureTest, SpecExampleLayout) {
  // The cosignature line of the C2SP tlog-cosignature example: key id, then the timestamp
  // 1679315147 (the "time" line of the spec's example message), then 64 signature bytes.
  std::string note =
      std::string(kCheckpointBody) +
      "\n\xE2\x80\x94 witness.example.com/w1 "
      "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+"
      "mbIUBkBIfZ+qnA==\n";
  auto n = parse_note(note);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->signatures[0].key_id, 0x8d66cf3fu);
  auto c = decode_cosignature(n->signatures[0].signature);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->timestamp, 1679315147u);
}

TEST(CosignatureTest, TamperingFails) {
  SigningKey key = witness_key();
  CosignatureSigner signer("witness.example.com/w1", key);
  auto v = *CosignatureVerifier::from_verifier_key(kWitnessVkey);
  Note note{kCheckpointBody, {signer.sign(kCheckpointBody, 1679315147)}};
  ASSERT_TRUE(v.verify(note).ok());

  auto changed_time = note;
  changed_time.signatures[0].signature[7] ^= 1;  // timestamp's last byte
  EXPECT_EQ(v.verify(changed_time).error().code, ErrorCode::kInvalidSignature);
  auto changed_sig = note;
  changed_sig.signatures[0].signature[20] ^= 1;
  EXPECT_EQ(v.verify(changed_sig).error().code, ErrorCode::kInvalidSignature);
  auto changed_text = note;
  changed_text.text[0] = 'E';
  EXPECT_EQ(v.verify(changed_text).error().code, ErrorCode::kInvalidSignature);
  auto short_sig = note;
  short_sig.signatures[0].signature.resize(71);
  EXPECT_EQ(v.verify(short_sig).error().code, ErrorCode::kInvalidEncoding);
  auto future = note;
  future.signatures[0].signature[0] = 0x80;  // timestamp >= 2^63
  EXPECT_EQ(v.verify(future).error().code, ErrorCode::kOutOfRange);
  // Not cosigned by this witness; a type-0x01 signature by the same key and name is not a
  // cosignature (different key id).
  Note log_signed{kCheckpointBody,
                  {NoteSigner("witness.example.com/w1", key).sign(kCheckpointBody)}};
  EXPECT_EQ(v.verify(log_signed).error().code, ErrorCode::kInvalidSignature);
  CosignatureVerifier other("witness.example.com/w2", key.verify_key());
  EXPECT_FALSE(other.verify(note).ok());
}

}  // namespace
}  // namespace tabella::ledger
