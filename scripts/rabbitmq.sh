# Sourced by test.sh and bench/run.sh: makes sure a RabbitMQ broker with the management plugin
# runs on this machine, installing it from Debian's packages and starting it without systemd when
# needed, and exports RABBITMQ_URL and RABBITMQ_MANAGEMENT_URL. Call stop_started_rabbitmq on exit.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

started_rabbitmq=0
stop_started_rabbitmq() {
  if [ "$started_rabbitmq" = 1 ]; then
    echo "rabbitmq.sh: stopping the RabbitMQ this script started"
    as_root rabbitmqctl stop >/dev/null 2>&1 || true
  fi
}

ensure_rabbitmq() {
  export PATH="$PATH:/usr/sbin"
  local missing=()
  command -v rabbitmq-server >/dev/null 2>&1 || missing+=(rabbitmq-server)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "rabbitmq.sh: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi

  if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
    as_root rabbitmq-plugins -q enable --offline rabbitmq_management >/dev/null
    echo "rabbitmq.sh: starting RabbitMQ"
    as_root rabbitmq-server -detached
    started_rabbitmq=1
  fi
  # The node takes a while to register; await_startup fails until it has.
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
  curl -fsS -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null

  export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672/}"
  export RABBITMQ_MANAGEMENT_URL="${RABBITMQ_MANAGEMENT_URL:-http://guest:guest@127.0.0.1:15672/}"
}
