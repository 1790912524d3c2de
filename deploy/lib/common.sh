# shellcheck shell=bash
# Helpers every part of deploy/install.sh uses: messages, the --root prefix, system commands that a --root run only
# prints, and the manifest of what was installed (read back by --uninstall).
#
# Design note: every path the installer writes goes through `at` (the --root prefix), and every command that changes
# the host outside those paths (apt-get, useradd, chown to the service user, systemctl) goes through `host_run`,
# which under --root prints the command instead. So a --root run touches nothing but its scratch directory.

say() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

# The on-disk place of a target path: the path itself, or under --root.
at() { printf '%s%s' "$ROOT" "$1"; }

# Runs a command that acts on the host itself; under --root only says what it would run.
host_run() {
  if [ -n "$ROOT" ]; then
    say "  would run: $*"
  else
    "$@"
  fi
}

# systemctl, where systemd runs: a container without it gets the installed files and the command to start by hand.
service_ctl() {
  if [ -z "$ROOT" ] && [ ! -d /run/systemd/system ]; then
    warn "systemd is not running here; skipped: systemctl $*"
  else
    host_run systemctl "$@"
  fi
}

# chown to the service user exists only on a real host (under --root the user was never made).
own() {
  local owner=$1 path=$2
  if [ -n "$ROOT" ]; then
    say "  would run: chown $owner $path"
  else
    chown "$owner" "$(at "$path")"
  fi
}

MANIFEST_PATH=/opt/collector/install-manifest

# Remembers a path the installer made (file) or replaced after keeping the old one (backup), for --uninstall.
record() {
  local kind=$1 path=$2
  mkdir -p "$(at /opt/collector)"
  if ! grep -qxF "$kind $path" "$(at "$MANIFEST_PATH")" 2>/dev/null; then
    printf '%s %s\n' "$kind" "$path" >> "$(at "$MANIFEST_PATH")"
  fi
}

# Copies SRC to the target path DEST with MODE, making its directory.
put_file() {
  local src=$1 dest=$2 mode=$3
  mkdir -p "$(dirname "$(at "$dest")")"
  install -m "$mode" "$src" "$(at "$dest")"
  record file "$dest"
  say "  wrote $dest ($mode)"
}

# Writes stdin to the target path DEST with MODE; the file never exists with looser permissions, even for a moment.
put_text() {
  local dest=$1 mode=$2 tmp
  mkdir -p "$(dirname "$(at "$dest")")"
  tmp=$(umask 077 && mktemp "$(at "$dest").XXXXXX")
  cat > "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$(at "$dest")"
  record file "$dest"
  say "  wrote $dest ($mode)"
}

# Keeps a copy of a file the installer is about to replace (a package's own config), once, for --uninstall.
keep_original() {
  local path=$1
  if [ -f "$(at "$path")" ] && [ ! -f "$(at "$path.before-collector")" ]; then
    cp -a "$(at "$path")" "$(at "$path.before-collector")"
    record backup "$path"
    say "  kept the original $path as $path.before-collector"
  fi
}

# A loopback listen address (no API keys or TLS needed for it).
is_loopback() {
  case "$1" in
    127.* | ::1 | localhost) return 0 ;;
    *) return 1 ;;
  esac
}

# Asks QUESTION on the terminal when interactive; prints the answer, or DEFAULT when there is no terminal.
ask() {
  local question=$1 default=${2:-} answer
  if [ "$INTERACTIVE" != 1 ]; then
    printf '%s' "$default"
    return
  fi
  read -r -p "$question${default:+ [$default]}: " answer < /dev/tty
  printf '%s' "${answer:-$default}"
}
