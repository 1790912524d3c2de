#!/usr/bin/env bash
# Warm query latency of the collector's query API: 5 warm-up calls, then 21 timed calls per endpoint; prints medians.
#   bench/queries/latency.sh http://127.0.0.1:24318
# The /telemetry/events cases expect bench/queries/generate-10m.sql's rows (origins, correlation ids, messages).
set -euo pipefail
base=${1:-http://127.0.0.1:4318}

# measure LABEL PATH: LABEL (no spaces) is what the line shows, PATH what is called.
measure() {
  local label=$1 path=$2 times median p90
  for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$base$path"; done
  times=$(for _ in $(seq 1 21); do curl -fsS -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n)
  median=$(sed -n 11p <<<"$times")
  p90=$(sed -n 19p <<<"$times")
  printf '%-75s median %6.1f ms   p90 %6.1f ms\n' "$label" "$(awk "BEGIN {print $median * 1000}")" "$(awk "BEGIN {print $p90 * 1000}")"
}

for path in "/telemetry/efficiency?hours=24" "/telemetry/60day" "/telemetry/footprint" "/telemetry/history?event_type=THOUGHT_LATENCY&component=model-1&step=hour" \
  "/telemetry/events" "/telemetry/events?origin=device:7" "/telemetry/events?severity=error&component=model-0" "/telemetry/events?q=timeout" \
  "/telemetry/events?correlation_id=req-123456" "/telemetry/events?format=ndjson&limit=10000"; do
  measure "$path" "$path"
done

# The second page: the cursor of the newest page (taken once; the page it names does not move as events arrive).
cursor=$(curl -fsS "$base/telemetry/events" | sed -n 's/.*"next_cursor":"\([^"]*\)".*/\1/p')
measure "/telemetry/events?cursor=<page-2>" "/telemetry/events?cursor=$cursor"
