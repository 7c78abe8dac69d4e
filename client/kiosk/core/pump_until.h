#pragma once
// Runs Qt's event loop until a condition holds: tabella-kiosk's screenshot mode and the kiosk's
// tests wait this way for the view-model (a condition, not a time: a loaded machine is slower).
#include <QCoreApplication>
#include <QThread>
#include <chrono>
#include <functional>

namespace tabella::kiosk {

// Processes events until `pred` holds or `ms` milliseconds pass; false on timeout.
inline bool pump_until(const std::function<bool()>& pred, int ms = 30000) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(2);
  }
  return true;
}

}  // namespace tabella::kiosk
