# shellcheck shell=bash
# Writes the collector's one configuration file, /etc/collector/collector.json, and its API keys file.
#
# Design note: settings go into collector.json (0640, readable by the service's group only); secrets never appear in
# a command line (they would show in `ps`) nor in the installer's output when that output is not a terminal (it may
# be a CI log): generated keys are written to /etc/collector/api-keys (0600, the service user's) and printed only to a
# terminal. An existing keys file is kept, so a re-install does not lock out the clients that hold its keys.

KEYS_PATH=/etc/collector/api-keys
CONFIG_PATH=/etc/collector/collector.json
DATA_PATH=/var/lib/collector/data

# A JSON string literal; control characters are refused rather than escaped (no setting needs one).
json_string() {
  local s=$1
  if [[ $s =~ [[:cntrl:]] ]]; then
    die "a setting holds a control character: $(printf '%q' "$s")"
  fi
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# 48 hex digits (192 bits) from the kernel's generator; only shell builtins see the value.
new_key() {
  local key
  key=$(od -vAn -N24 -tx1 /dev/urandom)
  key=${key//[[:space:]]/}
  printf '%s' "$key"
}

write_api_keys() {
  if [ -f "$(at "$KEYS_PATH")" ]; then
    say "  kept the existing $KEYS_PATH (its keys stay valid)"
    record file "$KEYS_PATH"
    return
  fi
  local admin ingest query
  admin=$(new_key)
  ingest=$(new_key)
  query=$(new_key)
  put_text "$KEYS_PATH" 0600 <<KEYS
# name      role    key   (written by deploy/install.sh; one 'name role key' per line, see the README's Security)
admin       admin   $admin
ingest      ingest  $ingest
query       query   $query
KEYS
  own collector:collector "$KEYS_PATH"
  if [ -t 1 ]; then
    say ""
    say "  API keys (shown this once; they stay in $KEYS_PATH, readable by root and the collector user):"
    say "    admin   $admin"
    say "    ingest  $ingest"
    say "    query   $query"
    say ""
  else
    say "  generated three API keys (admin, ingest, query); the output is no terminal, so they are not shown:"
    say "  read them with: sudo cat $KEYS_PATH"
  fi
}

# The listener url for a port: https when a certificate is given, an IPv6 address in brackets.
listen_url() {
  local port=$1 scheme=http host=$LISTEN
  [ -n "$TLS_CERTIFICATE" ] && scheme=https
  [[ $host == *:* ]] && host="[$host]"
  printf '%s://%s:%s' "$scheme" "$host" "$port"
}

write_config() {
  local settings=()
  settings+=("\"GrpcUrl\": $(json_string "$(listen_url 4317)")")
  settings+=("\"HttpUrl\": $(json_string "$(listen_url 4318)")")
  settings+=("\"DataDir\": $(json_string "$DATA_PATH")")
  [ -n "$NODE_ID" ] && settings+=("\"NodeId\": $(json_string "$NODE_ID")")
  if [ -n "$TLS_CERTIFICATE" ]; then
    settings+=("\"TlsCertificate\": $(json_string "$TLS_CERTIFICATE")")
    settings+=("\"TlsKey\": $(json_string "$TLS_KEY")")
  fi
  [ "$WANT_KEYS" = 1 ] && settings+=("\"ApiKeysFile\": $(json_string "$KEYS_PATH")")
  case "$MODE" in
    remote)
      settings+=("\"UpstreamUrl\": $(json_string "$UPSTREAM_URL")")
      settings+=("\"UpstreamKind\": $(json_string "$UPSTREAM_KIND")")
      # The upstream's key comes from the environment, never a flag; it lands in this 0640 file only.
      [ -n "${COLLECTOR_UPSTREAM_API_KEY:-}" ] &&
        settings+=("\"UpstreamHeaders\": $(json_string "authorization=Bearer $COLLECTOR_UPSTREAM_API_KEY")")
      if [ -n "$OTEL_ENDPOINT" ]; then
        settings+=("\"OtelEndpoint\": $(json_string "$OTEL_ENDPOINT")")
        settings+=("\"OtelProtocol\": $(json_string "$OTEL_PROTOCOL")")
      fi
      ;;
    local)
      settings+=("\"ClickHouseUrl\": \"http://127.0.0.1:8123\"")
      settings+=("\"ClickHouseDatabase\": \"telemetry\"")
      ;;
  esac

  if [ -f "$(at "$CONFIG_PATH")" ]; then
    cp -a "$(at "$CONFIG_PATH")" "$(at "$CONFIG_PATH.previous")"
    say "  the previous $CONFIG_PATH is now $CONFIG_PATH.previous"
  fi
  local body="" setting
  for setting in "${settings[@]}"; do
    body+="${body:+,
}    $setting"
  done
  put_text "$CONFIG_PATH" 0640 <<JSON
{
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } },
  "Collector": {
$body
  }
}
JSON
  own root:collector "$CONFIG_PATH"
}
