#!/usr/bin/env bash
# A private ClickHouse for run.sh and the benchmarks: a plain process with its own data dir and loopback ports.
#   scripts/clickhouse.sh start DIR [HTTP_PORT] [TCP_PORT]   (waits until it answers /ping)
#   scripts/clickhouse.sh stop DIR
# Set up for a small box it shares with the collector (issue 16; README, Sizing): by default it runs SCHED_IDLE
# (CLICKHOUSE_SCHED=idle), so it takes only CPU the collector leaves idle and the ack path never waits behind an insert
# or a merge; ClickHouse then lags (freshness) rather than ingest when the box is saturated. CLICKHOUSE_SCHED=normal runs
# it under the normal scheduler at CLICKHOUSE_NICE (default 10): a fairer share for ClickHouse when the box is
# saturated, for a longer ack tail. Merges run on CLICKHOUSE_MERGE_THREADS threads (default 2; ClickHouse's own default
# is 16). On a machine where ClickHouse has cores of its own: CLICKHOUSE_SCHED=normal CLICKHOUSE_NICE=0
# CLICKHOUSE_MERGE_THREADS=16, ClickHouse's defaults.
set -euo pipefail

command=${1:?start or stop}
dir=$(mkdir -p "${2:?data dir}" && cd "$2" && pwd)
http_port=${3:-8123}
tcp_port=${4:-9000}
nice_level=${CLICKHOUSE_NICE:-10}
case "${CLICKHOUSE_SCHED:-idle}" in
  # Lowering one's own priority needs no privilege, but a sandbox may forbid sched_setscheduler: then nice it is.
  idle) if chrt --idle 0 true 2>/dev/null; then priority=(chrt --idle 0); else priority=(nice -n "$nice_level"); fi ;;
  normal) priority=(nice -n "$nice_level") ;;
  *) echo "CLICKHOUSE_SCHED must be idle or normal" >&2; exit 2 ;;
esac
merge_threads=${CLICKHOUSE_MERGE_THREADS:-2}

case "$command" in
  start)
    if curl -fsS "http://127.0.0.1:${http_port}/ping" >/dev/null 2>&1; then
      echo "ClickHouse already answers on 127.0.0.1:${http_port}; using it"
      exit 0
    fi
    mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
    cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/error.log</errorlog><console>0</console></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
XML
    cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><background_pool_size>$merge_threads</background_pool_size></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
    nohup "${priority[@]}" /usr/sbin/clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
    echo $! > "$dir/clickhouse.pid"
    for _ in $(seq 1 300); do
      if curl -fsS "http://127.0.0.1:${http_port}/ping" >/dev/null 2>&1; then
        echo "ClickHouse started on 127.0.0.1:${http_port} (data in $dir)"
        exit 0
      fi
      sleep 0.2
    done
    echo "ClickHouse did not start; see $dir/log/error.log" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/clickhouse.pid" ]; then
      kill "$(cat "$dir/clickhouse.pid")" 2>/dev/null || true
      rm -f "$dir/clickhouse.pid"
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR [HTTP_PORT] [TCP_PORT]" >&2
    exit 2
    ;;
esac
