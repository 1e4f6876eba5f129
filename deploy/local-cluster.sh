#!/usr/bin/env bash
# A two-node Switchboard cluster on this machine, without Docker: PostgreSQL 15 and Redis from
# Debian packages, two gateway nodes, and HAProxy in front (deploy/haproxy.cfg, the same file
# compose.yaml uses). Everything listens on 127.0.0.1, on free ports chosen at the first start
# and kept for the next ones.
#
#   deploy/local-cluster.sh start  [DIR]   initialise if needed, then start whatever is not
#                                          running: postgres, redis, node A, node B, haproxy;
#                                          the first start creates a demo tenant
#   deploy/local-cluster.sh stop   [DIR]   stop everything (by pid): the nodes first (their
#                                          sockets close with 1001), then haproxy, redis,
#                                          postgres
#   deploy/local-cluster.sh status [DIR]   what runs, and whether it is healthy (exit 0
#                                          when everything runs, 3 otherwise)
#
# DIR holds all the state (databases, logs, pids, secrets); default ./switchboard-cluster.
# Remove it (after `stop`) to start from scratch.
#
# Environment (all optional):
#   SWITCHBOARD_BIN           gateway binary to run (default: cargo build --release, then
#                             target/release/switchboard)
#   SWITCHBOARD_DATABASE_URL  use this database instead of starting PostgreSQL (e.g. a shared
#                             sqlite:///abs/path.db, or an existing postgres://...); read at
#                             the first start and kept
#   CLUSTER_LB_PORT, CLUSTER_NODE_A_PORT, CLUSTER_NODE_B_PORT, CLUSTER_PG_PORT,
#   CLUSTER_REDIS_PORT        fixed ports instead of free ones (first start only)
#   PG_BIN                    PostgreSQL's bin dir (default: the newest
#                             /usr/lib/postgresql/*/bin, preferring 15)
#
# Missing packages (postgresql, redis-server, haproxy) are installed with apt-get when run as
# root. As root, PostgreSQL runs as the `postgres` user (initdb refuses root), so DIR must be
# reachable by that user.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
self="$here/$(basename "${BASH_SOURCE[0]}")"

usage() {
  sed -n '2,/^set -euo/p' "$self" | sed '$d' | sed 's/^# \{0,1\}//'
}

die() {
  echo "local-cluster: $*" >&2
  exit 1
}

# Progress goes to stderr; stdout carries the summary (and the binary path inside $(...)).
note() {
  echo "local-cluster: $*" >&2
}

# --- arguments -----------------------------------------------------------------------------

command=""
dir=""
for arg in "$@"; do
  case "$arg" in
    start | stop | status)
      [ -z "$command" ] || die "one command at a time (got $command and $arg)"
      command=$arg
      ;;
    -h | --help | help)
      usage
      exit 0
      ;;
    -*)
      die "unknown option $arg (try --help)"
      ;;
    *)
      [ -z "$dir" ] || die "one directory at a time (got $dir and $arg)"
      dir=$arg
      ;;
  esac
done
[ -n "$command" ] || {
  usage >&2
  exit 2
}
dir=${dir:-./switchboard-cluster}

# Absolute, so nothing depends on the current directory later.
if [ "$command" = start ]; then
  mkdir -p "$dir"
fi
if [ ! -f "$dir/cluster.env" ] && [ "$command" != start ]; then
  note "no cluster in $dir"
  [ "$command" = stop ] && exit 0
  exit 1
fi
state=$(cd "$dir" && pwd)

conf="$state/cluster.env"
secrets="$state/secrets"
pg_dir="$state/postgres"
pg_data="$pg_dir/data"
redis_dir="$state/redis"
lb_dir="$state/lb"
credentials="$state/demo-credentials.txt"

is_root() {
  [ "$(id -u)" = 0 ]
}

# --- processes -----------------------------------------------------------------------------

