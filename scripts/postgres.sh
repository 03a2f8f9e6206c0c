# Sourced by test.sh: makes sure a PostgreSQL server runs on this machine, installing it from
# Debian's packages and starting its cluster without systemd when needed, and exports
# BROKERGATEWAY_TESTS_POSTGRES (a connection string for a superuser the tests use to make a
# throwaway database each). Call stop_started_postgres on exit.

started_postgres=0
stop_started_postgres() {
  if [ "$started_postgres" = 1 ]; then
    echo "postgres.sh: stopping the PostgreSQL cluster this script started"
    as_root pg_ctlcluster "$pg_version" main stop >/dev/null 2>&1 || true
  fi
}

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    echo "postgres.sh: installing postgresql"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
  if [ -z "$(ls /etc/postgresql/"$pg_version" 2>/dev/null)" ]; then
    as_root pg_createcluster "$pg_version" main >/dev/null
  fi
  if ! as_root pg_ctlcluster "$pg_version" main status >/dev/null 2>&1; then
    echo "postgres.sh: starting PostgreSQL $pg_version"
    as_root pg_ctlcluster "$pg_version" main start
    started_postgres=1
  fi
  for _ in $(seq 1 30); do
    if as_root su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1; then break; fi
    sleep 1
  done
  as_root su postgres -c "psql -qtAc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export BROKERGATEWAY_TESTS_POSTGRES="${BROKERGATEWAY_TESTS_POSTGRES:-Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres}"
}
