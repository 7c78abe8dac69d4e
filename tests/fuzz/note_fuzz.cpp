// Fuzzes the parsers of outside text in the ledger formats: signed notes, checkpoint bodies,
// verifier keys and tile paths. Every accepted input must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/tiles.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::ledger;
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto note = parse_note(in); note.ok()) {
    check(format_note(*note) == in);
    check(note->signatures.size() >= 1 && note->signatures.size() <= kMaxNoteSignatures);
    // Verification of arbitrary notes must fail cleanly, never crash.
    static const auto kVerifier = NoteVerifier::from_verifier_key(
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    (void)kVerifier->verify(*note);
    static const auto kWitness = CosignatureVerifier::from_verifier_key(
        "witness.example.com/w1+a0059f11+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4");
    (void)kWitness->verify(*note);
    if (auto c = Checkpoint::parse(note->text); c.ok()) check(c->body() == note->text);
  }
  if (auto c = Checkpoint::parse(in); c.ok()) check(c->body() == in);
  if (auto k = parse_verifier_key(in); k.ok()) {
    // The key id may be written in upper case; everything else re-encodes identically.
    auto again = parse_verifier_key(format_verifier_key(k->name, k->sig_type, k->public_key));
    check(again.ok() && again->key_id == k->key_id && again->public_key == k->public_key);
  }
  if (auto t = parse_tile_path(in); t.ok()) check(format_tile_path(*t) == in);
  if (auto b = decode_entry_bundle(tabella::ByteView(data, size)); b.ok()) {
    auto again = encode_entry_bundle(*b);
    check(again.ok() && *again == tabella::Bytes(data, data + size));
  }
  return 0;
}
