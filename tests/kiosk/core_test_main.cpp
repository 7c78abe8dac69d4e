// main() of the kiosk core's tests (no window): a QCoreApplication for the dispatcher's queued
// calls and timers, then every test.
#include <gtest/gtest.h>

#include <QCoreApplication>

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
