// The public bulletin board (docs/api.md, "Bulletin board"): read-only HTML pages rendered on
// the server from the record endpoints of the same router, so they read without JavaScript and
// show exactly what the JSON API serves; the embedded script re-checks in the browser.
//
//   GET /                  election page: title, phase, counts, guardians, witnesses, checkpoint
//   GET /ballot?code=X     redirects to /ballot/<X> (the lookup form without JavaScript)
//   GET /ballot/<code>     tracking-code lookup (short or full code, any case, dashes optional)
//   GET /board?from=N      tracking codes by kiosk in log order (1,000 entries per page)
//   GET /results           results with bars, blank/under-vote counts and winners
//   GET /assets/<name>     the embedded style sheet and scripts
// Every page takes ?lang=<tag> (one of the manifest's languages; default: the first).
//
// Thread-safety: register before serving; the handlers run on any thread.
#pragma once

#include "tabella/server/router.h"

namespace tabella::server {

// Adds the board's routes. They call the record routes already registered on `router` (the
// same process, no socket), so register them after ElectionLedger::register_routes; `router`
// must outlive serving.
void register_web_board(Router& router);

}  // namespace tabella::server