# The pid in file $1, if that process is alive (not a zombie) and its command line matches
# the extended regex $2: a recycled pid never counts as ours.
pid_of() {
  local file=$1 pattern=$2 pid stat
  [ -r "$file" ] || return 1
  pid=$(head -n 1 "$file" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq -- "$pattern" || return 1
  echo "$pid"
}

# Whether something accepts connections on 127.0.0.1:$1.
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port nothing listens on, not among the ones already chosen ($@). Taken outside the
# kernel's ephemeral range, where programs binding port 0 (tests, clients) would race us for it.
free_port() {
  local port tries=0 low=32768 high=60999 base span
  read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  if [ "$low" -gt 21000 ]; then
    base=20000 span=$((low - 20000))
  else
    base=$((high + 1)) span=$((65536 - high - 1))
  fi
  while :; do
    port=$((base + RANDOM % span))
    tries=$((tries + 1))
    [ "$tries" -lt 200 ] || die "found no free port"
    case " $* " in *" $port "*) continue ;; esac
    port_taken "$port" || break
  done
  echo "$port"
}

# Sends $3 (default TERM) to the process of pidfile $1 (pattern $2) and waits for it to end.
stop_process() {
  local name=$1 file=$2 pattern=$3 signal=${4:-TERM} pid waited=0
  if ! pid=$(pid_of "$file" "$pattern"); then
    note "$name: not running"
    rm -f "$file"
    return 0
  fi
  kill "-$signal" "$pid" 2>/dev/null || true
  while pid_of "$file" "$pattern" >/dev/null; do
    if [ "$waited" -ge 200 ]; then
      note "$name (pid $pid) still running after 20 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # PostgreSQL removes its own pid file; the others are ours.
  [ "$file" = "$pg_data/postmaster.pid" ] || rm -f "$file"
  note "$name: stopped (was pid $pid)"
}

# Polls `curl $1` until it answers 2xx, for at most $2 seconds, while pidfile $3 (pattern
# $4) stays alive. Fails otherwise.
wait_healthy() {
  local url=$1 seconds=$2 file=$3 pattern=$4 i
  for ((i = 0; i < seconds * 5; i++)); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
      return 0
    fi
    pid_of "$file" "$pattern" >/dev/null || return 1
    sleep 0.2
  done
  return 1
}

show_log() {
  echo "--- last lines of $1 ---" >&2
  tail -n 25 "$1" >&2 || true
  echo "---" >&2
}

# --- packages ------------------------------------------------------------------------------

apt_install() {
  is_root || die "$1 is missing: install it (apt-get install $*) or run this as root"
  command -v apt-get >/dev/null || die "$1 is missing and apt-get is not available"
  note "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null ||
    {
      DEBIAN_FRONTEND=noninteractive apt-get update >/dev/null &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
    } ||
    die "could not install $*"
}

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/initdb" ] || die "PG_BIN=$PG_BIN has no initdb"
    echo "$PG_BIN"
    return
  fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local found
  found=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
    sort -V | tail -n 1)
  [ -n "$found" ] || return 1
  dirname "$found"
}

# --- configuration -------------------------------------------------------------------------

