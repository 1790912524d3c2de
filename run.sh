#!/usr/bin/env bash
# Builds and runs the collector: gRPC on 127.0.0.1:4317, HTTP on 127.0.0.1:4318, durable log in ./data.
# Extra arguments go to the collector (see --help).
set -euo pipefail
cd "$(dirname "$0")"

dotnet build src/Collector/Collector.csproj -c Release -nologo -v quiet
exec dotnet src/Collector/bin/Release/net10.0/Collector.dll \
  --grpc-url http://127.0.0.1:4317 --http-url http://127.0.0.1:4318 --data-dir ./data "$@"
