#!/usr/bin/env bash
# Installs the Debian packages the collector's tests need, only those missing. Run as root (CI is root).
set -euo pipefail

packages=(python3-grpcio python3-grpc-tools clickhouse-server clickhouse-client prometheus systemd)
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
