#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine with Node 20, then runs every test.
# The README's test command and .ci/run both call exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(librdkafka-dev gcc chromium prometheus docker-compose)
missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
# Formatting and lint findings fail the run before any test starts.
npm run lint
bash scripts/build-mock-kafka.sh

mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json || status=$?
node scripts/test-summary.mjs test-artifacts/vitest.json || status=1
exit "$status"
