#!/usr/bin/env bash
# Publishes the collector as one self-contained directory for linux-x64, the unit deploy/install.sh installs:
#   scripts/publish.sh [OUT]      (default: artifacts/publish/collector-<version>)
# OUT then holds the executable `collector`, the runtime and every library beside it, appsettings.json, VERSION, and
# deploy/ (the installer, the systemd unit, the Prometheus and Grafana files), README.md and LICENSE: OUT is the
# release, and `OUT/deploy/install.sh` installs it on a host without the sources or an SDK.
#
# Design notes:
# - The version has one home, VERSION at the repository root; Collector.csproj stamps it into the assembly, so the
#   VERSION file written here and what /healthcheck answers are the same text.
# - Self-contained: the target needs no .NET installed. The runtime packs (Microsoft.NETCore.App.Runtime.linux-x64,
#   Microsoft.AspNetCore.App.Runtime.linux-x64) restore from NuGet; the apphost comes with the SDK.
# - A directory, not a single file: both start, but a directory loads every library and native .so as a plain file
#   (nothing is unpacked or mapped out of a bundle), keeps Collector.runtimeconfig.json readable and editable beside
#   the binary, and lets createdump and dotnet-dump work as usual. No trimming: gRPC, protobuf and the options
#   binder reflect over types a trimmer cannot see.
# - It builds a copy of the sources in a scratch directory: `dotnet publish -r` restores for a runtime id, and doing
#   that in the work tree would rewrite the obj/ folders a build or test run beside it is using.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$root/VERSION")
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "VERSION holds '$version'; it must be a semantic version such as 1.2.3 or 1.2.3-rc.1" >&2
  exit 2
fi

out=${1:-$root/artifacts/publish/collector-$version}
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Never empty a directory that is not an earlier publish: OUT is replaced whole below.
if [ -n "$(ls -A "$out")" ] && [ ! -f "$out/VERSION" ]; then
  echo "$out is not empty and holds no VERSION file (not an earlier publish); refusing to replace it" >&2
  exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/collector-publish.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# The inputs of the build, without anyone's bin/ and obj/.
tar -C "$root" --exclude=bin --exclude=obj -cf - \
  src proto VERSION Directory.Build.props Directory.Packages.props global.json .editorconfig \
  | tar -C "$scratch" -xf -

# No build servers left behind (MSBuild nodes, the shared compiler): the script ends with nothing of its own running.
dotnet publish "$scratch/src/Collector/Collector.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishSingleFile=false -p:PublishTrimmed=false -p:UseSharedCompilation=false -nodeReuse:false \
  -o "$scratch/out" -nologo -v quiet

# The operator-facing name; the apphost finds Collector.dll by the name built into it, not by its own file name.
mv "$scratch/out/Collector" "$scratch/out/collector"
printf '%s\n' "$version" > "$scratch/out/VERSION"
cp -a "$root/deploy" "$root/README.md" "$root/LICENSE" "$scratch/out/"

find "$out" -mindepth 1 -delete
cp -a "$scratch/out/." "$out/"
echo "published collector $version (self-contained, linux-x64) to $out ($(du -sh "$out" | cut -f1))"
