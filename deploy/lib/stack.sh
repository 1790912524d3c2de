# shellcheck shell=bash
# The local profile's neighbours: Debian's clickhouse-server and prometheus packages (their own service units), our
# Prometheus scrape config and alert rules, and the Grafana provisioning bundle for a Grafana already on the host.
#
# Design note: the files come from the release's deploy/ folder as they are (written alongside, not by, this script);
# one that is missing is reported and skipped, never invented. Every service stays on loopback: ClickHouse's packaged
# config listens on ::1 and 127.0.0.1 already, Prometheus is told to (its default is every interface), and the node
# exporter Debian recommends (also on every interface) is not pulled in.

LOCAL_PACKAGES=(clickhouse-server clickhouse-client prometheus)

install_local_packages() {
  if [ "$NO_PACKAGES" = 1 ]; then
    say "  --no-packages: not installing ${LOCAL_PACKAGES[*]} (they must be there already)"
    return
  fi
  host_run apt-get update -q
  host_run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${LOCAL_PACKAGES[@]}"
}

# Copies one bundle file if the release has it; says so and goes on if not.
bundle_file() {
  local src=$PACKAGE/deploy/$1 dest=$2
  if [ -f "$src" ]; then
    put_file "$src" "$dest" 0644
  else
    warn "deploy/$1 is not in this release; skipped ($dest not written)"
  fi
}

install_prometheus_files() {
  keep_original /etc/prometheus/prometheus.yml
  bundle_file prometheus/prometheus.yml /etc/prometheus/prometheus.yml
  # Beside prometheus.yml, so the config names it by a relative path.
  bundle_file prometheus/collector-alerts.yml /etc/prometheus/collector-alerts.yml

  local defaults=/etc/default/prometheus
  keep_original "$defaults"
  if [ -f "$(at "$defaults")" ] && grep -q '^ARGS=' "$(at "$defaults")"; then
    sed -i 's|^ARGS=.*|ARGS="--web.listen-address=127.0.0.1:9090"|' "$(at "$defaults")"
    record file "$defaults"
    say "  set Prometheus to listen on 127.0.0.1:9090 only ($defaults)"
  else
    printf 'ARGS="--web.listen-address=127.0.0.1:9090"\n' | put_text "$defaults" 0644
  fi

  if [ -z "$ROOT" ] && command -v promtool > /dev/null && [ -f /etc/prometheus/prometheus.yml ]; then
    promtool check config /etc/prometheus/prometheus.yml ||
      die "promtool rejects /etc/prometheus/prometheus.yml; Debian's original is /etc/prometheus/prometheus.yml.before-collector"
  fi
}

install_grafana_files() {
  bundle_file grafana/provisioning/datasources/collector.yml /etc/grafana/provisioning/datasources/collector.yml
  bundle_file grafana/provisioning/dashboards/collector.yml /etc/grafana/provisioning/dashboards/collector.yml
  local dashboards=/var/lib/collector/grafana/dashboards found=0 json
  for json in "$PACKAGE"/deploy/grafana/dashboards/*.json; do
    [ -f "$json" ] || continue
    found=1
    put_file "$json" "$dashboards/$(basename "$json")" 0644
  done
  [ "$found" = 1 ] || warn "deploy/grafana/dashboards/*.json: none in this release; no dashboards installed"
  mkdir -p "$(at "$dashboards")"
  chmod 0755 "$(at /var/lib/collector/grafana)" "$(at "$dashboards")"
  if [ -z "$ROOT" ] && [ ! -d /etc/grafana ]; then
    warn "no Grafana on this host (/etc/grafana is missing): the provisioning files wait for one"
  fi
}

start_local_services() {
  service_ctl enable --now clickhouse-server.service
  service_ctl enable prometheus.service
  service_ctl restart prometheus.service
  if [ -n "$ROOT" ] || systemctl cat grafana-server.service > /dev/null 2>&1; then
    service_ctl restart grafana-server.service
  fi
}

install_local_stack() {
  say "local profile: ClickHouse, Prometheus and the Grafana bundle"
  install_local_packages
  install_prometheus_files
  install_grafana_files
}

# With API keys, the local Prometheus and Grafana must present one to read the collector: the query key goes into a
# file only they can read (never a command line, never the output), the installed scrape job names that file, and
# with TLS scrapes https. The scrape stays on loopback, so the certificate is not checked against 127.0.0.1 (an
# operator's certificate names the host's public name); the key still only travels inside this host.
wire_local_stack_to_keys() {
  local query="" name role key
  while read -r name role key; do
    [[ $name == \#* ]] && continue
    [ "$role" = query ] && { query=$key; break; }
  done < "$(at "$KEYS_PATH")"
  if [ -z "$query" ]; then
    warn "$KEYS_PATH has no key of role query: Prometheus's scrape and Grafana's Collector API data source get none (add one, then re-run)"
    return
  fi

  local scrape_key=/etc/prometheus/collector-query.key
  printf '%s\n' "$query" | put_text "$scrape_key" 0640
  own_by_group prometheus "$scrape_key"
  local config
  config=$(at /etc/prometheus/prometheus.yml)
  if [ -f "$config" ] && grep -q "^      - targets: \['127.0.0.1:4318'\]" "$config"; then
    local text extra
    text=$(cat "$config")
    extra="    authorization:
      type: Bearer
      credentials_file: $scrape_key"
    if [ -n "$TLS_CERTIFICATE" ]; then
      extra="    scheme: https
    tls_config:
      insecure_skip_verify: true
$extra"
    fi
    printf '%s\n' "${text/"      - targets: ['127.0.0.1:4318']"/"      - targets: ['127.0.0.1:4318']
$extra"}" | put_text /etc/prometheus/prometheus.yml 0644
    say "  the scrape job presents the query key ($scrape_key)${TLS_CERTIFICATE:+ over https}"
  else
    warn "/etc/prometheus/prometheus.yml has no collector job on 127.0.0.1:4318: give its scrape the key in $scrape_key yourself"
  fi

  local sources=/etc/grafana/provisioning/datasources/collector.yml
  if [ -f "$(at "$sources")" ]; then
    local text scheme=http
    [ -n "$TLS_CERTIFICATE" ] && scheme=https
    text=$(cat "$(at "$sources")")
    text=${text//"http://127.0.0.1:4318"/"$scheme://127.0.0.1:4318"}
    text=${text/"      # httpHeaderName1: Authorization"/"      httpHeaderName1: Authorization"}
    text=${text/"    # secureJsonData:"/"    secureJsonData:"}
    text=${text/"    #   httpHeaderValue1: Bearer \${COLLECTOR_QUERY_KEY}"/"      httpHeaderValue1: Bearer $query"}
    [ -n "$TLS_CERTIFICATE" ] && text=${text/"      timeoutInSeconds: 30"/"      timeoutInSeconds: 30
      tlsSkipVerify: true"}
    printf '%s\n' "$text" | put_text "$sources" 0640
    own_by_group grafana "$sources"
    say "  Grafana's Collector API data source presents the query key"
  fi
}

# root:GROUP for a 0640 secret its service reads; where that group does not exist (yet), root's alone (0600).
own_by_group() {
  local group=$1 path=$2
  if [ -n "$ROOT" ] || getent group "$group" > /dev/null; then
    own "root:$group" "$path"
  else
    chmod 0600 "$(at "$path")"
    warn "no group '$group' here: $path stays root's (0600); give it to $group once that service is installed"
  fi
}
