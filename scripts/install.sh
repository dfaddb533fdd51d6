#!/usr/bin/env bash
# Installs what Beacon needs on a fresh Debian 12 machine: Node packages (npm ci, skipped
# when the lock file has not changed since the last install). Idempotent; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[install] %s\n' "$*" >&2; }

command -v node >/dev/null || { log "Node.js 20 is required (https://nodejs.org or Debian's nodejs)"; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { log "Node.js >= 20 is required, found $(node -v)"; exit 1; }

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