# Writes cluster.env and the secrets on the first start; loads them on every start.
init_state() {
  mkdir -p "$state" "$secrets" "$redis_dir" "$lb_dir" "$state/node-a/data" "$state/node-b/data"
  chmod 700 "$secrets"
  # Keep the whole directory out of git when it sits inside a checkout.
  [ -f "$state/.gitignore" ] || echo '*' >"$state/.gitignore"

  if [ ! -f "$conf" ]; then
    local chosen=() name var port
    for name in LB NODE_A NODE_B PG REDIS; do
      var="CLUSTER_${name}_PORT"
      port=${!var:-}
      if [ -n "$port" ]; then
        [[ $port =~ ^[0-9]+$ ]] || die "$var=$port is not a port"
        ! port_taken "$port" || die "$var=$port: something already listens there"
      else
        port=$(free_port "${chosen[@]}")
      fi
      chosen+=("$port")
      printf -v "${name}_PORT" '%s' "$port"
    done
    {
      echo "# Written by local-cluster.sh on the first start; read on every start."
      echo "LB_PORT=$LB_PORT"
      echo "NODE_A_PORT=$NODE_A_PORT"
      echo "NODE_B_PORT=$NODE_B_PORT"
      echo "PG_PORT=$PG_PORT"
      echo "REDIS_PORT=$REDIS_PORT"
      # Empty: the cluster's own PostgreSQL.
      printf 'EXTERNAL_DATABASE_URL=%q\n' "${SWITCHBOARD_DATABASE_URL:-}"
    } >"$conf.tmp"
    chmod 600 "$conf.tmp"
    mv "$conf.tmp" "$conf"
    note "initialised $state"
  fi

  # The JWT secret every node shares: a token issued by one node is checked by the other.
  if [ ! -s "$secrets/jwt-secret" ]; then
    (umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$secrets/jwt-secret")
  fi
  if [ ! -s "$secrets/pg-password" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '\n/+=' >"$secrets/pg-password")
  fi
}

load_state() {
  [ -f "$conf" ] || die "$state is not a cluster directory (no cluster.env)"
  # shellcheck source=/dev/null
  . "$conf"
  if [ -n "${SWITCHBOARD_DATABASE_URL:-}" ] && [ "$SWITCHBOARD_DATABASE_URL" != "$EXTERNAL_DATABASE_URL" ]; then
    die "SWITCHBOARD_DATABASE_URL differs from the one $state was created with; unset it, or use another directory"
  fi
  if [ -n "$EXTERNAL_DATABASE_URL" ]; then
    database_url=$EXTERNAL_DATABASE_URL
  else
    database_url="postgres://switchboard:$(cat "$secrets/pg-password")@127.0.0.1:$PG_PORT/switchboard"
  fi
  redis_url="redis://127.0.0.1:$REDIS_PORT"
  lb_url="http://127.0.0.1:$LB_PORT"
}

# The gateway binary: $SWITCHBOARD_BIN, or a fresh release build of this checkout.
gateway_bin() {
  if [ -n "${SWITCHBOARD_BIN:-}" ]; then
    [ -x "$SWITCHBOARD_BIN" ] || die "SWITCHBOARD_BIN=$SWITCHBOARD_BIN is not executable"
    (cd "$(dirname "$SWITCHBOARD_BIN")" && echo "$(pwd)/$(basename "$SWITCHBOARD_BIN")")
    return
  fi
  command -v cargo >/dev/null || die "cargo not found: install Rust, or set SWITCHBOARD_BIN"
  note "building the gateway (cargo build --release -p switchboard-gateway)"
  (cd "$repo" && cargo build --release -p switchboard-gateway) >&2 ||
    die "the build failed"
  echo "$repo/target/release/switchboard"
}

# --- PostgreSQL ----------------------------------------------------------------------------

# Runs a PostgreSQL server command as the postgres user when we are root.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_pattern='/postgres -D '

start_postgres() {
  if [ -n "$EXTERNAL_DATABASE_URL" ]; then
    note "postgres: not started (using SWITCHBOARD_DATABASE_URL)"
    return
  fi
  local pid pg_bin
  if pid=$(pid_of "$pg_data/postmaster.pid" "$pg_pattern"); then
    note "postgres: already running (pid $pid, port $PG_PORT)"
    return
  fi
  pg_bin=$(find_pg_bin) || {
    apt_install postgresql
    pg_bin=$(find_pg_bin) || die "PostgreSQL is installed but no initdb was found"
  }
  if is_root; then
    id postgres >/dev/null 2>&1 || die "no postgres user (is the postgresql package installed?)"
  fi
  mkdir -p "$pg_dir"
  if is_root; then
    chown postgres: "$pg_dir"
  fi
  chmod 700 "$pg_dir"
  as_pg test -w "$pg_dir" ||
    die "the postgres user cannot write $pg_dir (a parent directory is closed to it): use a directory it can reach, e.g. /var/tmp/switchboard-cluster"

  if [ ! -f "$pg_data/PG_VERSION" ]; then
    note "postgres: initdb ($pg_bin)"
    local pwfile="$pg_dir/initdb-password"
    (umask 077 && cat "$secrets/pg-password" >"$pwfile")
    if is_root; then
      chown postgres: "$pwfile"
    fi
    as_pg "$pg_bin/initdb" -D "$pg_data" -U switchboard --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale \
      >"$pg_dir/initdb.log" 2>&1 || {
      rm -f "$pwfile"
      show_log "$pg_dir/initdb.log"
      die "initdb failed"
    }
    rm -f "$pwfile"
  fi

  ! port_taken "$PG_PORT" || die "port $PG_PORT (postgres) is taken by another process"
  # TCP on 127.0.0.1 only, no Unix socket (so nothing collides with a system PostgreSQL).
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" \
    start >/dev/null || {
    show_log "$pg_dir/postgres.log"
    die "PostgreSQL did not start"
  }

  export PGPASSWORD
  PGPASSWORD=$(cat "$secrets/pg-password")
  local exists
  exists=$("$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U switchboard -d postgres -tAX \
    -c "SELECT 1 FROM pg_database WHERE datname = 'switchboard'") ||
    die "cannot connect to PostgreSQL on port $PG_PORT"
  if [ "$exists" != 1 ]; then
    "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U switchboard switchboard ||
      die "createdb failed"
  fi
  unset PGPASSWORD
  pid=$(pid_of "$pg_data/postmaster.pid" "$pg_pattern") || die "PostgreSQL exited"
  note "postgres: started (pid $pid, port $PG_PORT)"
}

stop_postgres() {
  # SIGINT: PostgreSQL's "fast" shutdown (disconnect clients, checkpoint, exit).
  stop_process postgres "$pg_data/postmaster.pid" "$pg_pattern" INT
}

# --- Redis ---------------------------------------------------------------------------------

redis_pattern='redis-server'

start_redis() {
  local pid i
  if pid=$(pid_of "$redis_dir/redis.pid" "$redis_pattern"); then
    note "redis: already running (pid $pid, port $REDIS_PORT)"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  ! port_taken "$REDIS_PORT" || die "port $REDIS_PORT (redis) is taken by another process"
  # Redis carries pub/sub and presence only, nothing that cannot be lost: no persistence.
  nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$redis_dir" \
    --save '' --appendonly no --daemonize no \
    </dev/null >>"$redis_dir/redis.log" 2>&1 &
  echo $! >"$redis_dir/redis.pid"
  for ((i = 0; i < 50; i++)); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
      note "redis: started (pid $(cat "$redis_dir/redis.pid"), port $REDIS_PORT)"
      return
    fi
    pid_of "$redis_dir/redis.pid" "$redis_pattern" >/dev/null || break
    sleep 0.2
  done
  show_log "$redis_dir/redis.log"
  die "Redis did not start"
}

stop_redis() {
  stop_process redis "$redis_dir/redis.pid" "$redis_pattern"
}

# --- gateway nodes -------------------------------------------------------------------------

node_pattern() {
  echo "serve --listen 127\\.0\\.0\\.1:$1( |$)"
}

# start_node NAME PORT BIN
start_node() {
  local name=$1 port=$2 bin=$3 node_dir="$state/node-$1" pid
  if pid=$(pid_of "$node_dir/node.pid" "$(node_pattern "$port")"); then
    note "node $name: already running (pid $pid, port $port)"
    return
  fi
  ! port_taken "$port" || die "port $port (node $name) is taken by another process"
  mkdir -p "$node_dir/data"
  # Secrets go through the environment, not the command line (which `ps` shows).
  # shellcheck disable=SC2030 # exported to the node only, on purpose
  (
    export SWITCHBOARD_JWT_SECRET SWITCHBOARD_DATABASE_URL
    SWITCHBOARD_JWT_SECRET=$(cat "$secrets/jwt-secret")
    SWITCHBOARD_DATABASE_URL=$database_url
    exec nohup "$bin" serve --listen "127.0.0.1:$port" --redis-url "$redis_url" \
      --redis-prefix "sb:" --data-dir "$node_dir/data"
  ) </dev/null >"$node_dir/stdout" 2>>"$node_dir/node.log" &
  echo $! >"$node_dir/node.pid"
  # The first start migrates the database: allow some time.
  if ! wait_healthy "http://127.0.0.1:$port/healthz" 60 "$node_dir/node.pid" "$(node_pattern "$port")"; then
    show_log "$node_dir/node.log"
    die "node $name did not become healthy on port $port (see $node_dir/node.log; stop the rest with: $self stop $state)"
  fi
  note "node $name: started (pid $(cat "$node_dir/node.pid"), $(head -n 1 "$node_dir/stdout"))"
}

stop_node() {
  local name=$1 port=$2
  # SIGTERM: the node closes every WebSocket with 1001 ("going away") and exits.
  stop_process "node $name" "$state/node-$name/node.pid" "$(node_pattern "$port")"
}

# --- load balancer -------------------------------------------------------------------------

lb_pattern='haproxy -db -f '

start_lb() {
  local pid
  if pid=$(pid_of "$lb_dir/haproxy.pid" "$lb_pattern"); then
    note "haproxy: already running (pid $pid, $lb_url)"
    return
  fi
  command -v haproxy >/dev/null || apt_install haproxy
  ! port_taken "$LB_PORT" || die "port $LB_PORT (load balancer) is taken by another process"
  export SWITCHBOARD_LB_BIND="127.0.0.1:$LB_PORT"
  export SWITCHBOARD_NODE_A="127.0.0.1:$NODE_A_PORT"
  export SWITCHBOARD_NODE_B="127.0.0.1:$NODE_B_PORT"
  haproxy -c -q -f "$here/haproxy.cfg" >"$lb_dir/check.log" 2>&1 || {
    show_log "$lb_dir/check.log"
    die "haproxy rejects $here/haproxy.cfg"
  }
  # -db: stay in the foreground (we keep the pid); logs go to stdout.
  nohup haproxy -db -f "$here/haproxy.cfg" </dev/null >>"$lb_dir/haproxy.log" 2>&1 &
  echo $! >"$lb_dir/haproxy.pid"
  if ! wait_healthy "$lb_url/healthz" 20 "$lb_dir/haproxy.pid" "$lb_pattern"; then
    show_log "$lb_dir/haproxy.log"
    die "the load balancer did not answer on $lb_url"
  fi
  note "haproxy: started (pid $(cat "$lb_dir/haproxy.pid"), $lb_url)"
}

stop_lb() {
  # SIGTERM: HAProxy's hard stop (the nodes, stopped before it, closed their sockets).
  stop_process haproxy "$lb_dir/haproxy.pid" "$lb_pattern"
}

# --- demo tenant ---------------------------------------------------------------------------

create_demo_tenant() {
  local bin=$1 password created
  [ ! -f "$credentials" ] || return 0
  password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-12)
  created=$(
    # shellcheck disable=SC2031 # exported to this command only, on purpose
    export SWITCHBOARD_DATABASE_URL=$database_url
    "$bin" tenant create --name Demo --owner-login admin --owner-password "$password" \
      --owner-email admin@example.com --data-dir "$state/node-a/data" 2>>"$state/tenant.log"
  ) || {
    show_log "$state/tenant.log"
    die "creating the demo tenant failed"
  }
  (umask 077 && printf 'login: admin\npassword: %s\ntenant: %s\n' "$password" "$created" >"$credentials")
  note "created the demo tenant"
}

