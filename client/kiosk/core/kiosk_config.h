// The kiosk's configuration file (INI, read with QSettings) and the poll-worker PIN hash.
//
//   [kiosk]
//   ledger_url    = http://127.0.0.1:8640
//   kiosk_key     = <data_dir>/kiosk.key     (created 0600 on first run)
//   data_dir      = ~/.local/share/tabella-kiosk   (holds kiosk.db, receipts/)
//   pin_hash      = pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>
//   authority_key = <hex Ed25519 key>        (optional: pin the election authority)
//   idle_timeout_s = 120                     (voter inactivity reset)
//   network_timeout_s = 15                   (per ledger request; above the ledger's --cosign-wait)
//   printer       = <printer name>           (optional; receipts are always written as PDF)
//   public_url    = https://...               (optional; the bulletin board voters look ballots up
//                                              on, /ballot/<code>; default: ledger_url)
//   speech_engine = espeak-ng                (the audio ballot's voice: espeak-ng, or a Qt
//                                              TextToSpeech engine: flite, speechd)
//   switch_scanning = false                  (two-switch scanning on at start; the poll worker
//                                              can turn it on and off)
//
// PIN hash: PBKDF2-HMAC-SHA256(pin, salt = 16 random bytes, iterations), 32 bytes; only the
// hash is stored, and it is compared in constant time.
// Thread-safety: value types and pure functions (hash_pin draws from SystemRng, thread-safe).
#pragma once

#include <QByteArray>
#include <QString>
#include <cstdint>
#include <optional>
#include <string>

#include "tabella/crypto/ed25519.h"
#include "tabella/util/result.h"

namespace tabella::kiosk {

inline constexpr std::uint32_t kPinIterations = 200000;

struct KioskConfig {
  QString ledger_url = QStringLiteral("http://127.0.0.1:8640");
  QString kiosk_key;  // empty: <data_dir>/kiosk.key
  QString data_dir;
  QString pin_hash;
  std::optional<PublicKeyBytes> authority_key;
  int idle_timeout_s = 120;
  int network_timeout_s = 15;
  QString printer;
  QString public_url;
  QString speech_engine = QStringLiteral("espeak-ng");
  bool switch_scanning = false;

  QString key_path() const;
  QString db_path() const;
  QString receipts_dir() const;
};

// Reads `path` (missing file: defaults); data_dir defaults to default_data_dir. Errors name the
// key: a malformed authority_key or a non-positive timeout.
Result<KioskConfig> load_config(const QString& path, const QString& default_data_dir);
// The same for the file's text (through a private temporary file: QSettings reads only files).
Result<KioskConfig> parse_config(const QByteArray& text, const QString& default_data_dir);
// Writes every key (used by --init-config).
Status save_config(const KioskConfig& config, const QString& path);

// "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>" for a fresh salt.
std::string hash_pin(std::string_view pin, std::uint32_t iterations = kPinIterations);
// Constant-time check of a PIN against a stored hash; false for a malformed hash.
bool check_pin(std::string_view pin, std::string_view stored);

}  // namespace tabella::kiosk
