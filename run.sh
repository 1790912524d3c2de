#!/usr/bin/env bash
# Sets up and runs the collector with a local ClickHouse:
#   gRPC 127.0.0.1:4317, HTTP 127.0.0.1:4318, durable log in ./data, ClickHouse on 127.0.0.1:8123 (data in ./data/clickhouse).
# Extra arguments go to the collector (see --help). COLLECTOR_NO_CLICKHOUSE=1 runs the edge profile without it.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
dotnet build src/Collector/Collector.csproj -c Release -nologo -v quiet

storage=()
if [ "${COLLECTOR_NO_CLICKHOUSE:-0}" != "1" ]; then
  scripts/clickhouse.sh start ./data/clickhouse 8123 9000
  trap 'scripts/clickhouse.sh stop ./data/clickhouse' EXIT
  storage=(--clickhouse-url http://127.0.0.1:8123)
fi

source scripts/runtime-env.sh
dotnet src/Collector/bin/Release/net10.0/Collector.dll \
  --grpc-url http://127.0.0.1:4317 --http-url http://127.0.0.1:4318 --data-dir ./data/log "${storage[@]}" "$@"
