#!/usr/bin/env bash
# Installs what the tests need, builds everything in Release and runs every test.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh --tests
dotnet build Collector.sln -c Release -nologo -v quiet

log=$(mktemp)
set +e
dotnet test tests/Collector.Tests/Collector.Tests.csproj -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line, whatever the runner printed above it.
summary=$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1 || true)
failed=$(sed -nE 's/.*Failed: +([0-9]+),.*/\1/p' <<<"$summary")
passed=$(sed -nE 's/.*Passed: +([0-9]+),.*/\1/p' <<<"$summary")
skipped=$(sed -nE 's/.*Skipped: +([0-9]+),.*/\1/p' <<<"$summary")
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit "$status"
