#!/usr/bin/env bash
# The one test command. On a fresh Debian machine with the .NET SDK it installs RabbitMQ when it
# is missing, starts it without systemd (with the management plugin, which the tests use to make a
# throwaway virtual host each), checks formatting, builds, runs every test, prints one summary
# line, and stops what it started. Nothing is skipped: a test that finds no broker fails here.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

started_rabbitmq=0
stop_started() {
  if [ "$started_rabbitmq" = 1 ]; then
    echo "test.sh: stopping the RabbitMQ it started"
    as_root rabbitmqctl stop >/dev/null 2>&1 || true
  fi
}
trap stop_started EXIT

if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
  echo "test.sh: installing rabbitmq-server"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
fi
export PATH="$PATH:/usr/sbin"
if ! command -v curl >/dev/null 2>&1; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi

if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
  as_root rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
  echo "test.sh: starting RabbitMQ"
  as_root rabbitmq-server -detached
  started_rabbitmq=1
fi
for _ in $(seq 1 90); do
  if as_root rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1; then break; fi
  sleep 1
done
as_root rabbitmqctl -q await_startup --timeout 30
as_root rabbitmq-plugins -q enable rabbitmq_management >/dev/null
for _ in $(seq 1 60); do
  if curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; then break; fi
  sleep 1
done

export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export RABBITMQ_MANAGEMENT_URL="${RABBITMQ_MANAGEMENT_URL:-http://guest:guest@127.0.0.1:15672/}"
export BROKERGATEWAY_TESTS_REQUIRE_BROKER=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet restore BrokerGateway.sln
dotnet format BrokerGateway.sln --verify-no-changes --no-restore
dotnet build BrokerGateway.sln --no-restore -c Release
log=$(mktemp)
set +e
dotnet test BrokerGateway.sln --no-build -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}')
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ "$status" != 0 ]; then exit "$status"; fi
if [ "${skipped:-0}" != 0 ]; then echo "test.sh: tests were skipped; every test must run here"; exit 1; fi
if [ "${passed:-0}" = 0 ]; then echo "test.sh: no test ran"; exit 1; fi