# --- commands ------------------------------------------------------------------------------

start() {
  init_state
  load_state
  start_postgres
  start_redis
  local bin
  if pid_of "$state/node-a/node.pid" "$(node_pattern "$NODE_A_PORT")" >/dev/null &&
    pid_of "$state/node-b/node.pid" "$(node_pattern "$NODE_B_PORT")" >/dev/null &&
    [ -f "$credentials" ]; then
    # Nothing to build for: both nodes already run.
    note "node a: already running (port $NODE_A_PORT)"
    note "node b: already running (port $NODE_B_PORT)"
  else
    bin=$(gateway_bin)
    start_node a "$NODE_A_PORT" "$bin"
    start_node b "$NODE_B_PORT" "$bin"
    create_demo_tenant "$bin"
  fi
  start_lb
  echo
  echo "Switchboard cluster is up (state in $state)"
  echo "  load balancer  $lb_url   (WebSocket: ws://127.0.0.1:$LB_PORT/v1/ws)"
  echo "  node a         http://127.0.0.1:$NODE_A_PORT"
  echo "  node b         http://127.0.0.1:$NODE_B_PORT"
  if [ -n "$EXTERNAL_DATABASE_URL" ]; then
    echo "  database       ${EXTERNAL_DATABASE_URL%%://*}://… (SWITCHBOARD_DATABASE_URL)"
  else
    echo "  postgres       127.0.0.1:$PG_PORT (database and user: switchboard; password in $secrets/pg-password)"
  fi
  echo "  redis          127.0.0.1:$REDIS_PORT"
  if [ -f "$credentials" ]; then
    echo
    echo "Demo tenant owner: login admin, password $(sed -n 's/^password: //p' "$credentials")"
    echo "  tenant: $(sed -n 's/^tenant: //p' "$credentials")"
    echo "  (saved in $credentials)"
  fi
  echo
  echo "Stop it with: $self stop $state"
}

