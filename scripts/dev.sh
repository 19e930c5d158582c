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

ensure_redis() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then return; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "redis-server is missing; install it with: apt-get install -y redis-server redis-tools" >&2
      exit 1
    fi
  fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server and redis-tools from the system packages" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >&2
  else
    echo "redis-server is missing: install Redis 6.2 or newer (brew install redis, dnf install redis, ...)" >&2
    exit 1
  fi
  # The package starts a system-wide server on 6379; tests and the demo start their own.
  if command -v service >/dev/null 2>&1; then $sudo service redis-server stop >/dev/null 2>&1 || true; fi
}

# The status page test drives a real headless Chromium.
ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then return; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "chromium is missing; install it with: apt-get install -y chromium" >&2
      exit 1
    fi
  fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium from the system packages" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2
  else
    echo "chromium is missing: install Chromium so that /usr/bin/chromium exists" >&2
    exit 1
  fi
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
