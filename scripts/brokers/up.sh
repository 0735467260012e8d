#!/usr/bin/env bash
# Brings up the real brokers the tests use, when they are not already serving (idempotent):
#   Apache Kafka (KRaft, one node) on EVENTBUS_KAFKA_BROKERS (default 127.0.0.1:9092; its controller on the
#   next port, or EVENTBUS_KAFKA_CONTROLLER_PORT), version EVENTBUS_KAFKA_VERSION (default 4.4.0; 3.9.2 is the
#   tested 3.x line), run with the machine's Java from Maven Central jars (see kafka-jars.sh). When a Kafka
#   already serves there, the jars are still fetched (Java and Maven permitting) for the tests that start
#   brokers of their own;
#   nats-server with JetStream on 127.0.0.1:4222 (the running one, else the installed binary);
#   PostgreSQL 13+ on 127.0.0.1:5432 with trust auth for user postgres (the running one, else the Debian
#   `postgresql` cluster, started or installed). A running PostgreSQL is never stopped or reconfigured.
# Waits until each really serves, logs under .brokers/ (.brokers/kafka for port 9092, .brokers/kafka-<port>
# otherwise), prints how long it took.
# Exits non-zero with what is missing and how to get it when a broker cannot be started.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE=$ROOT/.brokers
mkdir -p "$STATE"
started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }
fail() { echo "brokers:up: $*" >&2; exit 1; }

up_kafka() {
  local address=${EVENTBUS_KAFKA_BROKERS:-127.0.0.1:9092}
  if node scripts/brokers/check-kafka.mjs 8000; then
    echo "kafka: already serving on $address ($(elapsed))"
    # Tests that start brokers of their own need the jars anyway; fetch them now when Java and Maven are
    # there (those tests fetch them themselves otherwise).
    if command -v java >/dev/null && command -v mvn >/dev/null; then
      bash scripts/brokers/kafka-jars.sh >/dev/null || echo "kafka: could not fetch the jars (see above)" >&2
    fi
    return
  fi
  [[ $address =~ ^(127\.0\.0\.1|localhost):([0-9]+)$ ]] \
    || fail "kafka: nothing serves on $address and only a broker on 127.0.0.1:<port> can be started here"
  local port=${BASH_REMATCH[2]}
  local controller_port=${EVENTBUS_KAFKA_CONTROLLER_PORT:-$((port + 1))}
  local version=${EVENTBUS_KAFKA_VERSION:-4.4.0}
  command -v java >/dev/null || fail "kafka: Java 17+ is required (apt-get install openjdk-17-jre-headless), or run Kafka yourself and set EVENTBUS_KAFKA_BROKERS"
  local dir=$STATE/kafka
  [ "$port" = 9092 ] || dir=$STATE/kafka-$port
  mkdir -p "$dir"
  local jars libs log_flag
  jars=$(bash scripts/brokers/kafka-jars.sh) || fail "kafka: the Kafka $version jars are missing (see above)"
  libs=$(sed -n 1p <<<"$jars")
  log_flag=$(sed -n 2p <<<"$jars")
  if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
    echo "kafka: process $(cat "$dir/kafka.pid") is running but not serving yet; waiting"
  else
    local data
    data=$(mktemp -d "${TMPDIR:-/tmp}/eventbus-kafka-XXXXXX")
    sed -e "s#@DATA_DIR@#$data#" -e "s#9092#$port#g" -e "s#9093#$controller_port#g" \
      scripts/brokers/kafka-server.properties >"$dir/server.properties"
    local cp="$libs/*"
    local cluster_id
    cluster_id=$(java -cp "$cp" "$log_flag" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java -cp "$cp" "$log_flag" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
      || fail "kafka: storage format failed, see $dir/format.log"
    echo "kafka: starting Kafka $version on 127.0.0.1:$port (data in $data, log in $dir/kafka.log)"
    KAFKA_LOG_DIR=$dir nohup java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true \
      "$log_flag" -Dkafka.logs.dir="$dir" \
      -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/kafka.log" 2>&1 &
    echo $! >"$dir/kafka.pid"
  fi
  for _ in $(seq 1 60); do
    if node scripts/brokers/check-kafka.mjs 10000; then
      echo "kafka: serving on 127.0.0.1:$port ($(elapsed))"
      return
    fi
    kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null || fail "kafka: the broker exited, see $dir/kafka.log"
    sleep 1
  done
  fail "kafka: not serving after 60 attempts, see $dir/kafka.log"
}

up_nats() {
  if node scripts/brokers/check-nats.mjs; then
    echo "nats: JetStream already serving on ${EVENTBUS_NATS_SERVERS:-nats://127.0.0.1:4222} ($(elapsed))"
    return
  fi
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "nats: installing the nats-server Debian package..."
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server) >"$STATE/nats-install.log" 2>&1 \
        || fail "nats: apt-get install nats-server failed, see $STATE/nats-install.log"
    else
      fail "nats: nats-server is not installed (apt-get install nats-server, or run it with -js and set EVENTBUS_NATS_SERVERS)"
    fi
  fi
  local bin
  bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  local dir=$STATE/nats
  mkdir -p "$dir/data"
  echo "nats: starting $bin -js (log in $dir/nats.log)"
  nohup "$bin" -a 127.0.0.1 -p 4222 -js -sd "$dir/data" -l "$dir/nats.log" >/dev/null 2>&1 &
  echo $! >"$dir/nats.pid"
  for _ in $(seq 1 50); do
    if node scripts/brokers/check-nats.mjs; then
      echo "nats: serving on 127.0.0.1:4222 ($(elapsed))"
      return
    fi
    sleep 0.2
  done
  fail "nats: not serving, see $dir/nats.log"
}

