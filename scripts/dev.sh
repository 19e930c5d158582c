#!/usr/bin/env bash
# One entry point that sets up a fresh Debian machine and runs the demo or the tests:
#   bash scripts/dev.sh demo    # installs what is missing, then: deno task demo
#   bash scripts/dev.sh test    # installs what is missing, then: deno task test
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6

ensure_deno() {
  if command -v deno >/dev/null 2>&1; then return; fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "deno is missing and npm is not there to install it: install Node.js or see https://deno.com" >&2
    exit 1
  fi
  echo "installing deno $DENO_VERSION with npm" >&2
  npm install -g "deno@$DENO_VERSION" >&2
}

# Root, or sudo when there is one; "missing" when neither.
sudo_prefix() {
  if [ "$(id -u)" -eq 0 ]; then echo ""; elif command -v sudo >/dev/null 2>&1; then echo "sudo"; else echo "missing"; fi
}

# apt_install "what is missing" "how to get it elsewhere" PACKAGE...
apt_install() {
  local what="$1" elsewhere="$2"
  shift 2
  local sudo
  sudo=$(sudo_prefix)
  if [ "$sudo" = "missing" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "$what is missing: $elsewhere (Debian/Ubuntu: apt-get install -y $*)" >&2
    exit 1
  fi
  echo "installing $* from the system packages" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

ensure_redis() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then return; fi
  apt_install redis-server "install Redis 6.2 or newer (brew install redis, dnf install redis, ...)" \
    redis-server redis-tools
  # The package starts a system-wide server on 6379; tests and the demo start their own.
  if command -v service >/dev/null 2>&1; then $(sudo_prefix) service redis-server stop >/dev/null 2>&1 || true; fi
}

# The status page test drives a real headless Chromium.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  apt_install chromium "install Chromium so that /usr/bin/chromium exists" chromium
}

case "${1:-}" in
  demo)
    ensure_deno
    ensure_redis
    shift
    exec deno task demo "$@"
    ;;
  test)
    ensure_deno
    ensure_redis
    ensure_chromium
    shift
    exec deno task test "$@"
    ;;
  *)
    echo "usage: bash scripts/dev.sh demo|test" >&2
    exit 2
    ;;
esac
