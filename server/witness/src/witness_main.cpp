// tabella-witness: the standalone witness (the same as `tabella-ledger witness`).
#include "tabella/server/witness/witness_service.h"

int main(int argc, char** argv) {
  return tabella::server::witness::run_witness(argc, argv);
}
