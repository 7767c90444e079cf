#!/usr/bin/env bash
# Proxy overhead of the gateway's RPC firewall path vs calling the upstream directly and vs
# nginx (Debian package) as a plain reverse proxy, all on loopback. Bounded: N sequential
# requests per target for latency, SECS seconds per target for throughput.
# Budget (design.md): added p50 < 100 us over direct; throughput within 1.2x of nginx.
source "$(dirname "$0")/common.sh"
N="${N:-5000}"; SECS="${SECS:-5}"; CONNS="${CONNS:-32}"
command -v nginx >/dev/null || { apt-get install -y -q nginx >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q nginx >/dev/null; }; }
NGINX="$(command -v nginx)"
build
UP=$(free_port); NG=$(free_port); PORT=$(free_port)
"$NB" upstream "127.0.0.1:$UP" 600 & PIDS+=($!)
wait_port "$UP"
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # nginx closes a keep-alive connection after 1,000 requests by default; a benchmark client
  # holds one connection for the whole run.
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  upstream node { server 127.0.0.1:$UP; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NG;
    location / { proxy_pass http://node; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" & PIDS+=($!)
wait_port "$NG"
start_palisade "$PORT" "$UP" '
[rate_limits]
per_credential = { rate = 1000000, burst = 1000000 }
per_ip = { rate = 1000000, burst = 1000000 }
global = { rate = 1000000, burst = 1000000 }
'
TOK=$(new_credential "$PORT" bench)
echo "# nginx: $("$NGINX" -v 2>&1); workers: nginx 1, palisade tokio default; loopback; N=$N SECS=$SECS CONNS=$CONNS"
declare -A P50 RPS CPU
# CPU seconds (user + system, all threads) a process has used so far.
cpu_secs() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
NGINX_PID=$(cat "$WORK/nginx/nginx.pid" 2>/dev/null || true)
for target in direct nginx palisade; do
  case $target in
    direct) url="http://127.0.0.1:$UP/"; tok="";;
    nginx) url="http://127.0.0.1:$NG/"; tok="";;
    palisade) url="http://127.0.0.1:$PORT/"; tok="$TOK";;
  esac
  lat=$("$NB" latency "$url" "$N" $tok)
  case $target in nginx) pid=$(pgrep -P "$NGINX_PID" nginx | head -1);; palisade) pid=$PAL_PID;; *) pid="";; esac
  before=$([ -n "$pid" ] && cpu_secs "$pid" || echo 0)
  thr=$("$NB" throughput "$url" "$CONNS" "$SECS" $tok)
  after=$([ -n "$pid" ] && cpu_secs "$pid" || echo 0)
  RPS[$target]=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$thr")
  CPU[$target]=$(python3 -c "import sys; b,a,r,s=map(float,sys.argv[1:]); print(f'{(a-b)/(r*s)*1e6:.1f}' if r else 'nan')" "$before" "$after" "${RPS[$target]}" "$SECS")
  echo "$target: $lat"
  echo "$target: $thr"
  P50[$target]=$(sed -E 's/.*p50_us=([0-9.]+).*/\1/' <<<"$lat")
done
python3 - "${P50[direct]}" "${P50[nginx]}" "${P50[palisade]}" "${RPS[direct]}" "${RPS[nginx]}" "${RPS[palisade]}" "${CPU[nginx]}" "${CPU[palisade]}" <<'PY'
import sys
d, n, p, rd, rn, rp, cn, cp = map(float, sys.argv[1:])
print(f"| target   | p50 us | added p50 us | req/s  | proxy CPU us/req |")
print(f"| direct   | {d:6.1f} | {0:12.1f} | {rd:6.0f} |                - |")
print(f"| nginx    | {n:6.1f} | {n-d:12.1f} | {rn:6.0f} | {cn:16.1f} |")
print(f"| palisade | {p:6.1f} | {p-d:12.1f} | {rp:6.0f} | {cp:16.1f} |")
print(f"palisade added p50 = {p-d:.1f} us (budget < 100 us: {'PASS' if p-d < 100 else 'FAIL'})")
print(f"palisade p50 / nginx p50 = {p/n:.2f}; nginx req/s / palisade req/s = {rn/rp:.2f} (budget <= 1.2: {'PASS' if rn/rp <= 1.2 else 'FAIL'})")
PY
