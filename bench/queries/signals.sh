#!/usr/bin/env bash
# Warm latency of GET /telemetry/traces/{trace_id} and GET /telemetry/metrics on generated signal data, next to the
# events already loaded by run-all (bench/queries/generate-10m.sql): loads bench/queries/generate-signals.sql with
# SIGNAL_ROWS metric points and spans into the collector's database, waits for ClickHouse to finish merging what was
# loaded (up to 2 min), then makes 5 warm-up and 21 timed calls per request (median and p90, as
# bench/queries/latency.sh). Also times, in ClickHouse alone, the reads of one trace with trace_index (what the endpoint does:
# its time range, then spans and events within it) and without it (spans by their sort key over every partition,
# events by scanning for the trace id).
#   bench/queries/signals.sh CLICKHOUSE_URL DATABASE COLLECTOR_HTTP_URL [SIGNAL_ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
clickhouse=${1:?ClickHouse url}; database=${2:?database}; base=${3:?collector http url}; rows=${4:-1000000}

sql() { curl -fsS "$clickhouse/?database=$database" --data-binary @-; }
# One statement per request: the HTTP interface runs one query a call.
awk -v RS=';' 'NF { print $0 ";" > sprintf("'"${TMPDIR:-/tmp}"'/signals-%d.sql", ++n) }' <(sed "s/SIGNAL_LOG_ROWS/$((rows * 3 / 10))/g; s/SIGNAL_ROWS/$rows/g" bench/queries/generate-signals.sql)
for f in "${TMPDIR:-/tmp}"/signals-{1,2,3}.sql; do sed '/^--/d' "$f" | sql; rm -f "$f"; done
# Steady state: the loads leave parts to merge, and merges running beside the timed calls doubled some of them.
for _ in $(seq 1 120); do
  [ "$(echo "SELECT count() FROM system.merges WHERE database = '$database'" | sql)" = "0" ] && break
  sleep 1
done

echo "# $rows metric points (50 metrics x 20 series, every 10 s) and $rows spans (traces of 10 over 60 days), $((rows * 3 / 10)) trace log events (bench/queries/generate-signals.sql)"
time_path() {
  local label=$1 url=$2
  for _ in 1 2 3 4 5; do curl -fsS -o /dev/null "$url"; done
  local times median p90
  times=$(for _ in $(seq 1 21); do curl -fsS -o /dev/null -w '%{time_total}\n' "$url"; done | sort -n)
  median=$(sed -n 11p <<<"$times"); p90=$(sed -n 19p <<<"$times")
  printf '%-75s median %6.1f ms   p90 %6.1f ms\n' "$label" "$(awk "BEGIN {print $median * 1000}")" "$(awk "BEGIN {print $p90 * 1000}")"
}

recent=$(echo -n 0 | md5sum | cut -c1-32)
old=$(echo -n $((rows / 10 - 1)) | md5sum | cut -c1-32)
time_path "/telemetry/traces/{newest trace}" "$base/telemetry/traces/$recent"
time_path "/telemetry/traces/{oldest trace, 60 days back}" "$base/telemetry/traces/$old"
for path in \
  "/telemetry/metrics?name=bench.metric.0&step=1m" \
  "/telemetry/metrics?name=bench.metric.0&step=1m&group_by=none" \
  "/telemetry/metrics?name=bench.metric.1&step=1m" \
  "/telemetry/metrics?name=bench.metric.1&step=1m&group_by=service" \
  "/telemetry/metrics?name=bench.metric.2&step=1m&group_by=none" \
  "/telemetry/metrics?name=bench.metric.3&step=1m&group_by=none" \
  "/telemetry/metrics?name=bench.metric.1&step=5m&from=$(( $(date +%s) - 3 * 3600 ))&attr.host=host-3"; do
  time_path "$path" "$base$path"
done

# The design choice for finding a trace, timed in ClickHouse alone (21 calls each, median).
query_ms() {
  local q=$1
  for _ in $(seq 1 21); do curl -fsS -o /dev/null -w '%{time_total}\n' "$clickhouse/?database=$database" --data-binary "$q"; done | sort -n | sed -n 11p | awk '{printf "%.1f", $1 * 1000}'
}
range=$(curl -fsS "$clickhouse/?database=$database" --data-binary "SELECT toUInt32(min(first_ts)), toUInt32(max(last_ts)) FROM trace_index WHERE trace_id = '$old'")
within="ts >= toDateTime($(cut -f1 <<<"$range")) AND ts <= toDateTime($(cut -f2 <<<"$range"))"
echo "one trace (oldest), ClickHouse alone, with trace_index: range $(query_ms "SELECT min(first_ts), max(last_ts) FROM trace_index WHERE trace_id = '$old'") ms, then spans $(query_ms "SELECT * FROM spans PREWHERE trace_id = '$old' WHERE $within") ms and events $(query_ms "SELECT * FROM events WHERE $within AND trace_id = '$old'") ms side by side"
echo "one trace (oldest), ClickHouse alone, without it: spans by sort key in every partition $(query_ms "SELECT * FROM spans PREWHERE trace_id = '$old'") ms, events by scanning for the id $(query_ms "SELECT * FROM events WHERE trace_id = '$old'") ms"