stop() {
  load_state
  stop_node b "$NODE_B_PORT"
  stop_node a "$NODE_A_PORT"
  stop_lb
  stop_redis
  if [ -z "$EXTERNAL_DATABASE_URL" ]; then
    stop_postgres
  fi
}

status() {
  load_state
  local pid health up=0 total=0
  line() {
    total=$((total + 1))
    if pid=$(pid_of "$2" "$3"); then
      up=$((up + 1))
      health=""
      if [ -n "${4:-}" ]; then
        if curl -fsS -o /dev/null --max-time 2 "$4" 2>/dev/null; then
          health=", healthy"
        else
          health=", NOT healthy"
        fi
      fi
      printf '  %-9s running (pid %s%s)  %s\n' "$1" "$pid" "$health" "$5"
    else
      printf '  %-9s stopped  %s\n' "$1" "$5"
    fi
  }
  echo "Switchboard cluster in $state"
  line haproxy "$lb_dir/haproxy.pid" "$lb_pattern" "$lb_url/healthz" "$lb_url"
  line "node a" "$state/node-a/node.pid" "$(node_pattern "$NODE_A_PORT")" \
    "http://127.0.0.1:$NODE_A_PORT/healthz" "http://127.0.0.1:$NODE_A_PORT"
  line "node b" "$state/node-b/node.pid" "$(node_pattern "$NODE_B_PORT")" \
    "http://127.0.0.1:$NODE_B_PORT/healthz" "http://127.0.0.1:$NODE_B_PORT"
  line redis "$redis_dir/redis.pid" "$redis_pattern" "" "127.0.0.1:$REDIS_PORT"
  if [ -z "$EXTERNAL_DATABASE_URL" ]; then
    line postgres "$pg_data/postmaster.pid" "$pg_pattern" "" "127.0.0.1:$PG_PORT"
  fi
  [ ! -f "$credentials" ] || echo "  demo tenant credentials: $credentials"
  echo "$up of $total running"
  # Like an init script: 0 when everything runs, 3 otherwise.
  [ "$up" = "$total" ] || return 3
}

case "$command" in
  start) start ;;
  stop) stop ;;
  status) status ;;
esac
