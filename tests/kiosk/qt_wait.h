#pragma once
// Event-loop helpers shared by the kiosk's Qt tests (model, window, layout).
#include <QCoreApplication>
#include <QThread>
#include <chrono>
#include <functional>

namespace tabella::kiosk::testing {

// Runs the event loop until `pred` holds or `ms` milliseconds pass; false on timeout.
inline bool wait_for(const std::function<bool()>& pred, int ms = 30000) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(2);
  }
  return true;
}

// Lets queued work (the window's rebuild) run, as the event loop does between two keystrokes.
inline void settle() {
  for (int i = 0; i < 5; ++i) QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

}  // namespace tabella::kiosk::testing
