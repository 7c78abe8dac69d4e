#pragma once
// Set-up shared by the kiosk's window tests (window, layout, audio): a kiosk model over a demo
// election's in-memory ledger, and the kiosk's own strings following the voter's language.
#include <QCoreApplication>
#include <QString>
#include <QTranslator>
#include <memory>

#include "core/kiosk_config.h"
#include "core/kiosk_model.h"
#include "core/memory_ledger.h"

namespace tabella::kiosk::testing {

// Options for a kiosk enrolled in `demo` with `key`, its queue in `db_path`, PIN 2468, and no
// inactivity reset; each test sets what it needs beyond these.
inline KioskModel::Options demo_kiosk_options(const DemoElection& demo, const QString& db_path,
                                              std::shared_ptr<const SigningKey> key) {
  KioskModel::Options o;
  auto ledger = demo.ledger;
  o.client_factory = [ledger]() -> Result<std::unique_ptr<LedgerClient>> {
    return ledger->make_client();
  };
  o.db_path = db_path;
  o.kiosk_key = std::move(key);
  o.pin_hash = QString::fromStdString(hash_pin("2468", 1000));
  o.ledger_url = QStringLiteral("http://ledger.test");
  o.idle_timeout_ms = 3600 * 1000;
  o.cast_patience_ms = 60000;
  return o;
}

// Swaps `translator` to the kiosk's .qm file in `qm_dir` whenever the voter picks a language,
// as tabella-kiosk does.
inline void follow_language(KioskModel* model, QTranslator* translator, const QString& qm_dir) {
  QObject::connect(model, &KioskModel::language_changed, model,
                   [translator, qm_dir](const QString& tag) {
                     QCoreApplication::removeTranslator(translator);
                     if (tag != QStringLiteral("en") &&
                         translator->load(qm_dir + QStringLiteral("/tabella_kiosk_") + tag +
                                          QStringLiteral(".qm"))) {
                       QCoreApplication::installTranslator(translator);
                     }
                   });
}

}  // namespace tabella::kiosk::testing
