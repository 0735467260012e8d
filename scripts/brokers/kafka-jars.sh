#!/usr/bin/env bash
# Makes sure the jars of one Apache Kafka version are on disk, resolving them from Maven Central once, and
# prints two lines: the directory holding the jars (the broker's class path is "<dir>/*"), then the JVM
# flag that points the broker's logging at this repository's configuration (log4j2 for Kafka 4.x, log4j 1
# through reload4j for 3.x).
#   EVENTBUS_KAFKA_VERSION  Kafka version, default 4.4.0 (3.9.2 is the tested 3.x line)
#   EVENTBUS_KAFKA_JARS     jar cache, one subdirectory per version, default .brokers/kafka-jars
# Used by up.sh and by the tests that start brokers of their own. Safe to run concurrently: each run
# resolves into a directory of its own and the first complete one is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
version=${EVENTBUS_KAFKA_VERSION:-4.4.0}
[[ $version =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]] \
  || { echo "kafka-jars: EVENTBUS_KAFKA_VERSION must look like 4.4.0, got '$version'" >&2; exit 1; }
major=${BASH_REMATCH[1]}
cache=${EVENTBUS_KAFKA_JARS:-$ROOT/.brokers/kafka-jars}
libs=$cache/$version
if [ ! -f "$libs/.complete" ]; then
  command -v mvn >/dev/null \
    || { echo "kafka-jars: Maven is required to fetch the Kafka $version jars (apt-get install maven)" >&2; exit 1; }
  mkdir -p "$cache"
  partial=$cache/.partial-$version-$$
  log=$cache/maven-$version.log
  rm -rf "$partial"
  echo "kafka: resolving Apache Kafka $version jars from Maven Central..." >&2
  flags=(-Dkafka.version="$version")
  [ "$major" -lt 4 ] && flags+=(-Dkafka.log4j1)
  if ! mvn -q -B -f scripts/brokers/pom.xml dependency:copy-dependencies "${flags[@]}" \
    -DoutputDirectory="$partial" -DincludeScope=runtime >"$log" 2>&1 \
    || [ ! -f "$partial/kafka_2.13-$version.jar" ]; then
    rm -rf "$partial"
    echo "kafka-jars: Maven could not resolve Kafka $version, see $log" >&2
    exit 1
  fi
  touch "$partial/.complete"
  # Another run may have finished first: keep its directory.
  if [ -f "$libs/.complete" ]; then rm -rf "$partial"; else rm -rf "$libs" && mv "$partial" "$libs"; fi
fi
echo "$libs"
if [ "$major" -ge 4 ]; then
  echo "-Dlog4j2.configurationFile=$ROOT/scripts/brokers/kafka-log4j2.properties"
else
  echo "-Dlog4j.configuration=file:$ROOT/scripts/brokers/kafka-log4j.properties"
fi
