# Shared by load.sh and proxy.sh: builds, ports, process cleanup. Only loopback addresses.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
T="${CARGO_TARGET_DIR:-$ROOT/target}"
PAL="${PAL:-$T/release/palisade}"
NB="$T/netbench/release/netbench"
WORK="$(mktemp -d /tmp/palisade-net.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

build() {
  if [ -n "${SKIP_BUILD:-}" ]; then return 0; fi
  echo "# building palisade (release) and netbench" >&2
  (cd "$ROOT" && cargo build --release -q -p palisade)
  (cd "$ROOT/bench/net" && cargo build --release -q --target-dir "$T/netbench")
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "port $1 did not open" >&2; return 1
}

# start_palisade PORT UPSTREAM_PORT CONFIG_TOML -> sets PAL_PID, TOKEN
start_palisade() {
  printf '%s\n' "$3" > "$WORK/palisade.toml"
  PALISADE_LOG=warn "$PAL" serve --dev --listen "127.0.0.1:$1" --upstream "31337=http://127.0.0.1:$2" \
    --config "$WORK/palisade.toml" --dev-token-file "$WORK/root.token" > /dev/null 2> "$WORK/palisade.log" &
  PAL_PID=$!; PIDS+=("$PAL_PID")
  wait_port "$1"
  for _ in $(seq 1 100); do [ -s "$WORK/root.token" ] && break; sleep 0.05; done
  TOKEN="$(cat "$WORK/root.token")"
}

# new_credential PORT NAME -> prints token
new_credential() {
  curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"name\":\"$2\",\"methods\":[\"read\"]}" "http://127.0.0.1:$1/v1/credentials" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
