#!/usr/bin/env bash
# Loopback DDoS acceptance test for the gateway (issue 6). Bounded: DURATION seconds (default
# 20) and FLOOD_RPS*DURATION flood requests at most; every process it starts is stopped.
#   one credential's quota: 50 units/s (burst 50)
#   flood: another credential from 127.0.0.2 at FLOOD_RPS (default 1500 = 30x the quota)
#   slowloris: SLOWLORIS connections (default 600) from 127.0.0.3/.4 dripping header bytes
#   legitimate client: LEGIT_RPS (default 20) from 127.0.0.1 within its own quota
# Pass: legit success >= 99 %, legit p99 < 20 ms, > 90 % of the flood refused (429/503) fast.
source "$(dirname "$0")/common.sh"
DURATION="${DURATION:-20}"; FLOOD_RPS="${FLOOD_RPS:-1500}"; LEGIT_RPS="${LEGIT_RPS:-20}"; SLOWLORIS="${SLOWLORIS:-600}"
build
UP=$(free_port); PORT=$(free_port)
"$NB" upstream "127.0.0.1:$UP" $((DURATION + 60)) & PIDS+=($!)
wait_port "$UP"
start_palisade "$PORT" "$UP" '
[rate_limits]
per_credential = { rate = 50, burst = 50 }
per_ip = { rate = 2000, burst = 2000 }
global = { rate = 20000, burst = 20000 }
[overload]
header_read_timeout_ms = 5000
'
LEGIT=$(new_credential "$PORT" legit); FLOOD=$(new_credential "$PORT" flood)
ulimit -n 65536 2>/dev/null || true
echo "# palisade pid $PAL_PID on 127.0.0.1:$PORT, upstream mock on $UP; ${DURATION}s"
set +e
"$NB" load "127.0.0.1:$PORT" "$LEGIT" "$FLOOD" "$DURATION" "$FLOOD_RPS" "$LEGIT_RPS" "$SLOWLORIS" "$PAL_PID"
rc=$?
set -e
echo "# server metrics after the run"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^palisade_(rate_limited_total|shed_total|rate_limit_keys|open_connections|in_flight_requests|http_requests_total)' || true
exit $rc
