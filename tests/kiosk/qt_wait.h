#pragma once
// Event-loop helpers shared by the kiosk's Qt tests (model, engine, window, layout, audio).
#include <QCoreApplication>
#include <functional>

#include "core/pump_until.h"

namespace tabella::kiosk::testing {

// Runs the event loop until `pred` holds or `ms` milliseconds pass; false on timeout.
inline bool wait_for(const std::function<bool()>& pred, int ms = 30000) {
  return pump_until(pred, ms);
}

// Lets queued work (the window's rebuild) run, as the event loop does between two keystrokes.
inline void settle() {
  for (int i = 0; i < 5; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

}  // namespace tabella::kiosk::testing
