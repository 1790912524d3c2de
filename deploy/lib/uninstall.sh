# shellcheck shell=bash
# deploy/install.sh --uninstall [--purge]: undoes an install from its manifest (/opt/collector/install-manifest).
#
# Design note: what holds state stays unless --purge says otherwise: the durable log (/var/lib/collector/data), the
# configuration and API keys (/etc/collector, so a re-install keeps its clients' keys) and the service user. ClickHouse's
# database and Debian's packages are never removed here (they may serve others); the commands to do it are printed.
# Files of other packages that an install replaced are put back from the copies it kept.

# Whether the manifest read into `entries` holds this exact line.
has_entry() {
  local line
  for line in "${entries[@]}"; do
    [ "$line" != "$1" ] || return 0
  done
  return 1
}

uninstall() {
  local manifest entries entry kind path
  manifest=$(at "$MANIFEST_PATH")
  [ -f "$manifest" ] || die "nothing to uninstall: $MANIFEST_PATH is missing (was the collector installed with deploy/install.sh?)"
  mapfile -t entries < "$manifest"

  say "uninstalling the collector${ROOT:+ under $ROOT}"
  service_ctl disable --now collector.service

  for entry in "${entries[@]}"; do
    kind=${entry%% *}
    path=${entry#* }
    case "$kind" in
      backup)
        if [ -f "$(at "$path.before-collector")" ]; then
          mv -f "$(at "$path.before-collector")" "$(at "$path")"
          say "  restored $path"
        fi
        ;;
      file)
        case "$path" in
          /etc/collector/*) [ "$PURGE" = 1 ] || continue ;;
        esac
        # A file a backup line restored is that package's again, not ours to delete.
        ! has_entry "backup $path" || continue
        if [ -e "$(at "$path")" ]; then
          rm -f "$(at "$path")"
          say "  removed $path"
          remove_empty_parents "$(dirname "$path")"
        fi
        ;;
    esac
  done

  rm -rf "$(at /var/lib/collector/grafana)"
  rm -rf "$(at /opt/collector)"
  say "  removed /opt/collector (every installed version)"
  service_ctl daemon-reload
  if has_entry "backup /etc/prometheus/prometheus.yml"; then
    service_ctl try-restart prometheus.service
  fi

  if [ "$PURGE" = 1 ]; then
    rm -rf "$(at /var/lib/collector)" "$(at /etc/collector)"
    say "  purged /var/lib/collector (the durable log) and /etc/collector (configuration, API keys)"
    if [ -n "$ROOT" ] || id collector > /dev/null 2>&1; then
      host_run userdel collector
    fi
  else
    say "  kept /var/lib/collector (the durable log) and /etc/collector (configuration, API keys); --purge removes them"
  fi
  # Only the local profile installed Debian's packages and wrote Prometheus's files.
  if has_entry "backup /etc/prometheus/prometheus.yml" || has_entry "file /etc/prometheus/prometheus.yml"; then
    say "not removed: ClickHouse's database and Debian's packages. If you want them gone:"
    say "  clickhouse-client -q 'DROP DATABASE telemetry'"
    say "  apt-get remove clickhouse-server clickhouse-client prometheus"
  fi
}

# Directories an install made for its files (/etc/grafana/provisioning/... on a host without Grafana) go with their
# last file; a directory that holds anything else stays, and the top directories (/etc, /var/lib, /opt) always do.
remove_empty_parents() {
  local dir=$1
  while case "$dir" in / | /etc | /var | /var/lib | /opt) false ;; *) true ;; esac; do
    rmdir "$(at "$dir")" 2> /dev/null || return 0
    dir=$(dirname "$dir")
  done
}
