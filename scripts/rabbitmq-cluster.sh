# Sourced by test.sh after rabbitmq.sh: starts a RabbitMQ cluster of three nodes of the cluster
# test's own beside the other nodes (bgc1..3@<host>, AMQP ports 5691..5693, distribution ports
# 25691..25693, their own folders under /tmp/brokergateway-cluster, no plugins) and joins bgc2 and
# bgc3 to bgc1, so that a test can kill a node under load without disturbing any other.
# scripts/rabbitmq-cluster-node.sh starts, awaits and kills one node. Exports
# BROKERGATEWAY_TESTS_CLUSTER_NODES (the three node names) and BROKERGATEWAY_TESTS_CLUSTER_RABBITMQ_URL
# (every node, as RABBITMQ_URL takes them). Call stop_cluster_rabbitmq on exit.

cluster_host="$(hostname -s)"

stop_cluster_rabbitmq() {
  if [ -n "${cluster_started:-}" ]; then
    echo "rabbitmq-cluster.sh: stopping the cluster test's RabbitMQ nodes"
    for n in 3 2 1; do
      as_root rabbitmqctl -q -n "bgc$n@$cluster_host" stop >/dev/null 2>&1 || true
    done
  fi
}

ensure_cluster_rabbitmq() {
  local running=0
  for n in 1 2 3; do
    if as_root rabbitmqctl -q -n "bgc$n@$cluster_host" status >/dev/null 2>&1; then running=$((running + 1)); fi
  done
  if [ "$running" != 3 ]; then
    # Some of them left over from an earlier run: start afresh.
    for n in 3 2 1; do as_root rabbitmqctl -q -n "bgc$n@$cluster_host" stop >/dev/null 2>&1 || true; done
    as_root rm -rf /tmp/brokergateway-cluster
    echo "rabbitmq-cluster.sh: starting a RabbitMQ cluster of three nodes (bgc1..3@$cluster_host, ports 5691..5693)"
    for n in 1 2 3; do as_root scripts/rabbitmq-cluster-node.sh start "$n"; done
    cluster_started=1
    for n in 1 2 3; do as_root scripts/rabbitmq-cluster-node.sh await "$n"; done
    # Joining logs warnings and errors of the joining itself (feature flags, connection tables): not ours to show.
    for n in 2 3; do
      as_root rabbitmqctl -q -n "bgc$n@$cluster_host" stop_app >/dev/null 2>&1
      as_root rabbitmqctl -q -n "bgc$n@$cluster_host" reset >/dev/null 2>&1
      as_root rabbitmqctl -q -n "bgc$n@$cluster_host" join_cluster "bgc1@$cluster_host" >/dev/null 2>&1
      as_root rabbitmqctl -q -n "bgc$n@$cluster_host" start_app >/dev/null 2>&1
    done
  fi
  export BROKERGATEWAY_TESTS_CLUSTER_NODES="bgc1@$cluster_host,bgc2@$cluster_host,bgc3@$cluster_host"
  export BROKERGATEWAY_TESTS_CLUSTER_RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5691/,amqp://127.0.0.1:5692,amqp://127.0.0.1:5693"
}
