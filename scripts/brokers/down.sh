#!/usr/bin/env bash
# Stops the brokers that scripts/brokers/up.sh started (never one it did not start): all of them, or only
# the state directories named as arguments (e.g. `down.sh kafka-19092` for the Kafka up.sh started on 19092).
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then dirs=("$@"); else dirs=(kafka nats $(cd .brokers 2>/dev/null && ls -d kafka-* 2>/dev/null)); fi
for name in "${dirs[@]}"; do
  pidfile=.brokers/$name/${name%%-*}.pid
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
