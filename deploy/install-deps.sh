#!/usr/bin/env bash
# Installs every Debian 12 package Tabella needs to build, test and run. Idempotent: packages
# already installed are skipped, and `apt-get update` runs only when something is missing.
# Usage: deploy/install-deps.sh            (as root, or with sudo available)
#        deploy/install-deps.sh --help     this text, and the packages; installs nothing
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev lld
  # libraries
  libssl-dev libsqlite3-dev libboost1.81-dev nlohmann-json3-dev libcli11-dev
  libqrencode-dev libcairo2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3
  # the benchmark scripts of docs/benchmarks.md (tests/bench/*.sh)
  jq bc
  # the TLS certificate of the lifecycle test (and of docs/admin-guide.md)
  openssl
  # Qt 6 kiosk (widgets, print support, translations) and a virtual display for screenshots
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libgl-dev xvfb xauth
  fonts-dejavu-core
  # the kiosk's audio ballot: Qt TextToSpeech and its offline engine (flite)
  # (qt6-speech-dev's CMake package needs Qt6QmlIntegration from qt6-declarative-dev)
  qt6-speech-dev qt6-speech-flite-plugin qt6-declarative-dev
  # the audio ballot's default voice, English and Spanish, in-process (no speech daemon)
  libespeak-ng-dev espeak-ng-data
  # the kiosk's poll-worker reports are read back from their PDF in tests (pdftotext)
  poppler-utils
  # clustered ledger
  etcd-server etcd-client
  # the bulletin board is tested in headless chromium
  chromium
  # operations: online backups (deploy/backup-ledger.sh), systemd-analyze verify on deploy/systemd
  sqlite3 systemd
)

# The bulletin board's browser checks are bundled with node and npm (server/web/package-lock.json).
# Any Node.js >= 18 with its npm will do: where `node` and `npm` already run (for instance a
# NodeSource nodejs, which ships its own npm and conflicts with Debian's npm package), nothing is
# added; otherwise Debian's nodejs and npm are installed.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
  source "$(dirname "$0")/lib/tabella.sh"
  tb_usage "$0"
  echo "Packages: ${PACKAGES[*]}"
  exit 0
fi
if [ $# -ne 0 ]; then echo "install-deps: unknown argument $1 (--help)" >&2; exit 2; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
