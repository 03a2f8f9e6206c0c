# Sourced by test.sh: makes sure a Redis server runs on loopback, installing it from Debian's
# packages and starting it without systemd when needed, and exports BROKERGATEWAY_TESTS_REDIS
# (the rate-limit tests share it between two ingress instances). Call stop_started_redis on exit.

started_redis=0
stop_started_redis() {
  if [ "$started_redis" = 1 ]; then
    echo "redis.sh: stopping the Redis this script started"
    redis-cli -p 6379 shutdown nosave >/dev/null 2>&1 || true
  fi
}

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis.sh: installing redis-server"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    echo "redis.sh: starting Redis"
    redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no >/dev/null
    started_redis=1
  fi
  for _ in $(seq 1 30); do
    if redis-cli -p 6379 ping >/dev/null 2>&1; then break; fi
    sleep 1
  done
  redis-cli -p 6379 ping >/dev/null
  export BROKERGATEWAY_TESTS_REDIS="${BROKERGATEWAY_TESTS_REDIS:-127.0.0.1:6379}"
}
