# The .NET runtime settings the collector runs with, sourced by run.sh and bench/run-all (a service unit sets the same
# variables). Only settings the runtime reads from the environment alone belong here; the rest are in
# src/Collector/Collector.csproj (Collector.runtimeconfig.json).
#
# DOTNET_GCgen0size: a 4 MiB young-generation budget instead of one sized from the CPU's cache (about 15 MB on the
# benchmark VM). At 100,000 events/s with ClickHouse: ~15 MiB less peak RSS, CPU per event within the noise
# (bench/RESULTS.md, "The core profile (issue 16)"). An operator's own value wins.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x400000}"
