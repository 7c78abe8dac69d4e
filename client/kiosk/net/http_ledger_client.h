// The kiosk's LedgerClient over HTTP: a thin adapter over client/lib's synchronous
// tabella::client::LedgerConnection (Boost.Beast), so the kiosk and the other clients speak the API
// of docs/api.md through one implementation. Transport failures and 5xx answers come back as
// kIo (retry later); every other ledger error keeps its code, message and field.
// Thread-safety: one thread at a time (the kiosk's dispatcher thread); see ledger_client.h.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "core/ledger_client.h"

namespace tabella::kiosk {

// kInvalidArgument for a malformed URL; no connection is made yet.
Result<std::unique_ptr<LedgerClient>> make_http_ledger_client(std::string_view url,
                                                              std::chrono::milliseconds timeout);

}  // namespace tabella::kiosk
