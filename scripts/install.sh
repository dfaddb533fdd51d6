#!/usr/bin/env bash
# Installs what Beacon needs on a fresh Debian 12 machine, skipping what is already there:
# Node packages (from package-lock.json), mediasoup's media worker (built once against
# Debian's libraries and cached, see scripts/install-mediasoup.sh) and the built browser apps
# (client/dist), Debian's ffmpeg for body-camera recording and Kamailio for the SIP edge.
# `--for-tests` also installs Debian's Chromium for the end-to-end tests and sipp for the SIP tests.
# Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[install] %s\n' "$*" >&2; }

command -v node >/dev/null || { log "Node.js 20 is required (https://nodejs.org or Debian's nodejs)"; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { log "Node.js >= 20 is required, found $(node -v)"; exit 1; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then log "need root to apt-get install $*; run: sudo apt-get install -y $*"; exit 1; fi
  log "apt-get install $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ "${1:-}" = "--for-tests" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
# ffmpeg records body cameras (without it the server runs and records nothing; MEDIA_RECORDING).
if [ ! -x /usr/bin/ffmpeg ] || [ ! -x /usr/bin/ffprobe ]; then
  apt_install ffmpeg
fi
# Kamailio is the SIP edge (config/kamailio/); the server starts its own instance, so apt must
# not start Debian's service: policy-rc.d says no for the length of the install.
kamailio_modules=/usr/lib/x86_64-linux-gnu/kamailio/modules
if [ ! -x /usr/sbin/kamailio ] || [ ! -f "$kamailio_modules/websocket.so" ] || [ ! -f "$kamailio_modules/db_postgres.so" ]; then
  no_services=0
  if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" -eq 0 ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_services=1
  fi
  apt_install kamailio kamailio-websocket-modules kamailio-postgres-modules
  if [ "$no_services" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# sipp drives the SIP edge tests.
if [ "${1:-}" = "--for-tests" ] && [ ! -x /usr/bin/sipp ]; then
  apt_install sip-tester
fi

stamp=node_modules/.beacon-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  log "node packages up to date"
else
  # `npm ci` refuses this lock file here: the registry mirror lacks other platforms' optional
  # binaries (e.g. @swc/core-darwin-arm64), which npm ci insists on finding. `npm install`
  # installs the locked versions all the same and leaves the lock file as it is.
  log "installing node packages (npm install from package-lock.json)"
  npm install --no-audit --no-fund --no-save --loglevel=error
  echo "$want" > "$stamp"
fi

# The media worker: idempotent, seconds when present or cached, about 5 minutes when built.
# Without it the server still runs, with media unavailable (MEDIA_ENABLED in README).
scripts/install-mediasoup.sh

client_hash=$( (cat package-lock.json; find client server/protocol config/seed -type f -not -path 'client/dist/*' | sort | xargs cat) | sha256sum | cut -d' ' -f1)
if [ -f client/dist/.build-hash ] && [ "$(cat client/dist/.build-hash)" = "$client_hash" ]; then
  log "browser apps up to date"
else
  log "building the browser apps (vite)"
  npx vite build --config client/vite.config.mts --logLevel warn
  echo "$client_hash" > client/dist/.build-hash
fi
