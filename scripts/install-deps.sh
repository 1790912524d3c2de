#!/usr/bin/env bash
# Installs the Debian packages the collector (and with --tests, its tests) need, only those missing. Run as root (CI is root).
set -euo pipefail

# What the collector needs to run (./run.sh): a local ClickHouse. With --tests, also what the tests drive as real
# peers: grpcio, Prometheus, ZooKeeper (the cluster tests), Chromium (the web page's tests) and systemd (its
# systemd-analyze checks the installed unit).
packages=(clickhouse-server clickhouse-client)
if [[ ${1:-} == --tests ]]; then
  packages+=(python3-grpcio python3-grpc-tools prometheus zookeeper chromium systemd)
fi
missing=()
for package in "${packages[@]}"; do
  # "install ok installed" only: a removed package can linger in dpkg with its config files.
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
