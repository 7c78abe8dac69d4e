#include "core/kiosk_config.h"

#include <openssl/evp.h>

#include <QDir>
#include <QSettings>
#include <QTemporaryFile>
#include <charconv>
#include <vector>

#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"

namespace tabella::kiosk {

QString KioskConfig::key_path() const {
  return kiosk_key.isEmpty() ? QDir(data_dir).filePath(QStringLiteral("kiosk.key")) : kiosk_key;
}
QString KioskConfig::db_path() const {
  return QDir(data_dir).filePath(QStringLiteral("kiosk.db"));
}
QString KioskConfig::receipts_dir() const {
  return QDir(data_dir).filePath(QStringLiteral("receipts"));
}

namespace {

// The [kiosk] group of an INI file QSettings has read.
Result<KioskConfig> config_from_settings(QSettings& s, const QString& default_data_dir) {
  KioskConfig c;
  c.data_dir = default_data_dir;
  s.beginGroup(QStringLiteral("kiosk"));
  c.ledger_url = s.value(QStringLiteral("ledger_url"), c.ledger_url).toString();
  c.kiosk_key = s.value(QStringLiteral("kiosk_key"), c.kiosk_key).toString();
  c.data_dir = s.value(QStringLiteral("data_dir"), c.data_dir).toString();
  c.pin_hash = s.value(QStringLiteral("pin_hash")).toString();
  c.printer = s.value(QStringLiteral("printer")).toString();
  c.public_url = s.value(QStringLiteral("public_url")).toString();
  c.speech_engine = s.value(QStringLiteral("speech_engine"), c.speech_engine).toString();
  const QString scanning = s.value(QStringLiteral("switch_scanning"), QStringLiteral("false"))
                               .toString()
                               .trimmed()
                               .toLower();
  if (scanning != QStringLiteral("true") && scanning != QStringLiteral("false")) {
    return make_error(ErrorCode::kInvalidArgument, "must be true or false", "switch_scanning");
  }
  c.switch_scanning = scanning == QStringLiteral("true");
  const QString auth = s.value(QStringLiteral("authority_key")).toString();
  if (!auth.isEmpty()) {
    auto b = from_hex(auth.toStdString());
    if (!b.ok() || b->size() != 32) {
      return make_error(ErrorCode::kInvalidArgument, "expected 64 hex digits (Ed25519 key)",
                        "authority_key");
    }
    PublicKeyBytes k{};
    std::copy(b->begin(), b->end(), k.begin());
    c.authority_key = k;
  }
  bool ok = true;
  c.idle_timeout_s = s.value(QStringLiteral("idle_timeout_s"), c.idle_timeout_s).toInt(&ok);
  if (!ok || c.idle_timeout_s <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "must be a positive number of seconds",
                      "idle_timeout_s");
  }
  c.network_timeout_s =
      s.value(QStringLiteral("network_timeout_s"), c.network_timeout_s).toInt(&ok);
  if (!ok || c.network_timeout_s <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "must be a positive number of seconds",
                      "network_timeout_s");
  }
  return c;
}

}  // namespace

Result<KioskConfig> load_config(const QString& path, const QString& default_data_dir) {
  QSettings s(path, QSettings::IniFormat);
  if (s.status() != QSettings::NoError) {
    return make_error(ErrorCode::kInvalidArgument, "cannot parse " + path.toStdString(), "config");
  }
  return config_from_settings(s, default_data_dir);
}

Result<KioskConfig> parse_config(const QByteArray& text, const QString& default_data_dir) {
  QTemporaryFile file(QDir::temp().filePath(QStringLiteral("tabella-kiosk-config-XXXXXX.ini")));
  if (!file.open() || file.write(text) != text.size() || !file.flush()) {
    return make_error(ErrorCode::kIo, "cannot write a temporary file for the config text",
                      "config");
  }
  QSettings s(file.fileName(), QSettings::IniFormat);
  if (s.status() != QSettings::NoError) {
    return make_error(ErrorCode::kInvalidArgument, "cannot parse the config text", "config");
  }
  return config_from_settings(s, default_data_dir);
}

Status save_config(const KioskConfig& c, const QString& path) {
  QSettings s(path, QSettings::IniFormat);
  s.beginGroup(QStringLiteral("kiosk"));
  s.setValue(QStringLiteral("ledger_url"), c.ledger_url);
  s.setValue(QStringLiteral("kiosk_key"), c.key_path());
  s.setValue(QStringLiteral("data_dir"), c.data_dir);
  s.setValue(QStringLiteral("pin_hash"), c.pin_hash);
  s.setValue(QStringLiteral("authority_key"),
             c.authority_key ? QString::fromStdString(to_hex(*c.authority_key)) : QString());
  s.setValue(QStringLiteral("idle_timeout_s"), c.idle_timeout_s);
  s.setValue(QStringLiteral("network_timeout_s"), c.network_timeout_s);
  s.setValue(QStringLiteral("printer"), c.printer);
  if (!c.public_url.isEmpty()) s.setValue(QStringLiteral("public_url"), c.public_url);
  s.setValue(QStringLiteral("speech_engine"), c.speech_engine);
  s.setValue(QStringLiteral("switch_scanning"),
             c.switch_scanning ? QStringLiteral("true") : QStringLiteral("false"));
  s.endGroup();
  s.sync();
  if (s.status() != QSettings::NoError) {
    return make_error(ErrorCode::kIo, "cannot write " + path.toStdString(), "config");
  }
  return {};
}

namespace {

SecretBytes pbkdf2(std::string_view pin, ByteView salt, std::uint32_t iterations) {
  SecretBytes out(32);
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    return SecretBytes();
  }
  return out;
}

}  // namespace

std::string hash_pin(std::string_view pin, std::uint32_t iterations) {
  Bytes salt(16);
  SystemRng::instance().fill(salt);
  SecretBytes h = pbkdf2(pin, salt, iterations);
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + to_hex(salt) + "$" +
         to_hex(h.view());
}

bool check_pin(std::string_view pin, std::string_view stored) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 4 || parts[0] != "pbkdf2-sha256") return false;
  std::uint32_t iterations = 0;
  auto [p, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), iterations);
  if (ec != std::errc() || p != parts[1].data() + parts[1].size() || iterations == 0 ||
      iterations > 10000000) {
    return false;
  }
  auto salt = from_hex(parts[2]);
  auto want = from_hex(parts[3]);
  if (!salt.ok() || !want.ok() || want->size() != 32) return false;
  SecretBytes got = pbkdf2(pin, *salt, iterations);
  return !got.empty() && ct_equal(got.view(), *want);
}

}  // namespace tabella::kiosk
