#!/usr/bin/env bash
# Installs a published collector (scripts/publish.sh) as a systemd service, in one of three profiles:
#   none    the collector alone, on loopback, no telemetry of its own            (the default)
#   remote  the collector forwarding to an upstream collector or OTLP endpoint, its own telemetry to an OTLP endpoint
#   local   the collector storing into a local ClickHouse, scraped by a local Prometheus, with Grafana's bundle
# Run with no flags on a terminal it asks what it needs; --yes takes the flags alone. --help lists them.
#
# Design note: safe by default. Everything listens on loopback; a listener beyond loopback needs TLS (a certificate
# and key) and gets API keys, or the install is refused before anything is written. The release goes to
# /opt/collector/<version> with /opt/collector/current pointing at it, so an upgrade installs the new version beside
# the old, moves the link and restarts, and a rollback moves it back; data (/var/lib/collector) and configuration
# (/etc/collector) outlive both. --root DIR writes every file under DIR and only prints the system commands (apt-get,
# useradd, chown, systemctl), which is how the tests run it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/lib/common.sh
. "$here/lib/common.sh"
# shellcheck source=deploy/lib/config.sh
. "$here/lib/config.sh"
# shellcheck source=deploy/lib/stack.sh
. "$here/lib/stack.sh"
# shellcheck source=deploy/lib/uninstall.sh
. "$here/lib/uninstall.sh"

usage() {
  cat <<'USAGE'
usage: deploy/install.sh [--mode none|remote|local] [options]      install or re-install
       deploy/install.sh --upgrade [--package DIR]                  install a new version, switch to it, restart
       deploy/install.sh --uninstall [--purge]                      remove it (keeps data and config unless --purge)

  --mode MODE              none (default), remote or local
  --upstream-url URL       remote: where to forward (http:// or https://)
  --upstream-kind KIND     remote: collector (default; exactly once) or otlp (OTLP/gRPC)
  --otel-endpoint URL      remote: OTLP endpoint for the collector's own traces and metrics
  --otel-protocol P        grpc (default) or http/protobuf
  --listen ADDR            address of both listeners (default 127.0.0.1); beyond loopback needs --tls-certificate
                           and --tls-key, and API keys are generated
  --tls-certificate PATH   PEM certificate (a path on the target host)
  --tls-key PATH           PEM private key
  --api-keys               generate API keys even on loopback
  --node-id ID             this collector's id (default: derived from the host name at first start)
  --package DIR            the published release (default: the release this script sits in, else
                           artifacts/publish/collector-<VERSION> of the source tree)
  --root DIR               write every file under DIR; print system commands instead of running them
  --no-packages            do not apt-get install ClickHouse and Prometheus (local mode)
  --yes, -y                do not ask; take the flags and the defaults
The upstream's API key, if it needs one, comes from the environment: COLLECTOR_UPSTREAM_API_KEY.
USAGE
}

MODE="" UPSTREAM_URL="" UPSTREAM_KIND="" OTEL_ENDPOINT="" OTEL_PROTOCOL=grpc LISTEN="" TLS_CERTIFICATE="" TLS_KEY=""
WANT_KEYS=0 NODE_ID="" PACKAGE="" ROOT="" NO_PACKAGES=0 YES=0 ACTION=install PURGE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE=${2:?--mode needs a value}; shift ;;
    --upstream-url) UPSTREAM_URL=${2:?--upstream-url needs a value}; shift ;;
    --upstream-kind) UPSTREAM_KIND=${2:?--upstream-kind needs a value}; shift ;;
    --otel-endpoint) OTEL_ENDPOINT=${2:?--otel-endpoint needs a value}; shift ;;
    --otel-protocol) OTEL_PROTOCOL=${2:?--otel-protocol needs a value}; shift ;;
    --listen) LISTEN=${2:?--listen needs a value}; shift ;;
    --tls-certificate) TLS_CERTIFICATE=${2:?--tls-certificate needs a value}; shift ;;
    --tls-key) TLS_KEY=${2:?--tls-key needs a value}; shift ;;
    --api-keys) WANT_KEYS=1 ;;
    --node-id) NODE_ID=${2:?--node-id needs a value}; shift ;;
    --package) PACKAGE=${2:?--package needs a value}; shift ;;
    --root) ROOT=${2:?--root needs a value}; shift ;;
    --no-packages) NO_PACKAGES=1 ;;
    --yes | -y) YES=1 ;;
    --upgrade) ACTION=upgrade ;;
    --uninstall) ACTION=uninstall ;;
    --purge) PURGE=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done

