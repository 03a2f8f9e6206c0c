#!/usr/bin/env bash
# One node of the cluster test's own RabbitMQ cluster (see rabbitmq-cluster.sh), run as root:
#   rabbitmq-cluster-node.sh start N   start node bgcN (its own name, ports, data and log folders)
#   rabbitmq-cluster-node.sh await N   wait until it has started (up to 90 s)
#   rabbitmq-cluster-node.sh kill N    SIGKILL its Erlang VM, as a machine that dies would
# N is 1, 2 or 3: node bgcN@<host>, AMQP port 569N, distribution port 2569N.
set -euo pipefail
action=$1
n=$2
case "$n" in 1 | 2 | 3) ;; *) echo "rabbitmq-cluster-node.sh: node must be 1, 2 or 3" >&2; exit 2 ;; esac
base=/tmp/brokergateway-cluster
node="bgc$n@$(hostname -s)"
case "$action" in
  start)
    mkdir -p "$base/n$n/mnesia" "$base/n$n/log"
    [ -f "$base/enabled_plugins" ] || echo "[]." > "$base/enabled_plugins"
    chown -R rabbitmq:rabbitmq "$base"
    env RABBITMQ_NODENAME="$node" RABBITMQ_NODE_PORT=$((5690 + n)) RABBITMQ_DIST_PORT=$((25690 + n)) \
      RABBITMQ_MNESIA_BASE="$base/n$n/mnesia" RABBITMQ_LOG_BASE="$base/n$n/log" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins" RABBITMQ_PID_FILE="$base/n$n/pid" \
      rabbitmq-server -detached
    ;;
  await)
    for _ in $(seq 1 90); do
      if rabbitmqctl -q -n "$node" await_startup --timeout 5 >/dev/null 2>&1; then exit 0; fi
      sleep 1
    done
    rabbitmqctl -q -n "$node" await_startup --timeout 30
    ;;
  kill)
    kill -9 "$(cat "$base/n$n/pid")"
    ;;
  *) echo "rabbitmq-cluster-node.sh: start, await or kill" >&2; exit 2 ;;
esac
