#!/usr/bin/env bash
# Runs the benchmark: builds in Release, makes sure RabbitMQ runs (as test.sh does), and prints
# the table. Extra arguments go to the tool, e.g. --requests-c32 50000 or --modes direct,standalone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/rabbitmq.sh
trap stop_started_rabbitmq EXIT
ensure_rabbitmq
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build BrokerGateway.sln -c Release -v q -nologo >/dev/null
dotnet bench/Bench/bin/Release/net10.0/BrokerGateway.Bench.dll "$@"
