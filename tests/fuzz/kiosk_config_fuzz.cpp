// Fuzzes the kiosk's config file parser (client/kiosk/core/kiosk_config.h: parse_config, the
// text behind load_config). Nothing may crash; an accepted config has positive timeouts, and
// written back with save_config it reads back the same.
#include <QByteArray>
#include <QTemporaryDir>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/kiosk_config.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tabella::kiosk;
  const QByteArray text(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
  const QString default_dir = QStringLiteral("/var/lib/tabella-kiosk-default");
  auto c = parse_config(text, default_dir);
  if (!c.ok()) return 0;
  check(c->idle_timeout_s > 0 && c->network_timeout_s > 0);

  QTemporaryDir dir;
  check(dir.isValid());
  const QString path = dir.filePath(QStringLiteral("kiosk.ini"));
  check(save_config(*c, path).ok());
  auto back = load_config(path, default_dir);
  check(back.ok());
  check(back->ledger_url == c->ledger_url && back->key_path() == c->key_path() &&
        back->data_dir == c->data_dir && back->pin_hash == c->pin_hash &&
        back->authority_key == c->authority_key && back->idle_timeout_s == c->idle_timeout_s &&
        back->network_timeout_s == c->network_timeout_s && back->printer == c->printer &&
        back->public_url == c->public_url && back->speech_engine == c->speech_engine &&
        back->switch_scanning == c->switch_scanning);
  return 0;
}
