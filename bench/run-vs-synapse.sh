#!/usr/bin/env bash
# Client-server load: runs concord-bench against a local Synapse and a local Concord, both on
# loopback with SQLite, and prints one JSON line per scenario and server. See
# docs/performance.md, "Client-server load".
#
#   bench/run-vs-synapse.sh                          # every scenario, both servers
#   bench/run-vs-synapse.sh --scenario send,fanout   # arguments go to concord-bench
#   BENCH_SERVERS=synapse bench/run-vs-synapse.sh    # only one server (synapse or concord)
#   SYNAPSE_BCRYPT_ROUNDS=4 ...                      # cheaper Synapse password hashing
#                                                    # (default 12, Synapse's own default)
#
# Needs python3 (for the Synapse virtualenv, made once in target/bench-venv from PyPI) and
# cargo (release build of concord and concord-bench). CPU heavy: run it when the machine is
# otherwise quiet. Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="${BENCH_VENV:-target/bench-venv}"
synapse_port="${SYNAPSE_PORT:-18008}"
concord_port="${CONCORD_PORT:-18009}"
servers="${BENCH_SERVERS:-synapse concord}"
secret="bench-shared-secret-$(date +%s)-$RANDOM"
work="$(mktemp -d /tmp/concord-bench.XXXXXX)"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# 1000 idle long-polls hold 1000 sockets in the tool and 1000 in the server.
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
if [ "$(ulimit -n)" -lt 4096 ]; then
  echo "warning: ulimit -n is $(ulimit -n); idle_longpolls needs about 2 x --longpolls" >&2
fi

# Waits until $1/_matrix/client/versions answers (60 s at most).
wait_up() {
  for _ in $(seq 1 120); do
    if curl -fsS "$1/_matrix/client/versions" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.5
  done
  echo "error: $1 did not come up" >&2
  return 1
}

echo "== building concord and concord-bench (release)" >&2
cargo build --release --quiet -p concord -p concord-bench
bench="$target/release/concord-bench"

start_synapse() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check matrix-synapse
  local dir="$work/synapse"
  mkdir -p "$dir"
  cat >"$dir/log.config" <<YAML
version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: $dir/homeserver.log
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
YAML
  # Rate limits far above what the tool sends; presence off (it would wake idle long-polls);
  # no /sync response cache (it would answer repeated initial syncs from memory).
  local unlimited="{per_second: 1000000, burst_count: 1000000}"
  cat >"$dir/homeserver.yaml" <<YAML
server_name: "synapse.bench"
pid_file: $dir/homeserver.pid
listeners:
  - port: $synapse_port
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: $dir/homeserver.db
log_config: $dir/log.config
media_store_path: $dir/media_store
signing_key_path: $dir/signing.key
report_stats: false
bcrypt_rounds: ${SYNAPSE_BCRYPT_ROUNDS:-12}
enable_metrics: false
trusted_key_servers: []
suppress_key_server_warning: true
registration_shared_secret: "$secret"
macaroon_secret_key: "bench-macaroon-$RANDOM$RANDOM"
form_secret: "bench-form-$RANDOM$RANDOM"
presence:
  enabled: false
caches:
  sync_response_cache_duration: 0
rc_message: $unlimited
rc_registration: $unlimited
rc_registration_token_validity: $unlimited
rc_login:
  address: $unlimited
  account: $unlimited
  failed_attempts: $unlimited
rc_joins:
  local: $unlimited
  remote: $unlimited
rc_joins_per_room: $unlimited
rc_invites:
  per_room: $unlimited
  per_user: $unlimited
  per_issuer: $unlimited
rc_room_creation: $unlimited
rc_admin_redaction: $unlimited
rc_presence:
  per_user: $unlimited
YAML
  "$venv/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml" --generate-keys >/dev/null
  "$venv/bin/python" -m synapse.app.homeserver -c "$dir/homeserver.yaml" \
    >"$dir/stdout.log" 2>&1 &
  synapse_pid=$!
  pids+=("$synapse_pid")
  wait_up "http://127.0.0.1:$synapse_port"
}

start_concord() {
  local dir="$work/concord"
  "$target/release/concord" generate-config --server-name concord.bench \
    --output "$dir/homeserver.yaml" >/dev/null
  sed -i \
    -e "s/^    port: 8008$/    port: $concord_port/" \
    -e "s/^  registration_shared_secret: null$/  registration_shared_secret: \"$secret\"/" \
    -e 's/^  level: "info"$/  level: "warn"/' \
    "$dir/homeserver.yaml"
  # Rate limits out of reach, as for Synapse: the load is the point.
  python3 - "$dir/homeserver.yaml" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r"(?ms)^rc_message:.*?(?=^\S)", "", text)
text = re.sub(r"(?ms)^rc_login:.*?(?=^\S|\Z)", "", text)
high = "{per_second: 1000000, burst_count: 1000000}"
text += f"rc_message: {high}\nrc_login: {{address: {high}, account: {high}, failed_attempts: {high}}}\n"
open(path, "w").write(text)
PY
  "$target/release/concord" check-config --config "$dir/homeserver.yaml" >/dev/null
  "$target/release/concord" serve --config "$dir/homeserver.yaml" >"$dir/stdout.log" 2>&1 &
  concord_pid=$!
  pids+=("$concord_pid")
  wait_up "http://127.0.0.1:$concord_port"
}

status=0
for server in $servers; do
  case "$server" in
    synapse)
      echo "== Synapse on 127.0.0.1:$synapse_port" >&2
      start_synapse
      # A server is measured alone: the other one is not started until this one is stopped.
      "$bench" "http://127.0.0.1:$synapse_port" --server synapse --shared-secret "$secret" \
        --pid "$synapse_pid" "$@" || status=1
      kill "$synapse_pid" && wait "$synapse_pid" 2>/dev/null || true
      ;;
    concord)
      echo "== Concord on 127.0.0.1:$concord_port" >&2
      start_concord
      "$bench" "http://127.0.0.1:$concord_port" --server concord --shared-secret "$secret" \
        --pid "$concord_pid" "$@" || status=1
      kill "$concord_pid" && wait "$concord_pid" 2>/dev/null || true
      ;;
    *)
      echo "unknown server $server (synapse or concord)" >&2
      exit 2
      ;;
  esac
done
exit "$status"
