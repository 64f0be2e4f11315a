#!/usr/bin/env bash
# SSE fan-out: hold 1,000 / 5,000 / 10,000 connections to Notify.Api and measure XADD -> last client
# latency and Notify.Api's memory per connection.
#   bench/sse/run.sh            (COUNTS=1000,5000,10000 EVENTS=20 INTERVAL_MS=250 SOURCES=4)
# Connects to Notify.Api directly: the Gateway is being built alongside (a gateway row comes with it).
# Starts its own redis-server and Notify.Api on free loopback ports and always stops them. Bounded: each
# event waits at most 10 s, and the whole run is killed after 15 minutes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
counts="${COUNTS:-1000,5000,10000}"
events="${EVENTS:-20}"
interval="${INTERVAL_MS:-250}"
sources="${SOURCES:-4}"

for tool in redis-server redis-cli dotnet; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (scripts/prereqs.sh installs it)" >&2; exit 1; }
done

# Each connection is a file descriptor in both processes: raise the soft limit as far as the hard one allows.
max_count="$(tr ',' '\n' <<<"$counts" | sort -n | tail -n 1)"
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $(( max_count + 1000 )) ]; then
  echo "ulimit -n is $(ulimit -n) (hard limit): too low for $max_count connections" >&2; exit 1
fi

echo "Building Notify.Api and the benchmark (Release)..."
dotnet build "$root/Notify.Api/Scrapbook.Notify.Api.csproj" -c Release -v quiet -nologo >/dev/null
dotnet build "$here/Scrapbook.Bench.Sse.csproj" -c Release -v quiet -nologo >/dev/null

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  for _ in $(seq 1 50); do
    local candidate=$(( 20000 + RANDOM % 12000 ))
    if ! port_in_use "$candidate"; then echo "$candidate"; return; fi
  done
  echo "no free port found" >&2; exit 1
}
redis_port="$(free_port)"
notify_port="$(free_port)"

data="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$data" \
  --daemonize no --loglevel warning >"$data/redis.log" 2>&1 &
pids+=($!)

ASPNETCORE_URLS="http://127.0.0.1:$notify_port" ConnectionStrings__redis="127.0.0.1:$redis_port" \
  Logging__LogLevel__Default=Warning DOTNET_ENVIRONMENT=Production \
  dotnet "$root/Notify.Api/bin/Release/net10.0/Scrapbook.Notify.Api.dll" >"$data/notify.log" 2>&1 &
notify_pid=$!
pids+=("$notify_pid")

deadline=$(( SECONDS + 60 ))
until curl -fs "http://127.0.0.1:$notify_port/health" >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ] || ! kill -0 "$notify_pid" 2>/dev/null; then
    echo "Notify.Api did not become healthy:" >&2; cat "$data/notify.log" "$data/redis.log" >&2; exit 1
  fi
  sleep 0.2
done

echo "redis-server :$redis_port, Notify.Api :$notify_port (pid $notify_pid), ulimit -n $(ulimit -n)"
timeout 900 dotnet "$here/bin/Release/net10.0/Scrapbook.Bench.Sse.dll" \
  --port "$notify_port" --redis "127.0.0.1:$redis_port" --notify-pid "$notify_pid" \
  --counts "$counts" --events "$events" --interval-ms "$interval" --sources "$sources"
