#!/usr/bin/env bash
# The torture suite: real collector processes (and ClickHouse where it matters) killed, starved and damaged under
# load by independent senders, each run ending with an oracle (every acknowledged event once, intact, nothing unsent).
#   ./torture.sh          short mode, a few minutes: the same tests ./test.sh (and so CI) runs, with their figures
#   ./torture.sh --full   full mode: 20 kills per loop, ClickHouse faults and full disks of 60 s, 35,000 fuzz
#                         inputs per way in (over 200,000 in all), 10,000 short connections;
#                         writes the figures to RELIABILITY.md
set -euo pipefail
cd "$(dirname "$0")"

mode=short
if [[ ${1:-} == --full ]]; then
  mode=full
  export COLLECTOR_TORTURE_KILLS=20 COLLECTOR_FUZZ_INPUTS=35000 COLLECTOR_TORTURE_OUTAGE_SECONDS=60 COLLECTOR_TORTURE_CONNECTIONS=10000
fi

scripts/install-deps.sh --tests
dotnet build Collector.sln -c Release -nologo -v quiet

# The torture classes, and the earlier single-fault tests that belong to the same scenarios.
filter="FullyQualifiedName~Collector.Tests.Torture|FullyQualifiedName~CrashRecoveryTests|FullyQualifiedName~ClickHouseCrashTests"
filter+="|FullyQualifiedName~ClickHouseOutageTests|FullyQualifiedName~ClickHouseErrorTests|FullyQualifiedName~CommitRecordDamageTests"
filter+="|FullyQualifiedName~DiskFullTests|FullyQualifiedName~DiskFullResumeTests|FullyQualifiedName~PersistedCursorTests|FullyQualifiedName~EdgeToCoreTests"
filter+="|FullyQualifiedName~CommitRecoveryTests|FullyQualifiedName~CommitRecordWriteTests|FullyQualifiedName~LogGeometryTests|FullyQualifiedName~LogBudgetTests"
filter+="|FullyQualifiedName~DurableSpoolClientTests|FullyQualifiedName~InsertSessionsTests|FullyQualifiedName~CursorOnFullDiskTests|FullyQualifiedName~IdleStreamTests"

report=$(mktemp)
log=$(mktemp)
started=$(date -u +%Y-%m-%dT%H:%MZ)
set +e
COLLECTOR_TORTURE_REPORT=$report dotnet test tests/Collector.Tests/Collector.Tests.csproj -c Release --no-build -nologo \
  --filter "$filter" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1 || true)

table() {
  echo "| scenario | runs | acknowledged | lost | duplicated | figures |"
  echo "| --- | --- | ---: | ---: | ---: | --- |"
  sort "$report" | awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
}

if [[ $mode == full ]]; then
  {
    echo "# Reliability: the torture suite's figures"
    echo
    echo "Written by \`./torture.sh --full\` (started $started) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB,"
    echo "$(. /etc/os-release && echo "$PRETTY_NAME"), ClickHouse $(dpkg-query -W -f='${Version}' clickhouse-server 2>/dev/null || echo unknown)."
    echo "\"lost\" counts acknowledged events missing from where they belong (the log or ClickHouse) other than those"
    echo "a damage destroyed on purpose, which the figures name; \"duplicated\" counts events stored more than once."
    echo
    table
    echo
    echo "Test run: ${summary:-no summary (the run did not finish)}"
    echo
    echo "The tests behind each line are in tests/Collector.Tests/Torture/ (and, for the single-fault runs without"
    echo "figures, the classes named in torture.sh). Short mode (\`./torture.sh\`, and \`./test.sh\` in CI) runs the same"
    echo "tests with 3 kills under load per loop, faults of 10 s, 1,500 fuzz inputs per way in and 1,000 short connections."
  } > RELIABILITY.md
  echo "figures written to RELIABILITY.md"
else
  table
fi

rm -f "$report" "$log"
echo "${summary:-no summary}"
exit "$status"
