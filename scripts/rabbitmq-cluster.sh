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
  # Three nodes left running by an earlier run are used again only if they still form one cluster.
  local running
  running=$(as_root rabbitmqctl -q -n "bgc1@$cluster_host" cluster_status --formatter json 2>/dev/null \
    | grep -o '"running_nodes":\[[^]]*\]' | grep -o 'bgc[123]@' | sort -u | wc -l || true)
  if [ "$running" != 3 ]; then
    # Some of them left over from an earlier run: start afresh.
    for n in 3 2 1; do as_root rabbitmqctl -q -n "bgc$n@$cluster_host" stop >/dev/null 2>&1 || true; done
    as_root rm -rf /tmp/brokergateway-cluster
    echo "rabbitmq-cluster.sh: starting a RabbitMQ cluster of three nodes (bgc1..3@$cluster_host, ports 5691..5693)"
    for n in 1 2 3; do as_root scripts/rabbitmq-cluster-node.sh start "$n"; done
    cluster_started=1
    for n in 1 2 3; do as_root scripts/rabbitmq-cluster-node.sh await "$n"; done
    # Joining logs warnings and errors of its own (feature flags, connection tables), shown only if it fails.
    local out
    for n in 2 3; do
      for step in stop_app reset "join_cluster bgc1@$cluster_host" start_app; do
        # shellcheck disable=SC2086 # the step is a command and its argument
        if ! out=$(as_root rabbitmqctl -q -n "bgc$n@$cluster_host" $step 2>&1); then
          echo "rabbitmq-cluster.sh: rabbitmqctl -n bgc$n@$cluster_host $step failed:" >&2
          echo "$out" >&2
          return 1
        fi
      done
    done
  fi
  export BROKERGATEWAY_TESTS_CLUSTER_NODES="bgc1@$cluster_host,bgc2@$cluster_host,bgc3@$cluster_host"
  export BROKERGATEWAY_TESTS_CLUSTER_RABBITMQ_URL="amqp://guest:guest@127.0.0.1:5691/,amqp://127.0.0.1:5692,amqp://127.0.0.1:5693"
}
