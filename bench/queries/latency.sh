#!/usr/bin/env bash
# Warm query latency of the collector's query API: 5 warm-up calls, then 21 timed calls per endpoint; prints medians.
#   bench/queries/latency.sh http://127.0.0.1:24318
set -euo pipefail
base=${1:-http://127.0.0.1:4318}
for path in "/telemetry/efficiency?hours=24" "/telemetry/60day" "/telemetry/footprint" "/telemetry/history?event_type=THOUGHT_LATENCY&component=model-1&step=hour"; do
  for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$base$path"; done
  times=$(for _ in $(seq 1 21); do curl -fsS -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n)
  median=$(sed -n 11p <<<"$times")
  p90=$(sed -n 19p <<<"$times")
  printf '%-75s median %6.1f ms   p90 %6.1f ms\n' "$path" "$(awk "BEGIN {print $median * 1000}")" "$(awk "BEGIN {print $p90 * 1000}")"
done