up_postgres() {
  local status=0
  node scripts/brokers/check-postgres.mjs || status=$?
  if [ "$status" = 0 ]; then
    echo "postgres: already serving on ${EVENTBUS_POSTGRES_URL:-127.0.0.1:5432} ($(elapsed))"
    return
  fi
  [ "$status" = 2 ] && fail "postgres: the server on ${EVENTBUS_POSTGRES_URL:-127.0.0.1:5432} is older than 13 (the outbox needs pg_current_xact_id)"
  [ -n "${EVENTBUS_POSTGRES_URL:-}" ] && fail "postgres: nothing serves EVENTBUS_POSTGRES_URL"
  if ! command -v pg_lsclusters >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "postgres: installing the postgresql Debian package..."
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >"$STATE/postgres-install.log" 2>&1 \
        || fail "postgres: apt-get install postgresql failed, see $STATE/postgres-install.log"
    else
      fail "postgres: PostgreSQL is not installed (apt-get install postgresql, or run PostgreSQL 13+ with trust auth and set EVENTBUS_POSTGRES_URL)"
    fi
  fi
  local version
  version=$(pg_lsclusters -h | awk '$2 == "main" { print $1; exit }')
  [ -n "$version" ] || fail "postgres: no Debian cluster named main (pg_createcluster <version> main)"
  local hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    # Tests connect as postgres without a password, over TCP on the loopback only.
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
  echo "postgres: starting cluster $version/main"
  pg_ctlcluster "$version" main start >"$STATE/postgres-start.log" 2>&1 || pg_ctlcluster "$version" main reload >>"$STATE/postgres-start.log" 2>&1 || true
  for _ in $(seq 1 50); do
    if node scripts/brokers/check-postgres.mjs; then
      echo "postgres: serving on 127.0.0.1:5432 ($(elapsed))"
      return
    fi
    sleep 0.2
  done
  fail "postgres: not serving, see $STATE/postgres-start.log and /var/log/postgresql/"
}

case "${1:-all}" in
  kafka) up_kafka ;;
  nats) up_nats ;;
  postgres) up_postgres ;;
  all) up_nats; up_postgres; up_kafka ;;
  *) fail "usage: up.sh [kafka|nats|postgres|all]" ;;
esac
echo "brokers:up: done in $(elapsed)"
