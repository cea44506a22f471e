#!/usr/bin/env bash
# Builds the Kafka test broker (librdkafka mock cluster) into scripts/bin/mock-kafka when the source
# is newer than the binary. Needs gcc and librdkafka-dev.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/mock-kafka.c"
out="$here/bin/mock-kafka"
if [[ -x "$out" && "$out" -nt "$src" ]]; then
  exit 0
fi
mkdir -p "$here/bin"
tmp="$out.$$.tmp"
gcc -O2 -Wall -Wextra -o "$tmp" "$src" -lrdkafka
mv -f "$tmp" "$out"
