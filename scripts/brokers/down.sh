#!/usr/bin/env bash
# Stops the brokers that scripts/brokers/up.sh started (never one it did not start).
set -uo pipefail
cd "$(dirname "$0")/../.."
for name in kafka nats; do
  pidfile=.brokers/$name/$name.pid
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    echo "$name: stopped (pid $pid)"
  fi
  rm -f "$pidfile"
done