if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" != / ] || ROOT=""
fi
if [ -z "$ROOT" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (or with --root DIR to write into a scratch directory)"
fi
INTERACTIVE=0
if [ "$YES" = 0 ] && [ -t 0 ] && [ -r /dev/tty ]; then
  INTERACTIVE=1
fi

if [ "$ACTION" = uninstall ]; then
  uninstall
  exit 0
fi

# The release: this script's own (inside a published directory), else the source tree's latest publish.
if [ -z "$PACKAGE" ]; then
  if [ -x "$here/../collector" ] && [ -f "$here/../VERSION" ]; then
    PACKAGE=$(cd "$here/.." && pwd)
  else
    PACKAGE="$here/../artifacts/publish/collector-$(tr -d '[:space:]' < "$here/../VERSION")"
  fi
fi
if [ ! -x "$PACKAGE/collector" ] || [ ! -f "$PACKAGE/VERSION" ]; then
  die "no published collector in $PACKAGE; make one with scripts/publish.sh (or pass --package DIR)"
fi
PACKAGE=$(cd "$PACKAGE" && pwd)
VERSION=$(tr -d '[:space:]' < "$PACKAGE/VERSION")

# Copies the release to /opt/collector/<version> and points /opt/collector/current at it.
install_release() {
  local dest=/opt/collector/$VERSION
  rm -rf "$(at "$dest.new")"
  mkdir -p "$(at /opt/collector)"
  cp -a "$PACKAGE" "$(at "$dest.new")"
  rm -rf "$(at "$dest")"
  mv "$(at "$dest.new")" "$(at "$dest")"
  # A relative link, renamed into place, so no moment exists without one and it holds under --root too.
  ln -sfn "$VERSION" "$(at /opt/collector/current.new)"
  mv -T "$(at /opt/collector/current.new)" "$(at /opt/collector/current)"
  say "  installed $dest; /opt/collector/current -> $VERSION"
}

install_unit() {
  put_file "$PACKAGE/deploy/systemd/collector.service" /etc/systemd/system/collector.service 0644
  service_ctl daemon-reload
}

if [ "$ACTION" = upgrade ]; then
  [ -L "$(at /opt/collector/current)" ] || die "no installed collector to upgrade (/opt/collector/current is missing)"
  previous=$(readlink "$(at /opt/collector/current)")
  say "upgrading the collector from $previous to $VERSION${ROOT:+ under $ROOT}"
  install_release
  install_unit
  service_ctl restart collector.service
  say "done. Configuration, keys and data are unchanged. To go back:"
  say "  ln -sfn $previous /opt/collector/current && systemctl restart collector"
  exit 0
fi

# --- what to install: flags, else questions ---
[ -n "$MODE" ] || MODE=$(ask "profile: none (collector alone), remote (forward upstream) or local (ClickHouse + Prometheus)" none)
case "$MODE" in none | remote | local) ;; *) die "--mode must be none, remote or local, not '$MODE'" ;; esac

