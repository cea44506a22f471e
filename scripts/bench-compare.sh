#!/usr/bin/env bash
# Same-run comparison: builds REV in a throwaway worktree, then alternates `recstream bench --quick
# --json` between REV and the working tree ROUNDS times, printing the headline figures of each run.
# Usage: scripts/bench-compare.sh REV [ROUNDS]     (run `npm run build` first for the working tree)
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: scripts/bench-compare.sh REV [ROUNDS]}"
rounds="${2:-2}"
base="$(mktemp -d)/base"
git worktree add --detach "$base" "$rev" >/dev/null
trap 'git worktree remove --force "$base"' EXIT
ln -s "$PWD/node_modules" "$base/node_modules"
(cd "$base" && npx tsc -p tsconfig.build.json)
summary='const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
console.log(JSON.stringify({learn:j.embedded.learnOnlyEventsPerSecond,pipeline:j.embedded.pipelineEventsPerSecond,
kafka:j.kafka.pipelineEventsPerSecond,rawKafka:j.kafka.rawConsumeEventsPerSecond,
pushEmbedded:[j.latency.embedded.p50Ms,j.latency.embedded.p99Ms],pushKafka:[j.latency.kafka.p50Ms,j.latency.kafka.p99Ms],
bytesPerUser:j.memory.bytesPerUser,bytesPerItem:j.memory.bytesPerItem}))'
for round in $(seq 1 "$rounds"); do
  for side in "$rev" working-tree; do
    dir="$PWD"; [ "$side" = working-tree ] || dir="$base"
    printf '%s #%s ' "$side" "$round"
    (cd "$dir" && node bin/recstream.js bench --quick --json 2>/dev/null) | node -e "$summary"
  done
done
