#!/usr/bin/env bash
# Installs what is missing, then starts Beacon on embedded defaults (PGlite in ./data,
# in-process bus) with the demo city, plus the demo simulator so the map has life in it.
# Set DATABASE_URL / REDIS_URL to use real servers; SIMULATOR=false to start quiet.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh

export PORT="${PORT:-8080}" HOST="${HOST:-127.0.0.1}"
# A larger young generation: a call costs many short-lived objects (SIP messages, JSON, views); measured by the call bench (BENCHMARKS.md section 6).
node --max-semi-space-size=64 --import tsx server/main.ts &
server=$!
trap 'kill $server ${sim:-} 2>/dev/null; wait' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:${PORT}/health" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { echo "beacon: server exited during start-up" >&2; exit 1; }
  sleep 0.5
done
echo "beacon: up on http://${HOST}:${PORT} (demo users: dispatcher.police / beacon, see README)" >&2

mkdir -p data
if [ "${SIMULATOR:-true}" != "false" ]; then
  BEACON_URL="http://127.0.0.1:${PORT}" node --import tsx tests/simulators/demo-city.ts > data/simulator.log 2>&1 &
  sim=$!
  echo "beacon: demo simulator running (log: data/simulator.log)" >&2
fi
wait $server