if [ "$MODE" = remote ]; then
  [ -n "$UPSTREAM_URL" ] || UPSTREAM_URL=$(ask "upstream url (http://host:4317 or https://host:4317)")
  [ -n "$UPSTREAM_KIND" ] || UPSTREAM_KIND=$(ask "upstream kind: collector or otlp" collector)
  [ -n "$OTEL_ENDPOINT" ] || OTEL_ENDPOINT=$(ask "OTLP endpoint for the collector's own telemetry (empty: none)")
  [[ $UPSTREAM_URL =~ ^https?://[^[:space:]]+$ ]] || die "remote mode needs --upstream-url http://... or https://..."
  case "$UPSTREAM_KIND" in collector | otlp) ;; *) die "--upstream-kind must be collector or otlp" ;; esac
  [ -z "$OTEL_ENDPOINT" ] || [[ $OTEL_ENDPOINT =~ ^https?://[^[:space:]]+$ ]] || die "--otel-endpoint must be an http:// or https:// url"
  [ -n "$OTEL_ENDPOINT" ] || warn "no --otel-endpoint: the collector sends no telemetry of its own"
  upstream_host=${UPSTREAM_URL#*://}
  upstream_host=${upstream_host%%[:/]*}
  if [[ $UPSTREAM_URL == http://* ]] && ! is_loopback "$upstream_host"; then
    warn "$UPSTREAM_URL is cleartext: events (and any upstream key) cross the network unencrypted; prefer https://"
  fi
  case "$OTEL_PROTOCOL" in grpc | http/protobuf) ;; *) die "--otel-protocol must be grpc or http/protobuf" ;; esac
elif [ -n "$UPSTREAM_URL$UPSTREAM_KIND$OTEL_ENDPOINT" ]; then
  die "--upstream-url, --upstream-kind and --otel-endpoint belong to --mode remote"
fi

[ -n "$LISTEN" ] || LISTEN=$(ask "listen address (127.0.0.1 keeps it on this host)" 127.0.0.1)
if { [ -n "$TLS_CERTIFICATE" ] && [ -z "$TLS_KEY" ]; } || { [ -z "$TLS_CERTIFICATE" ] && [ -n "$TLS_KEY" ]; }; then
  die "--tls-certificate and --tls-key go together"
fi
if ! is_loopback "$LISTEN"; then
  [ -n "$TLS_CERTIFICATE" ] ||
    die "refusing to listen on $LISTEN without TLS: a port beyond loopback needs --tls-certificate and --tls-key (and gets API keys)"
  WANT_KEYS=1
fi
for file in "$TLS_CERTIFICATE" "$TLS_KEY"; do
  [ -z "$file" ] || [ -f "$(at "$file")" ] || die "$file does not exist${ROOT:+ under $ROOT}"
done
# The installer leaves the operator's certificate files as they are; the service reads them as its own user.
[ -z "$TLS_KEY" ] || say "note: the collector user must be able to read $TLS_CERTIFICATE and $TLS_KEY (e.g. chgrp collector, chmod 0640)"

# Where this host reaches its own listeners (a wildcard address is no destination).
CHECK_HOST=$LISTEN
case "$LISTEN" in 0.0.0.0 | ::) CHECK_HOST=127.0.0.1 ;; esac
if [ "$MODE" = local ] && [ "$INTERACTIVE" = 1 ]; then
  answer=$(ask "local mode installs and runs ClickHouse and Prometheus here (about 1 GiB of memory more); go on? yes/no" no)
  [ "$answer" = yes ] || die "stopped; nothing was installed"
fi

# --- install ---
say "installing collector $VERSION, profile $MODE${ROOT:+, under $ROOT}"
[ "$MODE" != local ] || install_local_stack
if [ -n "$ROOT" ] || ! id collector > /dev/null 2>&1; then
  host_run useradd --system --user-group --home-dir /var/lib/collector --no-create-home --shell /usr/sbin/nologin collector
fi
install_release
mkdir -p "$(at "$DATA_PATH")"
chmod 0755 "$(at /var/lib/collector)"
chmod 0750 "$(at "$DATA_PATH")"
own collector:collector /var/lib/collector
own collector:collector "$DATA_PATH"
[ "$WANT_KEYS" = 0 ] || write_api_keys
[ "$MODE" != local ] || [ "$WANT_KEYS" = 0 ] || wire_local_stack_to_keys
write_config
install_unit
# ClickHouse first, so the collector's first insert finds it.
[ "$MODE" != local ] || start_local_services
service_ctl enable collector.service
service_ctl restart collector.service

cat <<DONE

done: collector $VERSION is installed as the systemd service 'collector' (user collector).
  release        /opt/collector/$VERSION   (/opt/collector/current points at it)
  configuration  $CONFIG_PATH$([ "$WANT_KEYS" = 1 ] && printf '\n  API keys       %s' "$KEYS_PATH")
  durable log    $DATA_PATH
  listeners      gRPC $(listen_url 4317), HTTP $(listen_url 4318)
  web page       $(LISTEN=$CHECK_HOST listen_url 4318)/$([ "$MODE" = local ] && printf '\n  ClickHouse     http://127.0.0.1:8123, database telemetry (Debian'"'"'s clickhouse-server service)\n  Prometheus     http://127.0.0.1:9090, scraping the collector, with its alert rules (/etc/prometheus/collector-alerts.yml)\n  Grafana        provisioning in /etc/grafana/provisioning, dashboards in /var/lib/collector/grafana/dashboards (needs the Infinity plugin for the telemetry dashboard)')
check it:    curl -s$([ -n "$TLS_CERTIFICATE" ] && printf k) $(LISTEN=$CHECK_HOST listen_url 4318)/healthcheck
logs:        journalctl -u collector
upgrade:     scripts/publish.sh && deploy/install.sh --upgrade
undo:        $(at /opt/collector/current)/deploy/install.sh --uninstall${ROOT:+ --root $ROOT}   (keeps data and config; --purge removes them)
DONE
