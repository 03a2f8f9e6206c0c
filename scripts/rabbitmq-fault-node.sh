# Sourced by test.sh after rabbitmq.sh: starts a second RabbitMQ node on this machine, of the
# fault tests' own, so that a test can stop and start a broker under load without disturbing any
# other test: its own node name, AMQP and distribution ports, data and log folders, and no plugins
# (the main node's management listener keeps its port). Exports BROKERGATEWAY_TESTS_FAULT_NODE (the
# node name, for rabbitmqctl -n) and BROKERGATEWAY_TESTS_FAULT_RABBITMQ_URL. Call
# stop_fault_rabbitmq on exit.

fault_node_name="bgfault@$(hostname -s)"
fault_node_port=5682
fault_node_dist_port=25682
fault_node_base=/tmp/brokergateway-fault-node

stop_fault_rabbitmq() {
  if [ -n "${fault_node_started:-}" ]; then
    echo "rabbitmq-fault-node.sh: stopping the fault tests' RabbitMQ node"
    as_root rabbitmqctl -q -n "$fault_node_name" stop >/dev/null 2>&1 || true
  fi
}

ensure_fault_rabbitmq() {
  if ! as_root rabbitmqctl -q -n "$fault_node_name" status >/dev/null 2>&1; then
    as_root rm -rf "$fault_node_base"
    as_root mkdir -p "$fault_node_base/mnesia" "$fault_node_base/log"
    echo "[]." | as_root tee "$fault_node_base/enabled_plugins" >/dev/null
    as_root chown -R rabbitmq:rabbitmq "$fault_node_base"
    echo "rabbitmq-fault-node.sh: starting RabbitMQ node $fault_node_name on port $fault_node_port"
    as_root env RABBITMQ_NODENAME="$fault_node_name" RABBITMQ_NODE_PORT="$fault_node_port" RABBITMQ_DIST_PORT="$fault_node_dist_port" \
      RABBITMQ_MNESIA_BASE="$fault_node_base/mnesia" RABBITMQ_LOG_BASE="$fault_node_base/log" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$fault_node_base/enabled_plugins" RABBITMQ_PID_FILE="$fault_node_base/pid" \
      rabbitmq-server -detached
    fault_node_started=1
  fi
  for _ in $(seq 1 90); do
    if as_root rabbitmqctl -q -n "$fault_node_name" await_startup --timeout 5 >/dev/null 2>&1; then break; fi
    sleep 1
  done
  as_root rabbitmqctl -q -n "$fault_node_name" await_startup --timeout 30
  export BROKERGATEWAY_TESTS_FAULT_NODE="$fault_node_name"
  export BROKERGATEWAY_TESTS_FAULT_RABBITMQ_URL="amqp://guest:guest@127.0.0.1:$fault_node_port/"
}
